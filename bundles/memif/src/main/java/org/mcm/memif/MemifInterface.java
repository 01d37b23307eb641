package org.mcm.memif;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;

/**
 * One memif interface (identified by its id on its socket). On the server it waits for a client to connect with
 * its id; on the client it connects (and reconnects after a disconnect) on its own.
 *
 * <p>Data path: {@link #receive} returns frames that are views of the shared memory (release them when done);
 * {@link #acquire}/{@link #submit} fill a shared buffer in place; {@link #send} copies a buffer in, chaining
 * descriptors when it is larger than one buffer. Each queue may be used by one receiving and one sending thread
 * at a time. Client TX/RX use the C2S/S2C rings, server TX/RX the S2C/C2S rings.
 */
public final class MemifInterface implements AutoCloseable {

    /** Connection events, called on the socket's loop thread; keep them short. */
    public interface Listener {
        void connected(MemifInterface iface);

        void disconnected(MemifInterface iface, String reason);
    }

    private final MemifSocket socket;
    private final InterfaceConfig config;
    volatile Connection active;
    /** Loop thread: the connection in handshake for this interface. */
    Connection pending;
    long nextAttemptNanos;
    volatile boolean closed;
    private volatile String lastDisconnectReason = "";
    private volatile String peerName = "";

    final LongAdder rxFrames = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder txFrames = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    final LongAdder txDropped = new LongAdder();
    /** Bytes this side copied into the ring ({@link #send}); zero-copy paths do not count. */
    final LongAdder txCopiedBytes = new LongAdder();
    /** Frames published by handing over a pool buffer another interface received. */
    final LongAdder txShared = new LongAdder();
    final LongAdder connects = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder protocolErrors = new LongAdder();

    MemifInterface(MemifSocket socket, InterfaceConfig config) {
        this.socket = socket;
        this.config = config;
    }

    public long id() {
        return config.id();
    }

    public InterfaceConfig config() {
        return config;
    }

    public MemifSocket socket() {
        return socket;
    }

    public Role role() {
        return socket.role();
    }

    public boolean isConnected() {
        Connection c = active;
        return c != null && !c.closing;
    }

    /** Name the peer sent (HELLO/INIT application name, CONNECT(ED) interface name), empty when never connected. */
    public String peerName() {
        return peerName;
    }

    void peerName(String s) {
        this.peerName = s;
    }

    /** Why the last connection ended (ours or the peer's reason), empty if none ended yet. */
    public String lastDisconnectReason() {
        return lastDisconnectReason;
    }

    void disconnected(String reason) {
        lastDisconnectReason = reason;
        disconnects.increment();
        synchronized (this) {
            notifyAll();
        }
    }

    void connectedNow(Connection c) {
        active = c;
        connects.increment();
        synchronized (this) {
            notifyAll();
        }
    }

