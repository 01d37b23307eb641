package org.mcm.sdk;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.mcm.memif.InterfaceConfig;
import org.mcm.memif.MemifAddress;
import org.mcm.memif.MemifFrame;
import org.mcm.memif.MemifInterface;
import org.mcm.memif.MemifSocket;

/**
 * An in-test media proxy: speaks the upstream 24.09 TCP protocol (parsed here from the documented offsets, not
 * with the SDK's code) and serves each session's memif as server with the memif library, on a socket in a temp
 * dir. Behaviour switches make it misbehave on purpose.
 */
final class ProxyDouble implements AutoCloseable {

    enum Misbehave {
        NONE, CLOSE_ON_CREATE, CLOSE_ON_QUERY, SILENT_ON_CREATE, MASTER_FLAG, NO_MEMIF_SERVER,
        /** As upstream 24.09 without this proxy's extensions: an unknown command is read and ignored (no reply). */
        UPSTREAM_2409
    }

    /** Sessions created with the local transport's own command (18). */
    final java.util.Set<Long> localSessions = ConcurrentHashMap.newKeySet();

    /** One message as it arrived. */
    record Request(int inst, byte[] header, byte[] payload) {
    }

    static final class Session {
        final long id;
        final int type;
        final byte[] param;
        final MemifSocket socket;
        final MemifInterface iface;
        volatile boolean destroyed;

        Session(long id, int type, byte[] param, MemifSocket socket, MemifInterface iface) {
            this.id = id;
            this.type = type;
            this.param = param;
            this.socket = socket;
            this.iface = iface;
        }

        void end() {
            if (iface != null) {
                iface.close();
            }
            if (socket != null) {
                socket.close();
            }
        }
    }

    private final Path dir;
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger ids = new AtomicInteger();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final Map<Long, Session> sessions = new ConcurrentHashMap<>();
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    volatile Misbehave misbehave = Misbehave.NONE;
    volatile int bufferSize = 8_294_400;
    volatile int log2RingSize = 2;
    volatile long interfaceId = 0;
    volatile String secret = "";
    /** Non-null: clients must send AUTH (16) with this token before anything else. */
    volatile String requiredToken;

    ProxyDouble(Path dir) throws IOException {
        this.dir = dir;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "proxy-double");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    McmClient client() {
        return McmClient.connect("127.0.0.1", port());
    }

