package org.mcm.memif;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop of one {@link MemifSocket}: its thread polls the wake eventfd, the listening socket (server) and
 * every control connection; it accepts, reads and frames messages (size, attached descriptors), hands them to the
 * role's handshake ({@link ServerHandshake} or {@link ClientHandshake}), runs posted tasks and timers (handshake
 * deadlines, client reconnects), and owns the connections' life: {@link #established} and {@link #drop}.
 * All of it runs on the loop thread only.
 */
final class ControlLoop {

    private static final Logger LOG = LoggerFactory.getLogger(MemifSocket.class);
    /** At most this many protocol-error lines per socket and window; the rest are counted in the next line. */
    static final int WARN_LINES_PER_WINDOW = 5;
    static final long WARN_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    static final int MAX_CONNECTIONS = 200;
    static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final MemifSocket socket;
    private final Role role;
    private final MemifAddress address;
    private final int listenFd;
    private final int wakeFd;
    private final List<Connection> conns = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ServerHandshake server;
    private final ClientHandshake client;
    private final Thread thread;
    private final long[] scratch = new long[1];
    private long warnWindowStart = System.nanoTime() - WARN_WINDOW_NANOS;
    private int warnLines;
    private long warnHeld;

    /** Takes over listenFd (server; -1 for a client): closed on failure here, else when the loop ends. */
    ControlLoop(MemifSocket socket, int listenFd) throws MemifException {
        this.socket = socket;
        this.role = socket.role();
        this.address = socket.address();
        this.listenFd = listenFd;
        this.wakeFd = Native.mcm_eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
        if (wakeFd < 0) {
            if (listenFd >= 0) {
                Native.mcm_close(listenFd);
            }
            throw new MemifException("eventfd: " + Native.strerror(wakeFd));
        }
        this.server = role == Role.SERVER ? new ServerHandshake(socket, this) : null;
        this.client = role == Role.CLIENT ? new ClientHandshake(socket, this) : null;
        this.thread = new Thread(this::run, "memif-" + role.name().toLowerCase() + " " + address);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs a task on the loop thread. */
    void post(Runnable r) {
        tasks.add(r);
        wake();
    }

    /** Runs a task on the loop thread and waits for it (at most 5 s); at once when called from it or it ended. */
    void runOnLoop(Runnable r) {
        if (Thread.currentThread() == thread || !thread.isAlive()) {
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

    void wake() {
        Native.mcm_eventfd_write(wakeFd, 1);
    }

    /** After the socket was marked closed: waits for the loop to end (not from the loop thread itself). */
    void awaitEnd() {
        wake();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (!socket.isClosed()) {
                runTasks();
                timers();
                pollOnce();
            }
        } catch (Throwable t) {
            LOG.error("memif socket {}: loop failed", address, t); // a bug: with its stack trace
        } finally {
            runTasks();
            for (Connection c : new ArrayList<>(conns)) {
                drop(c, "socket closed", true, false);
            }
            socket.interfacesClosed();
            if (listenFd >= 0) {
                Native.mcm_close(listenFd);
                if (!address.isAbstract()) {
                    try {
                        Files.deleteIfExists(Path.of(address.name()));
                    } catch (IOException e) {
                        LOG.debug("cannot remove {}: {}", address, e.toString());
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
                LOG.error("memif socket {}: task failed", address, e); // a bug: with its stack trace
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
        if (client != null) {
            for (MemifInterface i : socket.interfaces()) {
                if (!i.closed && i.pending == null && now - i.nextAttemptNanos >= 0) {
                    client.connect(i);
                }
            }
        }
    }

    private void pollOnce() {
        // a server accepts only while it has an interface: a peer that connects before the first one is created
        // (two apps started at once in direct mode) waits in the listen backlog instead of being refused "ID not
        // found"; createInterface wakes the loop
        boolean listening = listenFd >= 0 && socket.hasInterfaces();
        int n = 1 + (listening ? 1 : 0) + conns.size();
        int[] fds = new int[n];
        short[] ev = new short[n];
        short[] rev = new short[n];
        Connection[] who = new Connection[n];
        int k = 0;
        fds[k] = wakeFd;
        ev[k++] = Native.POLLIN;
        int listenAt = -1;
        if (listening) {
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
            Connection c = new Connection(socket, Role.SERVER, fd);
            c.state = Connection.State.AWAIT_INIT;
            c.deadlineNanos = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
            conns.add(c);
            if (conns.size() > MAX_CONNECTIONS) {
                drop(c, "Too many connections", true, false);
                continue;
            }
            server.accepted(c);
        }
    }

    /** A client connection whose control socket is connected: from now on it is polled and timed. */
    void add(Connection c) {
        c.deadlineNanos = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
        conns.add(c);
    }

    /** Sends the connection's out message (with a descriptor when passFd >= 0); drops it when that fails. */
    boolean send(Connection c, int passFd) {
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

    /** One received datagram: size and descriptors checked here, its meaning by the role's handshake. */
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
        boolean fdAllowed = server != null && (type == Msg.ADD_REGION || type == Msg.ADD_RING);
        if (fd >= 0 && !fdAllowed) {
            Native.mcm_close(fd);
            violation(c, "Unexpected file descriptor with " + Msg.typeName(type));
            return;
        }
        if (server != null) {
            // the fd is the server's only once a region or ring accepted it; a refusal in any state closes it
            String err = server.message(c, type, fd);
            if (err != null) {
                if (fd >= 0) {
                    Native.mcm_close(fd);
                }
                violation(c, err);
            }
        } else {
            client.message(c, type);
        }
    }

    // --------------------------------------------------------------------------------- connection life

    /** A handshake completed: the interface is up, its listener told. */
    void established(Connection c, String peerIf) {
        MemifInterface i = c.iface;
        i.connectedNow(c);
        if (LOG.isDebugEnabled()) { // a link that comes and goes is per-connection chatter
            LOG.debug("{}: connected to {} ({}), {} regions, {}+{} rings", i, i.peerName(), peerIf, c.regions.size(),
                    c.c2s.size(), c.s2c.size());
        }
        MemifInterface.Listener l = i.config().listener();
        if (l != null) {
            try {
                l.connected(i);
            } catch (RuntimeException e) {
                listenerFailed(i, e);
            }
        }
    }

    /** The peer broke the protocol: counted, DISCONNECT with the reason, connection dropped. */
    void violation(Connection c, String reason) {
        drop(c, reason, true, true);
    }

    void drop(Connection c, String reason, boolean sendDisconnect, boolean protocolError) {
        if (c.state == Connection.State.CLOSED) {
            return;
        }
        if (!protocolError && c.violation != null) { // the data path found a violation first: that is the reason
            reason = c.violation;
            protocolError = true;
            sendDisconnect = true;
        }
        MemifInterface i = c.iface;
        if (protocolError) {
            socket.protocolError();
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
        String who = i != null ? i.toString() : "memif " + address;
        if (protocolError) {
            warnLimited(who, reason);
        } else {
            LOG.debug("{}: disconnected: {}", who, reason);
        }
        if (wasActive && i.config().listener() != null) {
            try {
                i.config().listener().disconnected(i, reason);
            } catch (RuntimeException e) {
                listenerFailed(i, e);
            }
        }
    }

    /** A listener is someone else's code: one line, its stack trace at DEBUG. */
    private static void listenerFailed(MemifInterface i, RuntimeException e) {
        LOG.warn("{}: listener failed: {}", i, e.toString());
        LOG.debug("{}: listener failure", i, e);
    }

    /**
     * One WARN line per peer that broke the protocol, at most {@link #WARN_LINES_PER_WINDOW} per socket every 10 s
     * (a hostile local process must not flood the log; every violation is counted in protocol_errors anyway).
     */
    private void warnLimited(String who, String reason) {
        long now = System.nanoTime();
        if (now - warnWindowStart >= WARN_WINDOW_NANOS) {
            warnWindowStart = now;
            warnLines = 0;
        }
        if (warnLines >= WARN_LINES_PER_WINDOW) {
            warnHeld++;
            return;
        }
        warnLines++;
        if (warnHeld > 0) {
            LOG.warn("{}: protocol error, disconnected: {} ({} more held back)", who, reason, warnHeld);
            warnHeld = 0;
        } else {
            LOG.warn("{}: protocol error, disconnected: {}", who, reason);
        }
    }
}