    /** Waits until connected; false on timeout or close. */
    public boolean awaitConnected(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            while (!isConnected()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** Waits until the current connection (if any) is gone; false on timeout. */
    public boolean awaitDisconnected(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            while (isConnected()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** Receive queues of the current connection (0 when disconnected). */
    public int rxQueues() {
        Connection c = active;
        return c == null ? 0 : c.rx.length;
    }

    public int txQueues() {
        Connection c = active;
        return c == null ? 0 : c.tx.length;
    }

    private RxQueue rxq(int q) {
        Connection c = active;
        if (c == null || q < 0 || q >= c.rx.length) {
            return null;
        }
        return c.rx[q];
    }

    private TxQueue txq(int q) {
        Connection c = active;
        if (c == null || q < 0 || q >= c.tx.length) {
            return null;
        }
        return c.tx[q];
    }

    /** {@link #receive(int, long, TimeUnit)} on queue 0. */
    public MemifFrame receive(long timeout, TimeUnit unit) throws InterruptedException {
        return receive(0, timeout, unit);
    }

    /**
     * The next complete frame of a receive queue, waiting up to the timeout (also for a connection). Null on
     * timeout. The caller owns the frame and must release it.
     */
    public MemifFrame receive(int queue, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            RxQueue q = rxq(queue);
            long left = deadline - System.nanoTime();
            if (q == null) {
                if (left <= 0 || closed || !awaitConnected(left, TimeUnit.NANOSECONDS)) {
                    return null;
                }
                continue;
            }
            MemifFrame f = q.receive(left, TimeUnit.NANOSECONDS);
            if (f != null) {
                return f;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (deadline - System.nanoTime() <= 0 || closed) {
                return null;
            }
        }
    }

    /**
     * The next free TX buffer of a queue as a frame to fill in place (capacity = the buffer size); null on
     * timeout. Publish it with {@link #submit}, or drop it with {@link Frame#release()}.
     */
    public MemifFrame acquire(int queue, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            TxQueue q = txq(queue);
            long left = deadline - System.nanoTime();
            if (q == null) {
                if (left <= 0 || closed || !awaitConnected(left, TimeUnit.NANOSECONDS)) {
                    return null;
                }
                continue;
            }
            MemifFrame f = q.acquire(left, TimeUnit.NANOSECONDS);
            if (f != null || deadline - System.nanoTime() <= 0 || closed) {
                return f;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** Publishes a frame from {@link #acquire} with its {@link Frame#length()}; false when the link went down. */
    public boolean submit(MemifFrame frame) {
        return frame.submitTx();
    }

    /** {@link #send(int, ByteBuffer, long, TimeUnit)} on queue 0. */
    public boolean send(ByteBuffer data, long timeout, TimeUnit unit) throws InterruptedException {
        return send(0, data, timeout, unit);
    }

    /**
     * Copies data (position..limit, left unchanged) into the ring, chained over several buffers when needed;
     * waits up to the timeout for a connection and for room. False (counted as dropped) when it could not.
     */
    public boolean send(int queue, ByteBuffer data, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            TxQueue q = txq(queue);
            long left = deadline - System.nanoTime();
            if (q == null) {
                if (left <= 0 || closed || !awaitConnected(left, TimeUnit.NANOSECONDS)) {
                    txDropped.increment();
                    return false;
                }
                continue;
            }
            if (q.send(data, left, TimeUnit.NANOSECONDS)) {
                return true;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (deadline - System.nanoTime() <= 0 || closed) {
                return false;
            }
        }
    }

    /**
     * A sink sending on a queue: frames acquired from this interface are published in place, any other frame is
     * copied in and released. Does not wait for room (a full ring drops and counts).
     */
    public FrameSink sink(int queue) {
        BufferPool pool = config.pool();
        return new FrameSink() {
            @Override
            public boolean accept(Frame frame) {
                if (frame instanceof MemifFrame && !((MemifFrame) frame).isReceived()) {
                    return ((MemifFrame) frame).submitTx();
                }
                try {
                    ByteBuffer d = frame.data().duplicate();
                    d.limit(frame.length()).position(0);
                    TxQueue q = txq(queue);
                    return q != null && q.send(d, 0, TimeUnit.NANOSECONDS);
                } finally {
                    frame.release();
                }
            }

            @Override
            public boolean canShare(Frame source) {
                return pool != null && source instanceof MemifFrame && ((MemifFrame) source).poolBuffer(pool) >= 0;
            }

            /** Same pool: publishes the source's buffer itself (its descriptor), no byte copied. */
            @Override
            public boolean acceptShared(Frame source, long timeout, TimeUnit unit) throws InterruptedException {
                if (!canShare(source)) {
                    return false;
                }
                long deadline = System.nanoTime() + unit.toNanos(timeout);
                TxQueue q = txq(queue);
                if (q == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || closed || !awaitConnected(left, TimeUnit.NANOSECONDS)) {
                        txDropped.increment();
                        return false;
                    }
                    q = txq(queue);
                    if (q == null) {
                        txDropped.increment();
                        return false;
                    }
                }
                int b = ((MemifFrame) source).poolBuffer(pool);
                return q.forward(b, source.length(), Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        };
    }

    /** The shared buffer pool this (client) interface draws from, or null. */
    public BufferPool pool() {
        return config.pool();
    }

    /** Free TX buffers of a queue as a {@link FrameSource}, to fill in place and pass to {@link #sink(int)}. */
    public FrameSource source(int queue) {
        return new FrameSource() {
            @Override
            public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
                return MemifInterface.this.acquire(queue, timeout, unit);
            }

            @Override
            public int frameCapacity() {
                return config.bufferSize();
            }
        };
    }

    /**
     * Counters: rx_frames, rx_bytes, tx_frames, tx_bytes, tx_dropped, tx_copied_bytes, tx_shared, connects,
     * disconnects, protocol_errors.
     */
    public Map<String, Long> stats() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rx_frames", rxFrames.sum());
        m.put("rx_bytes", rxBytes.sum());
        m.put("tx_frames", txFrames.sum());
        m.put("tx_bytes", txBytes.sum());
        m.put("tx_dropped", txDropped.sum());
        m.put("tx_copied_bytes", txCopiedBytes.sum());
        m.put("tx_shared", txShared.sum());
        m.put("connects", connects.sum());
        m.put("disconnects", disconnects.sum());
        m.put("protocol_errors", protocolErrors.sum());
        return m;
    }

    public long protocolErrors() {
        return protocolErrors.sum();
    }

    /** Sends DISCONNECT with the reason and drops the link; a client reconnects after its interval. */
    public void disconnect(String reason) {
        socket.post(() -> socket.disconnectInterface(this, reason));
    }

    /** Disconnects (if connected) and removes the interface from its socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.removeInterface(this);
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public String toString() {
        return "memif " + socket.role().name().toLowerCase() + " " + socket.address() + " id " + id();
    }
}
