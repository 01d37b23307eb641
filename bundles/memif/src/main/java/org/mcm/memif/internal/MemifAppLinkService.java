package org.mcm.memif.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.memif.BufferPool;
import org.mcm.memif.InterfaceConfig;
import org.mcm.memif.MemifException;
import org.mcm.memif.MemifFrame;
import org.mcm.memif.MemifInterface;
import org.mcm.memif.MemifSocket;
import org.mcm.memif.RxMode;
import org.mcm.memif.service.MemifService;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's app-side data path over memif: for each session the proxy is the memif server (master) on its own
 * socket, the app the client that brings the shared memory. Frames are views of that memory, never copies.
 */
@Component(service = AppLinkService.class, property = "mcm.applink.kind=memif")
public final class MemifAppLinkService implements AppLinkService {

    private static final Logger LOG = LoggerFactory.getLogger(MemifAppLinkService.class);

    @Reference
    MemifService memif;

    private final List<Link> links = new CopyOnWriteArrayList<>();

    @Override
    public String kind() {
        return "memif";
    }

    /** Shared pools by name, with the number of open links using each. */
    private final Map<String, PoolEntry> pools = new java.util.HashMap<>();

    private static final class PoolEntry {
        final BufferPool pool;
        int links;

        PoolEntry(BufferPool pool) {
            this.pool = pool;
        }
    }

    /**
     * Buffers of a pool: every link of it may hold a ring's worth (offered to the sending app, or published to a
     * receiving app and not consumed yet); three rings' worth plus two lets one sender and two receivers run
     * without waiting for a reclaim, more receivers reclaim consumed buffers on demand.
     */
    static int poolBuffers(int log2RingSize) {
        return 3 * (1 << log2RingSize) + 2;
    }

    private BufferPool pool(AppLinkRequest req) throws IOException {
        int size = (int) Math.min(req.bufferSize(), Integer.MAX_VALUE);
        synchronized (pools) {
            String key = req.sharedPool();
            PoolEntry e = key.isEmpty() ? null : pools.get(key);
            if (e != null && e.pool.bufferSize() != size) {
                throw new IOException("shared pool " + key + " holds " + e.pool.bufferSize() + "-byte buffers; this "
                        + "connection needs " + size);
            }
            if (e == null) {
                try {
                    e = new PoolEntry(BufferPool.create(key.isEmpty() ? req.interfaceName() : key,
                            poolBuffers(req.log2RingSize()), size));
                } catch (MemifException x) {
                    throw new IOException(x.getMessage(), x);
                }
                if (!key.isEmpty()) {
                    pools.put(key, e);
                }
            }
            e.links++;
            return e.pool;
        }
    }

    private void unpool(AppLinkRequest req, BufferPool pool) {
        synchronized (pools) {
            String key = req.sharedPool();
            PoolEntry e = key.isEmpty() ? null : pools.get(key);
            if (e != null && e.pool == pool) {
                if (--e.links > 0) {
                    return;
                }
                pools.remove(key);
            }
        }
        pool.close(); // the memory goes when the last connection and frame let go
    }

