package org.mcm.memif;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Region;
import org.mcm.memif.internal.Ring;

/**
 * One control connection and, once connected, the shared memory and rings it set up. The control state is
 * touched only by the socket's loop thread; the data path holds a reference ({@link #retain()}) while it touches
 * the shared memory, so the memory is unmapped only after the last user let go.
 */
final class Connection {

    enum State { AWAIT_HELLO, AWAIT_INIT, HANDSHAKE, CONNECTED, CLOSED }

    /** A ring announced by ADD_RING (server) or set up locally (client). */
    static final class RingSpec {
        final int index;
        final int region;
        final long offset;
        final int log2;
        int eventFd;

        RingSpec(int index, int region, long offset, int log2, int eventFd) {
            this.index = index;
            this.region = region;
            this.offset = offset;
            this.log2 = log2;
            this.eventFd = eventFd;
        }
    }

    final MemifSocket socket;
    final Role role;
    int fd;
    MemifInterface iface;
    State state;
    long deadlineNanos;
    final Msg in = new Msg();
    final Msg out = new Msg();
    final int[] fds = new int[4];
    final int[] nfds = new int[1];
    final int[] msgFlags = new int[1];

    final List<Region> regions = new ArrayList<>();
    final List<RingSpec> c2s = new ArrayList<>();
    final List<RingSpec> s2c = new ArrayList<>();
    /** Client: the next handshake step to send after an ACK. */
    int step;

    RxQueue[] rx = new RxQueue[0];
    TxQueue[] tx = new TxQueue[0];

    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean failed = new AtomicBoolean();
    /**
     * The data path's reason when it found the peer breaking the rules; the loop drops the connection with it even
     * when something else (the peer closing its socket) gets there first, so the violation is always counted.
     */
    volatile String violation;
    volatile boolean closing;
    private boolean baseReleased;
    /** Written once when the connection closes, so data-path waiters wake up; closed with the memory. */
    final int closeFd;

    Connection(MemifSocket socket, Role role, int fd) {
        this.socket = socket;
        this.role = role;
        this.fd = fd;
        int e = Native.mcm_eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
        this.closeFd = e;
    }

    /** Takes a reference to the shared memory; false when the connection is going away. */
    boolean retain() {
        for (;;) {
            int r = refs.get();
            if (r <= 0 || closing) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    void unref() {
        if (refs.decrementAndGet() == 0) {
            free();
        }
    }

    /**
     * A data-path check failed (from any thread): stop using the memory and let the loop thread disconnect the
     * peer with the reason.
     */
    void dataPathViolation(String reason) {
        if (failed.compareAndSet(false, true)) {
            violation = reason;
            closing = true;
            Native.mcm_eventfd_write(closeFd, 1);
            socket.post(() -> socket.violation(this, reason));
        }
    }

    /** Loop thread: marks the connection closing and drops the connection's own reference. */
    void release() {
        closing = true;
        if (closeFd >= 0) {
            Native.mcm_eventfd_write(closeFd, 1);
        }
        if (!baseReleased) {
            baseReleased = true;
            unref();
        }
    }

    /** Client with a pool: the pool this connection announced as region 1 (held until freed). */
    BufferPool pool;

    private void free() {
        if (pool != null) {
            for (TxQueue q : tx) {
                pool.removeReclaimer(q.reclaimer);
                q.dispose();
            }
            for (RxQueue q : rx) {
                q.dispose();
            }
        }
        for (Region r : regions) {
            r.close();
        }
        for (RingSpec s : c2s) {
            closeFd(s);
        }
        for (RingSpec s : s2c) {
            closeFd(s);
        }
        if (closeFd >= 0) {
            Native.mcm_close(closeFd);
        }
        if (pool != null) {
            pool.unuse();
            pool = null;
        }
    }

    private static void closeFd(RingSpec s) {
        if (s.eventFd >= 0) {
            Native.mcm_close(s.eventFd);
            s.eventFd = -1;
        }
    }

    ByteBuffer[] regionViews() {
        ByteBuffer[] v = new ByteBuffer[regions.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = regions.get(i).mem();
        }
        return v;
    }

    Ring ring(RingSpec s) {
        return new Ring(regions.get(s.region).mem(), (int) s.offset, s.log2);
    }
}
