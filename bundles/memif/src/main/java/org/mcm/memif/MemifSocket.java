package org.mcm.memif;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.memif.internal.Native;

/**
 * A memif control socket (AF_UNIX, SOCK_SEQPACKET) carrying any number of interfaces, told apart by their id.
 *
 * <p>{@link #server} binds and listens: clients connect, the server sends HELLO and validates every message of
 * the handshake (INIT, ADD_REGION with the region memfd, ADD_RING with the ring eventfd, CONNECT) before it maps
 * anything. {@link #client} connects once per interface, allocates the shared memory (region 0: rings, region 1:
 * buffers) and reconnects after a disconnect. One loop thread per socket runs all control traffic; a peer that
 * breaks the protocol is sent DISCONNECT with the reason, its interface's {@code protocol_errors} counter goes up,
 * and every other interface on the socket carries on.
 *
 * <p>This class is the socket's face (its address, interfaces, counters and life); the work is done by
 * {@link ControlLoop} (the loop thread and the connections' life), {@link ServerHandshake} and
 * {@link ClientHandshake}.
 */
public final class MemifSocket implements AutoCloseable {

    /** The application name sent in HELLO / INIT. */
    public static final String APP_NAME = "MCM Java memif";

    private final Role role;
    private final MemifAddress address;
    private final Map<Long, MemifInterface> ifaces = new ConcurrentHashMap<>();
    private final LongAdder protocolErrors = new LongAdder();
    private final ControlLoop loop;
    private volatile boolean closed;

    private MemifSocket(Role role, MemifAddress address, int listenFd) throws MemifException {
        this.role = role;
        this.address = address;
        this.loop = new ControlLoop(this, listenFd);
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

    /** Whether any interface is open on this socket (a server accepts connections only then). */
    boolean hasInterfaces() {
        return !ifaces.isEmpty();
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
        loop.wake();
        return i;
    }

    void removeInterface(MemifInterface i) {
        loop.runOnLoop(() -> {
            ifaces.remove(i.id(), i);
            if (i.pending != null) {
                loop.drop(i.pending, "interface closed", true, false);
            }
        });
    }

    /** Loop thread. */
    void disconnectInterface(MemifInterface i, String reason) {
        if (i.pending != null) {
            loop.drop(i.pending, reason, true, false);
        }
    }

    /** Runs a task on the loop thread. */
    void post(Runnable r) {
        loop.post(r);
    }

    /** Loop thread: the peer of the connection broke the protocol. */
    void violation(Connection c, String reason) {
        loop.violation(c, reason);
    }

    void protocolError() {
        protocolErrors.increment();
    }

    /** Loop thread, when it ends: every interface is closed and its waiters woken. */
    void interfacesClosed() {
        for (MemifInterface i : ifaces.values()) {
            i.closed = true;
            synchronized (i) {
                i.notifyAll();
            }
        }
    }

    /** Disconnects every interface, stops the loop thread and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.awaitEnd();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "memif " + role.name().toLowerCase() + " socket " + address;
    }
}