    Session awaitSession(long id) {
        return org.awaitility.Awaitility.await("session " + id).atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(5)).until(() -> sessions.get(id), s -> s != null && s.iface != null);
    }

    /** Waits up to 5 s until at least n requests of the command arrived; returns how many did. */
    int awaitRequests(int inst, int n) {
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).pollInterval(java.time.Duration.ofMillis(5))
                    .until(() -> requestsOf(inst).size() >= n);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the caller compares the count
        }
        return requestsOf(inst).size();
    }

    List<Request> requestsOf(int inst) {
        List<Request> out = new ArrayList<>();
        for (Request r : requests) {
            if (r.inst == inst) {
                out.add(r);
            }
        }
        return out;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                clients.add(s);
                Thread t = new Thread(() -> serve(s), "proxy-double-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        List<Long> owned = new ArrayList<>();
        boolean authed = false;
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (;;) {
                byte[] head = in.readNBytes(12);
                if (head.length < 12) {
                    return;
                }
                int inst = (head[8] & 0xff) | (head[9] & 0xff) << 8;
                int len = (head[10] & 0xff) | (head[11] & 0xff) << 8;
                byte[] payload = in.readNBytes(len);
                if (payload.length < len) {
                    throw new EOFException();
                }
                requests.add(new Request(inst, head, payload));
                if (inst == 16) {
                    String want = requiredToken;
                    authed = want != null && want.equals(new String(payload, java.nio.charset.StandardCharsets.UTF_8));
                    out.write(Golden.u32(authed ? 0 : 1));
                    out.flush();
                    if (!authed) {
                        return;
                    }
                    continue;
                }
                if (requiredToken != null && !authed) {
                    return;
                }
                if (inst != 1 && inst != 2 && inst != 5 && misbehave == Misbehave.UPSTREAM_2409) {
                    continue; // upstream's default case: nothing created, no reply
                }
                switch (inst) {
                    case 1, 18 -> {
                        if (misbehave == Misbehave.CLOSE_ON_CREATE) {
                            return;
                        }
                        if (misbehave == Misbehave.SILENT_ON_CREATE) {
                            in.readAllBytes();
                            return;
                        }
                        long id = ids.incrementAndGet();
                        int type = Golden.le(payload).getInt(0);
                        sessions.put(id, new Session(id, type, payload, null, null));
                        if (inst == 18) {
                            localSessions.add(id);
                        }
                        owned.add(id);
                        out.write(Golden.u32(id));
                    }
                    case 5 -> {
                        if (misbehave == Misbehave.CLOSE_ON_QUERY) {
                            return;
                        }
                        long id = Integer.toUnsignedLong(Golden.le(payload).getInt(0));
                        Session pending = sessions.get(id);
                        if (pending == null) {
                            return;
                        }
                        String kind = pending.type == 0 ? "tx" : "rx";
                        Path sock = dir.resolve("media_proxy_" + kind + "_" + id + ".sock");
                        MemifSocket ms = null;
                        MemifInterface iface = null;
                        if (misbehave != Misbehave.NO_MEMIF_SERVER) {
                            ms = MemifSocket.server(MemifAddress.path(sock));
                            iface = ms.createInterface(InterfaceConfig.builder(interfaceId)
                                    .name("memif_" + kind + "_" + id).secret(secret)
                                    .maxFrameSize(Math.max(64 << 20, bufferSize)).build());
                        }
                        Session ready = new Session(id, pending.type, pending.param, ms, iface);
                        sessions.put(id, ready);
                        if (iface != null) {
                            joinLocal(ready);
                        }
                        out.write(Golden.memifParam(sock.toString(), "memif_" + kind + "_" + id, secret, bufferSize,
                                log2RingSize, misbehave == Misbehave.MASTER_FLAG ? 1 : 0, interfaceId,
                                "memif_" + kind + "_" + id));
                    }
                    case 2 -> {
                        long id = Integer.toUnsignedLong(Golden.le(payload).getInt(0));
                        Session gone = sessions.get(id);
                        if (gone != null) {
                            gone.destroyed = true;
                            gone.end();
                        }
                        owned.remove(id);
                        return; // upstream closes the connection after a destroy
                    }
                    default -> {
                        return;
                    }
                }
                out.flush();
            }
        } catch (IOException e) {
            // client went away
        } finally {
            for (Long id : owned) {
                Session gone = sessions.get(id);
                if (gone != null) {
                    gone.end();
                }
            }
        }
    }

    /** The group key of a local session (created with command 18): remote ip and port text. */
    private String localKey(Session s) {
        if (!localSessions.contains(s.id)) {
            return null;
        }
        return Golden.text(s.param, 60, 46) + ":" + Golden.text(s.param, 106, 6);
    }

    /** Local transport: copies every frame of a TX session to the RX session with the same key. */
    private void joinLocal(Session added) {
        String key = localKey(added);
        if (key == null) {
            return;
        }
        for (Session other : sessions.values()) {
            if (other != added && other.iface != null && other.type != added.type && !other.destroyed
                    && key.equals(localKey(other))) {
                Session tx = added.type == 0 ? added : other;
                Session rx = added.type == 0 ? other : added;
                Thread t = new Thread(() -> forward(tx, rx), "proxy-double-local " + key);
                t.setDaemon(true);
                t.start();
                return;
            }
        }
    }

    private static void forward(Session tx, Session rx) {
        try {
            while (!rx.destroyed && !rx.socket.isClosed() && !tx.socket.isClosed()) {
                MemifFrame f = tx.iface.receive(100, TimeUnit.MILLISECONDS);
                if (f == null) {
                    continue;
                }
                try {
                    MemifFrame o = rx.iface.acquire(0, 2, TimeUnit.SECONDS);
                    if (o != null) {
                        o.data().put(0, f.data(), 0, f.length());
                        o.length(f.length());
                        rx.iface.submit(o);
                    }
                } finally {
                    f.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Fills a server TX frame (proxy to app) with the pattern and sends it. */
    static boolean sendPattern(MemifInterface iface, int len, long seed) throws InterruptedException {
        var f = iface.acquire(0, 5, TimeUnit.SECONDS);
        if (f == null) {
            return false;
        }
        Patterns.fill(f.data(), len, seed);
        f.length(len);
        return iface.submit(f);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket c : clients) {
            c.close();
        }
        for (Session s : sessions.values()) {
            s.end();
        }
    }

}