    @Override
    public AppLink open(AppLinkRequest req) throws IOException {
        if (req.pooled()) {
            return openPooled(req);
        }
        String address = req.socketPath();
        if (!address.startsWith("@")) {
            Path p = Path.of(address);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            refuseForeignFile(p);
        }
        MemifSocket socket;
        try {
            socket = memif.openServer(address);
        } catch (MemifException e) {
            throw new IOException("cannot listen on memif socket " + address + ": " + e.getMessage(), e);
        }
        if (!address.startsWith("@")) {
            try { // the app's user (group mcm) may connect, nobody else
                Files.setPosixFilePermissions(Path.of(address), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("cannot set the mode of {}: {}", address, e.toString());
            }
        }
        try {
            Link link = new Link(req, socket);
            links.add(link);
            return link;
        } catch (MemifException | RuntimeException e) {
            socket.close();
            throw new IOException("cannot create memif interface " + req.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whatever sits at a session's socket path is left alone unless it is a socket of this process's user (a stale one
     * of an earlier run is replaced when nobody listens on it, see {@link MemifSocket#server}): a planted regular
     * file, directory, symlink or another user's socket is refused, never deleted or followed.
     */
    static void refuseForeignFile(Path p) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return; // the normal case
        }
        String what = a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory"
                : a.isRegularFile() ? "a regular file" : null;
        if (what == null) { // a socket (or fifo/device): only our own user's socket may be replaced
            Object owner = Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (owner.equals(self)) {
                return;
            }
            what = "a file of user " + owner;
        }
        throw new IOException("memif socket path " + p + " is taken by " + what + "; refused (it is not replaced)");
    }

    /**
     * Pool layout: the app listens on the socket path, the proxy connects as the side that brings the memory (a
     * buffer pool, shared by name); RX apps get it read only.
     */
    private AppLink openPooled(AppLinkRequest req) throws IOException {
        if (!req.socketPath().startsWith("@")) {
            Path parent = Path.of(req.socketPath()).getParent();
            if (parent != null) {
                Files.createDirectories(parent); // the app listens there
            }
        }
        BufferPool pool = pool(req);
        MemifSocket socket;
        try {
            socket = memif.openClient(req.socketPath());
        } catch (MemifException e) {
            unpool(req, pool);
            throw new IOException("cannot open memif client socket to " + req.socketPath() + ": " + e.getMessage(), e);
        }
        try {
            Link link = new Link(req, socket, pool);
            links.add(link);
            return link;
        } catch (MemifException | RuntimeException e) {
            socket.close();
            unpool(req, pool);
            throw new IOException("cannot create memif interface " + req.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() {
        for (Link l : links) {
            l.close();
        }
        links.clear();
    }

    private final class Link implements AppLink, MemifInterface.Listener {
        private final AppLinkRequest req;
        private final MemifSocket socket;
        private final MemifInterface iface;
        private final List<Consumer<String>> detachListeners = new CopyOnWriteArrayList<>();
        private volatile Thread pump;
        private volatile boolean closed;
        private volatile boolean wasConnected;
        private final BufferPool pool;

        Link(AppLinkRequest req, MemifSocket socket) throws MemifException {
            this(req, socket, null);
        }

        Link(AppLinkRequest req, MemifSocket socket, BufferPool pool) throws MemifException {
            this.req = req;
            this.socket = socket;
            this.pool = pool;
            long frame = req.bufferSize();
            InterfaceConfig.Builder b = InterfaceConfig.builder(req.interfaceId());
            if (pool != null) {
                // the app listens: look for it often until it is there, and after it went away
                b.pool(pool, req.direction() == Direction.RX).reconnectInterval(java.time.Duration.ofMillis(20));
            }
            InterfaceConfig cfg = b
                    .name(req.interfaceName().length() > 31 ? req.interfaceName().substring(0, 31) : req.interfaceName())
                    .secret(req.secret())
                    .rxMode(req.polling() ? RxMode.POLLING : RxMode.INTERRUPT)
                    .log2RingSize(req.log2RingSize())
                    .bufferSize((int) Math.min(frame, Integer.MAX_VALUE))
                    .maxFrameSize((int) Math.min(Math.max(frame, 2048), Integer.MAX_VALUE))
                    .listener(this)
                    .build();
            this.iface = socket.createInterface(cfg);
        }

        @Override
        public AppLinkRequest request() {
            return req;
        }

        @Override
        public boolean isConnected() {
            return iface.isConnected();
        }

        @Override
        public FrameSource source() {
            return iface.source(0);
        }

        @Override
        public FrameSink sink() {
            return iface.sink(0);
        }

        @Override
        public synchronized void start(FrameSink target) {
            if (req.direction() != Direction.TX) {
                throw new IllegalStateException("only a TX link delivers app frames");
            }
            if (pump != null) {
                return;
            }
            Thread t = new Thread(() -> {
                while (!closed) {
                    try {
                        MemifFrame f = iface.receive(200, TimeUnit.MILLISECONDS);
                        if (f != null) {
                            target.accept(f); // ownership passes; releasing returns the buffer to the app
                        }
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        LOG.warn("memif link {}: {}", req.interfaceName(), e.toString());
                    }
                }
            }, "memif-app-" + req.interfaceName());
            t.setDaemon(true);
            pump = t;
            t.start();
        }

        @Override
        public void onDetach(Consumer<String> listener) {
            detachListeners.add(listener);
        }

        @Override
        public Map<String, Long> stats() {
            Map<String, Long> m = iface.stats();
            if (pool != null) {
                m.put("pool_buffers", (long) pool.count());
                m.put("pool_free", (long) pool.available());
                m.put("pool_exhausted", pool.exhausted());
            }
            return m;
        }

        @Override
        public void connected(MemifInterface i) {
            wasConnected = true;
        }

        @Override
        public void disconnected(MemifInterface i, String reason) {
            if (wasConnected) {
                for (Consumer<String> l : detachListeners) {
                    try {
                        l.accept(reason);
                    } catch (RuntimeException e) {
                        LOG.warn("memif link: detach listener failed: {}", e.toString());
                    }
                }
            }
        }

        @Override
        public void close() {
            close("session closed by the proxy");
        }

        @Override
        public void close(String reason) {
            if (closed) {
                return;
            }
            closed = true;
            links.remove(this);
            Thread t = pump;
            if (t != null) {
                t.interrupt();
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                iface.disconnect(reason);
            } catch (RuntimeException e) {
                // closing anyway
            }
            socket.close();
            if (pool != null) {
                // the app made the socket file, but in the proxy's directory under the name the proxy gave it: an
                // app killed before it could clean up leaves it behind, so the proxy removes it with the session
                unpool(req, pool);
            }
            if (!req.socketPath().startsWith("@")) {
                try {
                    Files.deleteIfExists(Path.of(req.socketPath()));
                } catch (IOException e) {
                    // best effort
                }
            }
        }
    }
}
