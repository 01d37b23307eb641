package org.mcm.memif;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Region;
import org.mcm.memif.internal.Ring;

/**
 * A memif control socket (AF_UNIX, SOCK_SEQPACKET) carrying any number of interfaces, told apart by their id.
 *
 * <p>{@link #server} binds and listens: clients connect, the server sends HELLO and validates every message of
 * the handshake (INIT, ADD_REGION with the region memfd, ADD_RING with the ring eventfd, CONNECT) before it maps
 * anything. {@link #client} connects once per interface, allocates the shared memory (region 0: rings, region 1:
 * buffers) and reconnects after a disconnect. One loop thread per socket runs all control traffic; a peer that
 * breaks the protocol is sent DISCONNECT with the reason, its interface's {@code protocol_errors} counter goes up,
 * and every other interface on the socket carries on.
 */
public final class MemifSocket implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MemifSocket.class.getName());

    /** The application name sent in HELLO / INIT. */
    public static final String APP_NAME = "MCM Java memif";
    static final int MAX_CONNECTIONS = 200;
    static final int MAX_REGION_INDEX = 255;
    static final int MAX_RING_INDEX = 255;
    static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Role role;
    private final MemifAddress address;
    private final int listenFd;
    private final int wakeFd;
    private final Map<Long, MemifInterface> ifaces = new ConcurrentHashMap<>();
    private final List<Connection> conns = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final Thread loop;
    private volatile boolean closed;
    private final long[] scratch = new long[1];

    private MemifSocket(Role role, MemifAddress address, int listenFd) throws MemifException {
        this.role = role;
        this.address = address;
        this.listenFd = listenFd;
        this.wakeFd = Native.mcm_eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
        if (wakeFd < 0) {
            if (listenFd >= 0) {
                Native.mcm_close(listenFd);
            }
            throw new MemifException("eventfd: " + Native.strerror(wakeFd));
        }
        this.loop = new Thread(this::run, "memif-" + role.name().toLowerCase() + " " + address);
        loop.setDaemon(true);
        loop.start();
    }

    /** Binds and listens at the address (a stale socket file is replaced; a live one is an error). */
    public static MemifSocket server(MemifAddress address) throws MemifException {
        Native.check();
        int fd = Native.mcm_seqpacket_socket();
        if (fd < 0) {
            throw new MemifException("socket(AF_UNIX, SOCK_SEQPACKET): " + Native.strerror(fd));
        }
        int abs = address.isAbstract() ? 1 : 0;
        int rc = Native.mcm_bind_listen(fd, address.name(), abs, 16);
        if (rc == -98 && !address.isAbstract() && isSocketFile(address) && isStale(address)) {
            try {
                Files.deleteIfExists(Path.of(address.name()));
            } catch (IOException e) {
                // fall through to the bind error
            }
            rc = Native.mcm_bind_listen(fd, address.name(), abs, 16);
        }
        if (rc < 0) {
            Native.mcm_close(fd);
            throw new MemifException("cannot listen on memif socket " + address + ": " + Native.strerror(rc));
        }
        Native.mcm_set_nonblock(fd, 1);
        return new MemifSocket(Role.SERVER, address, fd);
    }

    /** A socket itself, not a link to one (a link is never followed or removed). */
    private static boolean isSocketFile(MemifAddress address) {
        try {
            return Files.readAttributes(Path.of(address.name()), java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isStale(MemifAddress address) {
        int probe = Native.mcm_seqpacket_socket();
        if (probe < 0) {
            return false;
        }
        try {
            return Native.mcm_connect(probe, address.name(), 0) == -111;
        } finally {
            Native.mcm_close(probe);
        }
    }

    /** A client socket: each interface created on it connects to the server at the address (and reconnects). */
    public static MemifSocket client(MemifAddress address) throws MemifException {
        Native.check();
        return new MemifSocket(Role.CLIENT, address, -1);
    }

    public Role role() {
        return role;
    }

    public MemifAddress address() {
        return address;
    }

    /** Control-protocol violations by any peer on this socket (incl. those before an interface was known). */
    public long protocolErrors() {
        return protocolErrors.sum();
    }

    public List<MemifInterface> interfaces() {
        return List.copyOf(ifaces.values());
    }

    public MemifInterface getInterface(long id) {
        return ifaces.get(id);
    }

    /** Adds an interface; a client interface starts connecting at once. */
    public MemifInterface createInterface(InterfaceConfig config) throws MemifException {
        if (closed) {
            throw new MemifException("memif socket " + address + " is closed");
        }
        if (config.pool() != null && role != Role.CLIENT) {
            throw new MemifException("a buffer pool is for client interfaces (the side that brings the memory)");
        }
        if (role == Role.CLIENT && config.pool() == null) {
            long slots = (long) (config.c2sRings() + config.s2cRings()) << config.log2RingSize();
            if (slots * config.bufferSize() > InterfaceConfig.MAX_REGION_SIZE) {
                throw new MemifException("buffers of " + slots + " x " + config.bufferSize()
                        + " bytes exceed the 2 GiB region limit; use fewer or smaller rings/buffers");
            }
        }
        MemifInterface i = new MemifInterface(this, config);
        if (ifaces.putIfAbsent(config.id(), i) != null) {
            throw new MemifException("interface id " + config.id() + " already exists on " + address);
        }
        i.nextAttemptNanos = System.nanoTime();
        wake();
        return i;
    }

    void removeInterface(MemifInterface i) {
        runOnLoop(() -> {
            ifaces.remove(i.id(), i);
            if (i.pending != null) {
                drop(i.pending, "interface closed", true, false);
            }
        });
    }

    void disconnectInterface(MemifInterface i, String reason) {
        if (i.pending != null) {
            drop(i.pending, reason, true, false);
        }
    }

    /** Runs a task on the loop thread. */
    void post(Runnable r) {
        tasks.add(r);
        wake();
    }

    private void runOnLoop(Runnable r) {
        if (Thread.currentThread() == loop || !loop.isAlive()) {
            r.run();
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        post(() -> {
            try {
                r.run();
            } finally {
                done.countDown();
            }
        });
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        Native.mcm_eventfd_write(wakeFd, 1);
    }

    /** Disconnects every interface, stops the loop thread and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        wake();
        if (Thread.currentThread() != loop) {
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "memif " + role.name().toLowerCase() + " socket " + address;
    }

    // ------------------------------------------------------------------------------------------------- loop

    private void run() {
        try {
            while (!closed) {
                runTasks();
                timers();
                pollOnce();
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "memif socket " + address + " loop failed", t);
        } finally {
            runTasks();
            for (Connection c : new ArrayList<>(conns)) {
                drop(c, "socket closed", true, false);
            }
            for (MemifInterface i : ifaces.values()) {
                i.closed = true;
                synchronized (i) {
                    i.notifyAll();
                }
            }
            if (listenFd >= 0) {
                Native.mcm_close(listenFd);
                if (!address.isAbstract()) {
                    try {
                        Files.deleteIfExists(Path.of(address.name()));
                    } catch (IOException e) {
                        LOG.log(Level.DEBUG, "cannot remove " + address + ": " + e);
                    }
                }
            }
            Native.mcm_close(wakeFd);
        }
    }

    private void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "memif task failed", e);
            }
        }
    }

    private void timers() {
        long now = System.nanoTime();
        for (Connection c : new ArrayList<>(conns)) {
            if (c.state != Connection.State.CONNECTED && now - c.deadlineNanos > 0) {
                violation(c, "Handshake timeout");
            }
        }
        if (role == Role.CLIENT) {
            for (MemifInterface i : ifaces.values()) {
                if (!i.closed && i.pending == null && now - i.nextAttemptNanos >= 0) {
                    connectClient(i);
                }
            }
        }
    }

    private void pollOnce() {
        int n = 1 + (listenFd >= 0 ? 1 : 0) + conns.size();
        int[] fds = new int[n];
        short[] ev = new short[n];
        short[] rev = new short[n];
        Connection[] who = new Connection[n];
        int k = 0;
        fds[k] = wakeFd;
        ev[k++] = Native.POLLIN;
        int listenAt = -1;
        if (listenFd >= 0) {
            listenAt = k;
            fds[k] = listenFd;
            ev[k++] = Native.POLLIN;
        }
        for (Connection c : conns) {
            who[k] = c;
            fds[k] = c.fd;
            ev[k++] = Native.POLLIN;
        }
        int rc = Native.mcm_poll(fds, ev, rev, n, 100);
        if (rc <= 0) {
            return;
        }
        if (rev[0] != 0) {
            Native.mcm_eventfd_read(wakeFd, scratch);
        }
        if (listenAt >= 0 && rev[listenAt] != 0) {
            acceptAll();
        }
        for (int i = 0; i < n; i++) {
            Connection c = who[i];
            if (c == null || rev[i] == 0 || c.state == Connection.State.CLOSED) {
                continue;
            }
            if ((rev[i] & Native.POLLIN) != 0) {
                readAll(c);
            }
            if (c.state != Connection.State.CLOSED
                    && (rev[i] & (Native.POLLHUP | Native.POLLERR | Native.POLLNVAL)) != 0) {
                drop(c, "peer closed the control socket", false, false);
            }
        }
    }

    private void acceptAll() {
        for (;;) {
            int fd = Native.mcm_accept(listenFd);
            if (fd < 0) {
                return;
            }
            Native.mcm_set_nonblock(fd, 1);
            accepted.increment();
            Connection c = new Connection(this, Role.SERVER, fd);
            c.state = Connection.State.AWAIT_INIT;
            c.deadlineNanos = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
            conns.add(c);
            if (conns.size() > MAX_CONNECTIONS) {
                drop(c, "Too many connections", true, false);
                continue;
            }
            c.out.reset(Msg.HELLO).helloName(APP_NAME).helloMinVersion(Msg.VERSION).helloMaxVersion(Msg.VERSION)
                    .helloMaxRegion(MAX_REGION_INDEX).helloMaxS2cRing(MAX_RING_INDEX)
                    .helloMaxC2sRing(MAX_RING_INDEX).helloMaxLog2RingSize(Ring.MAX_LOG2);
            send(c, -1);
        }
    }

    private void connectClient(MemifInterface i) {
        InterfaceConfig cfg = i.config();
        i.nextAttemptNanos = System.nanoTime() + cfg.reconnectInterval().toNanos();
        int fd = Native.mcm_seqpacket_socket();
        if (fd < 0) {
            return;
        }
        int rc = Native.mcm_connect(fd, address.name(), address.isAbstract() ? 1 : 0);
        if (rc < 0) {
            Native.mcm_close(fd);
            LOG.log(Level.DEBUG, () -> i + ": connect: " + Native.strerror(rc));
            return;
        }
        Native.mcm_set_nonblock(fd, 1);
        Connection c = new Connection(this, Role.CLIENT, fd);
        c.iface = i;
        c.state = Connection.State.AWAIT_HELLO;
        c.deadlineNanos = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
        i.pending = c;
        conns.add(c);
    }

    private boolean send(Connection c, int passFd) {
        int rc = Native.mcm_sendmsg(c.fd, c.out.buffer(), Msg.SIZE, passFd);
        if (rc != Msg.SIZE) {
            if (c.out.type() != Msg.DISCONNECT) {
                drop(c, "send " + Msg.typeName(c.out.type()) + ": "
                        + (rc < 0 ? Native.strerror(rc) : "short write"), false, false);
            }
            return false;
        }
        return true;
    }

    private void readAll(Connection c) {
        while (c.state != Connection.State.CLOSED) {
            int n = Native.mcm_recvmsg(c.fd, c.in.buffer(), Msg.SIZE * 2, c.fds, c.fds.length, c.nfds, c.msgFlags);
            if (n == -Native.EAGAIN || n == -Native.EINTR) {
                return;
            }
            if (n < 0) {
                drop(c, "recv: " + Native.strerror(n), false, false);
                return;
            }
            if (n == 0) {
                drop(c, "peer closed the control socket", false, false);
                return;
            }
            handle(c, n);
        }
    }

    private static void closeFds(int[] fds, int from, int count) {
        for (int i = from; i < count; i++) {
            Native.mcm_close(fds[i]);
        }
    }

    private void handle(Connection c, int n) {
        int nf = c.nfds[0];
        int fd = nf > 0 ? c.fds[0] : -1;
        if (nf > 1) {
            closeFds(c.fds, 0, nf);
            violation(c, "More than one file descriptor in a message");
            return;
        }
        if (n != Msg.SIZE || (c.msgFlags[0] & (Native.MSG_TRUNC | Native.MSG_CTRUNC)) != 0) {
            closeFds(c.fds, 0, nf);
            violation(c, "Invalid message size");
            return;
        }
        int type = c.in.type();
        if (type == Msg.DISCONNECT) {
            closeFds(c.fds, 0, nf);
            String reason = c.in.disconnectReason();
            drop(c, "peer disconnected: " + reason, false, false);
            return;
        }
        boolean fdAllowed = role == Role.SERVER && (type == Msg.ADD_REGION || type == Msg.ADD_RING);
        if (fd >= 0 && !fdAllowed) {
            Native.mcm_close(fd);
            violation(c, "Unexpected file descriptor with " + Msg.typeName(type));
            return;
        }
        if (role == Role.SERVER) {
            // the fd is the server's only once a region or ring accepted it; a refusal in any state closes it
            String err = serverMessage(c, type, fd);
            if (err != null) {
                if (fd >= 0) {
                    Native.mcm_close(fd);
                }
                violation(c, err);
            }
        } else {
            clientMessage(c, type);
        }
    }

    // ---------------------------------------------------------------------------------------------- server

    /** Handles one message from a client; returns a DISCONNECT reason when it is not acceptable. */
    private String serverMessage(Connection c, int type, int fd) {
        switch (c.state) {
            case AWAIT_INIT:
                if (type != Msg.INIT) {
                    return "Unexpected message " + Msg.typeName(type);
                }
                return init(c);
            case HANDSHAKE:
                if (type == Msg.ADD_REGION) {
                    return addRegion(c, fd);
                }
                if (type == Msg.ADD_RING) {
                    return addRing(c, fd);
                }
                if (type == Msg.CONNECT) {
                    return connect(c);
                }
                return "Unexpected message " + Msg.typeName(type);
            default:
                return "Unexpected message " + Msg.typeName(type);
        }
    }

    private void ack(Connection c) {
        c.out.reset(Msg.ACK);
        send(c, -1);
    }

    private String init(Connection c) {
        Msg m = c.in;
        if (m.initVersion() != Msg.VERSION) {
            return "Incompatible memif version";
        }
        MemifInterface i = ifaces.get(m.initId());
        if (i == null || i.closed) {
            return "ID not found";
        }
        if (i.pending != null) {
            return "Already connected";
        }
        c.iface = i; // from here on, errors count on the interface too
        if (m.initMode() != 0) {
            return "Only ethernet mode supported";
        }
        String secret = i.config().secret();
        if (!secret.isEmpty()) {
            String theirs = m.initSecret();
            if (theirs.isEmpty()) {
                return "Secret required";
            }
            if (!theirs.equals(secret)) {
                return "Incorrect secret";
            }
        }
        i.pending = c;
        i.peerName(m.initName());
        c.state = Connection.State.HANDSHAKE;
        ack(c);
        return null;
    }

    private String addRegion(Connection c, int fd) {
        Msg m = c.in;
        InterfaceConfig cfg = c.iface.config();
        if (fd < 0) {
            return "Missing region fd";
        }
        int index = m.regionIndex();
        if (index != c.regions.size() || index > MAX_REGION_INDEX) {
            return "Invalid region index " + index;
        }
        long size = m.regionSize();
        if (size <= 0 || size > cfg.maxRegionSize()) {
            return "Invalid region size " + Long.toUnsignedString(size);
        }
        long real = Native.mcm_fstat_size(fd);
        if (real < 0) {
            return "Region fd not usable";
        }
        if (real < size) {
            return "Region fd holds " + real + " bytes, less than the region size " + size;
        }
        if (cfg.requireSealedRegions()) {
            int seals = Native.mcm_get_seals(fd);
            if (seals < 0 || (seals & Native.F_SEAL_SHRINK) == 0) {
                return "Region fd not sealed against shrinking";
            }
        }
        c.regions.add(new Region(fd, size));
        ack(c);
        return null;
    }

    private String addRing(Connection c, int fd) {
        Msg m = c.in;
        InterfaceConfig cfg = c.iface.config();
        if (fd < 0) {
            return "Missing interrupt fd";
        }
        int flags = m.ringFlags();
        if ((flags & ~Msg.RING_FLAG_C2S) != 0) {
            return "Invalid ring flags " + flags;
        }
        boolean c2s = (flags & Msg.RING_FLAG_C2S) != 0;
        List<Connection.RingSpec> list = c2s ? c.c2s : c.s2c;
        int max = c2s ? cfg.c2sRings() : cfg.s2cRings();
        int index = m.ringIndex();
        if (index != list.size() || index >= max) {
            return "Invalid ring index " + index;
        }
        int region = m.ringRegion();
        if (region >= c.regions.size()) {
            return "Invalid region index " + region;
        }
        int log2 = m.ringLog2Size();
        if (log2 < 1 || log2 > Ring.MAX_LOG2) {
            return "Invalid ring size " + log2;
        }
        if (m.ringPrivateHdrSize() != 0) {
            return "Private headers not supported";
        }
        long off = m.ringOffset();
        if ((off & 1) != 0) {
            return "Misaligned ring offset " + off;
        }
        if (off + Ring.bytes(log2) > c.regions.get(region).size()) {
            return "Ring outside region " + region;
        }
        // the consumer side waits on it and the producer writes it; never let a write block this process
        Native.mcm_set_nonblock(fd, 1);
        list.add(new Connection.RingSpec(index, region, off, log2, fd));
        ack(c);
        return null;
    }

    private String connect(Connection c) {
        if (c.c2s.isEmpty() || c.s2c.isEmpty()) {
            return "Missing rings";
        }
        for (int r = 0; r < c.regions.size(); r++) {
            try {
                c.regions.get(r).map();
            } catch (IOException e) {
                return "Cannot map region " + r + ": " + e.getMessage();
            }
        }
        for (Connection.RingSpec s : c.c2s) {
            if (c.regions.get(s.region).readOnly()) {
                return "C2S ring " + s.index + " in read-only region " + s.region;
            }
            if (c.ring(s).cookie() != Ring.COOKIE) {
                return "Wrong cookie on C2S ring " + s.index;
            }
        }
        for (Connection.RingSpec s : c.s2c) {
            if (c.regions.get(s.region).readOnly()) {
                return "S2C ring " + s.index + " in read-only region " + s.region;
            }
            if (c.ring(s).cookie() != Ring.COOKIE) {
                return "Wrong cookie on S2C ring " + s.index;
            }
        }
        MemifInterface i = c.iface;
        RxQueue[] rx = new RxQueue[c.c2s.size()];
        for (int q = 0; q < rx.length; q++) {
            Connection.RingSpec s = c.c2s.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            rx[q] = new RxQueue(i, c, q, ring, s.eventFd, false, 0, 0, 0);
            rx[q].start();
        }
        TxQueue[] tx = new TxQueue[c.s2c.size()];
        for (int q = 0; q < tx.length; q++) {
            Connection.RingSpec s = c.s2c.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            tx[q] = new TxQueue(i, c, q, ring, s.eventFd, false, 0, 0, 0);
            tx[q].start();
        }
        c.rx = rx;
        c.tx = tx;
        String peerIf = c.in.ifName();
        c.out.reset(Msg.CONNECTED).ifName(i.config().name());
        if (!send(c, -1)) {
            return null;
        }
        c.state = Connection.State.CONNECTED;
        established(c, peerIf);
        return null;
    }

    private void established(Connection c, String peerIf) {
        MemifInterface i = c.iface;
        i.connectedNow(c);
        LOG.log(Level.INFO, () -> i + ": connected to " + i.peerName() + " (" + peerIf + "), " + c.regions.size()
                + " regions, " + c.c2s.size() + "+" + c.s2c.size() + " rings");
        MemifInterface.Listener l = i.config().listener();
        if (l != null) {
            try {
                l.connected(i);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "memif listener failed", e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- client

    private void clientMessage(Connection c, int type) {
        switch (c.state) {
            case AWAIT_HELLO:
                if (type != Msg.HELLO) {
                    violation(c, "Unexpected message " + Msg.typeName(type));
                    return;
                }
                hello(c);
                return;
            case HANDSHAKE:
                if (type == Msg.ACK) {
                    nextStep(c);
                    return;
                }
                if (type == Msg.CONNECTED) {
                    connected(c);
                    return;
                }
                violation(c, "Unexpected message " + Msg.typeName(type));
                return;
            default:
                violation(c, "Unexpected message " + Msg.typeName(type));
        }
    }

    private void hello(Connection c) {
        Msg m = c.in;
        MemifInterface i = c.iface;
        InterfaceConfig cfg = i.config();
        if (m.helloMinVersion() > Msg.VERSION || m.helloMaxVersion() < Msg.VERSION) {
            violation(c, "Incompatible memif version");
            return;
        }
        if (m.helloMaxRegion() < 1) {
            violation(c, "Server allows too few regions");
            return;
        }
        int nc2s = Math.min(cfg.c2sRings(), m.helloMaxC2sRing() + 1);
        int ns2c = Math.min(cfg.s2cRings(), m.helloMaxS2cRing() + 1);
        int log2 = Math.min(cfg.log2RingSize(), m.helloMaxLog2RingSize());
        if (log2 < 1) {
            violation(c, "Invalid max ring size " + m.helloMaxLog2RingSize());
            return;
        }
        i.peerName(m.helloName());
        int slots = 1 << log2;
        long ringBytes = Ring.bytes(log2);
        int rings = nc2s + ns2c;
        try {
            c.regions.add(Region.create("memif-rings-" + cfg.id(), rings * ringBytes));
            BufferPool pool = cfg.pool();
            if (pool != null) {
                if (!pool.use()) {
                    drop(c, "Buffer pool " + pool.name() + " is closed", true, false);
                    return;
                }
                c.pool = pool;
                int fd;
                try {
                    fd = cfg.poolReadOnly() ? pool.readOnlyFd() : pool.fd();
                } catch (MemifException e) {
                    drop(c, e.getMessage(), true, false);
                    return;
                }
                c.regions.add(Region.borrowed(fd, pool.size(), pool.memory()));
            } else {
                c.regions.add(Region.create("memif-buffers-" + cfg.id(), (long) rings * slots * cfg.bufferSize()));
            }
        } catch (IOException e) {
            drop(c, "Cannot allocate shared memory: " + e.getMessage(), true, false);
            return;
        }
        for (int r = 0; r < rings; r++) {
            int efd = Native.mcm_eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
            boolean isC2s = r < nc2s;
            Connection.RingSpec s = new Connection.RingSpec(isC2s ? r : r - nc2s, 0, r * ringBytes, log2, efd);
            (isC2s ? c.c2s : c.s2c).add(s);
            c.ring(s).init(0);
            if (efd < 0) {
                drop(c, "eventfd: " + Native.strerror(efd), true, false);
                return;
            }
        }
        c.out.reset(Msg.INIT).initVersion(Msg.VERSION).initId(cfg.id()).initMode(0).initSecret(cfg.secret())
                .initName(cfg.name());
        c.step = 0;
        c.state = Connection.State.HANDSHAKE;
        send(c, -1);
    }

    private void nextStep(Connection c) {
        int regions = c.regions.size();
        int total = regions + c.c2s.size() + c.s2c.size();
        int s = c.step;
        if (s > total) {
            violation(c, "Unexpected ACK");
            return;
        }
        c.step = s + 1;
        if (s < regions) {
            Region r = c.regions.get(s);
            c.out.reset(Msg.ADD_REGION).regionIndex(s).regionSize(r.size());
            send(c, r.fd());
            return;
        }
        s -= regions;
        if (s < c.c2s.size() + c.s2c.size()) {
            boolean isC2s = s < c.c2s.size();
            Connection.RingSpec r = isC2s ? c.c2s.get(s) : c.s2c.get(s - c.c2s.size());
            c.out.reset(Msg.ADD_RING).ringFlags(isC2s ? Msg.RING_FLAG_C2S : 0).ringIndex(r.index)
                    .ringRegion(r.region).ringOffset(r.offset).ringLog2Size(r.log2).ringPrivateHdrSize(0);
            send(c, r.eventFd);
            return;
        }
        c.out.reset(Msg.CONNECT).ifName(c.iface.config().name());
        send(c, -1);
    }

    private void connected(Connection c) {
        int total = c.regions.size() + c.c2s.size() + c.s2c.size();
        if (c.step != total + 1) {
            violation(c, "Unexpected message CONNECTED");
            return;
        }
        MemifInterface i = c.iface;
        int bsize = i.config().bufferSize();
        int nc2s = c.c2s.size();
        TxQueue[] tx = new TxQueue[nc2s];
        for (int q = 0; q < nc2s; q++) {
            Connection.RingSpec s = c.c2s.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            tx[q] = new TxQueue(i, c, q, ring, s.eventFd, true, 1, (long) q * ring.size() * bsize, bsize, c.pool);
            tx[q].start();
            if (c.pool != null) {
                c.pool.addReclaimer(tx[q].reclaimer);
            }
        }
        RxQueue[] rx = new RxQueue[c.s2c.size()];
        for (int q = 0; q < rx.length; q++) {
            Connection.RingSpec s = c.s2c.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            rx[q] = new RxQueue(i, c, q, ring, s.eventFd, true, 1, (long) (nc2s + q) * ring.size() * bsize, bsize,
                    c.pool);
            rx[q].start();
        }
        c.rx = rx;
        c.tx = tx;
        c.state = Connection.State.CONNECTED;
        established(c, c.in.ifName());
    }

    // ------------------------------------------------------------------------------------------ disconnect

    /** The peer broke the protocol: counted, DISCONNECT with the reason, connection dropped. */
    void violation(Connection c, String reason) {
        drop(c, reason, true, true);
    }

    private void drop(Connection c, String reason, boolean sendDisconnect, boolean protocolError) {
        if (c.state == Connection.State.CLOSED) {
            return;
        }
        MemifInterface i = c.iface;
        if (protocolError) {
            protocolErrors.increment();
            if (i != null) {
                i.protocolErrors.increment();
            }
        }
        if (sendDisconnect) {
            c.out.reset(Msg.DISCONNECT).disconnectCode(0).disconnectReason(reason);
            Native.mcm_sendmsg(c.fd, c.out.buffer(), Msg.SIZE, -1);
        }
        Native.mcm_close(c.fd);
        c.fd = -1;
        c.state = Connection.State.CLOSED;
        conns.remove(c);
        boolean wasActive = false;
        if (i != null && i.pending == c) {
            wasActive = i.active == c;
            i.active = null;
            i.pending = null;
            i.disconnected(reason);
            if (role == Role.CLIENT) {
                i.nextAttemptNanos = System.nanoTime() + i.config().reconnectInterval().toNanos();
            }
        }
        c.release();
        Level level = protocolError ? Level.WARNING : Level.INFO;
        LOG.log(level, () -> (i != null ? i.toString() : "memif " + address) + ": disconnected: " + reason);
        if (wasActive && i.config().listener() != null) {
            try {
                i.config().listener().disconnected(i, reason);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "memif listener failed", e);
            }
        }
    }
}
