package org.mcm.sdk;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.connection.Direction;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.memif.MemifFrame;
import org.mcm.memif.MemifInterface;
import org.mcm.memif.MemifSocket;
import org.mcm.sdk.internal.Wire;

/**
 * A TX or RX media connection: through a media proxy (a session created over TCP, data over memif with the proxy
 * as memif server) or direct to another app over memif.
 *
 * <p>Loop: {@link #getBuffer(Duration)}, fill (TX) or read (RX) the buffer in place, {@link #putBuffer(McmBuffer)}.
 *
 * <p>Thread-safety: {@link #getBuffer}/{@link #tryGetBuffer}/{@link #putBuffer} may be called by one thread at a
 * time (the usual media loop; use external synchronization to share a connection between threads). A TX
 * connection has at most one buffer out at a time (get, then put, then get the next); an RX connection may hold
 * several received buffers (up to the ring size) and put them back in any order. {@link #close()}, the getters and
 * the counters may be used from any thread; {@code close()} wakes a thread blocked in {@code getBuffer}, which then
 * fails with {@link ErrorCode#CONNECTION_CLOSED}.
 */
public final class Connection implements AutoCloseable {

    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Direction direction;
    private final ConnectionOptions options;
    private final long sessionId;
    private final Socket control;
    private final String proxy;
    private final MemifSocket memifSocket;
    private final MemifInterface iface;
    private final int bufferSize;
    private final int defaultLength;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String lostReason;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile McmBuffer txOut;
    private long nextSequence;
    private final LongAdder buffers = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder timeouts = new LongAdder();

    Connection(Direction direction, ConnectionOptions options, long sessionId, Socket control, String proxy,
            MemifSocket memifSocket, MemifInterface iface, int bufferSize, Runnable onClose) {
        this.direction = direction;
        this.options = options;
        this.sessionId = sessionId;
        this.control = control;
        this.proxy = proxy;
        this.memifSocket = memifSocket;
        this.iface = iface;
        this.bufferSize = bufferSize;
        this.defaultLength = (int) Math.min(bufferSize, options.format().bufferSize());
        this.onClose = onClose;
    }

    /** Proxy mode: the data path to the proxy went down (the session is over). */
    void lost(String reason) {
        if (control != null && !closed.get() && lostReason == null) {
            lostReason = reason == null || reason.isEmpty() ? "memif link to the media proxy went down" : reason;
        }
    }

    public Direction direction() {
        return direction;
    }

    public ConnectionOptions options() {
        return options;
    }

    public MediaFormat format() {
        return options.format();
    }

    /** The proxy's session id, or 0 in direct mode. */
    public long sessionId() {
        return sessionId;
    }

    /** True when the connection goes through a media proxy, false in direct app-to-app mode. */
    public boolean viaProxy() {
        return control != null;
    }

    /** Bytes of one shared buffer (the proxy's choice, or the client's in direct mode). */
    public int bufferSize() {
        return bufferSize;
    }

    /** The memif socket path of the data path. */
    public String memifSocketPath() {
        return memifSocket.address().toString();
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Whether the memif data path is up (in direct mode: whether the peer app is attached). */
    public boolean isConnected() {
        return iface.isConnected();
    }

    /** Waits until the memif data path is up; false on timeout or close. */
    public boolean awaitConnected(Duration timeout) throws McmException {
        try {
            return iface.awaitConnected(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McmException(ErrorCode.INTERRUPTED, "interrupted while waiting for the memif data path");
        }
    }

    /** Buffers sent (TX) or received (RX). */
    public long buffers() {
        return buffers.sum();
    }

    /** Payload bytes sent (TX) or received (RX). */
    public long bytes() {
        return bytes.sum();
    }

    /** getBuffer calls that timed out. */
    public long timeouts() {
        return timeouts.sum();
    }

    /** The memif interface counters (rx/tx frames and bytes, tx_dropped, connects, disconnects, protocol_errors). */
    public Map<String, Long> memifStats() {
        return iface.stats();
    }

    /**
     * The next buffer: TX, a free shared buffer to fill; RX, the next received one. Waits up to the timeout
     * ({@link Duration#ZERO} = try once; negative = wait forever).
     *
     * @throws McmException {@link ErrorCode#TIMEOUT} when none came in time, {@link ErrorCode#CONNECTION_CLOSED}
     *         after {@link #close()} or when the proxy's data path went away, {@link ErrorCode#INTERRUPTED}
     */
    public McmBuffer getBuffer(Duration timeout) throws McmException {
        McmBuffer b = tryGetBuffer(timeout);
        if (b == null) {
            throw new McmException(ErrorCode.TIMEOUT, (direction == Direction.TX ? "no free buffer" : "no buffer received")
                    + " within " + timeout.toMillis() + " ms" + (iface.isConnected() ? "" : " (memif data path not connected)"));
        }
        return b;
    }

    /** Like {@link #getBuffer(Duration)}, but null on timeout. */
    public McmBuffer tryGetBuffer(Duration timeout) throws McmException {
        checkUsable();
        boolean forever = timeout.isNegative();
        long deadline = System.nanoTime() + (forever ? 0 : saturatedNanos(timeout));
        try {
            for (;;) {
                long left = forever ? WAIT_SLICE_NANOS : deadline - System.nanoTime();
                long slice = Math.max(0, Math.min(left, WAIT_SLICE_NANOS));
                MemifFrame f = direction == Direction.TX ? iface.acquire(0, slice, TimeUnit.NANOSECONDS)
                        : iface.receive(0, slice, TimeUnit.NANOSECONDS);
                if (f != null) {
                    if (closed.get()) {
                        f.release();
                        checkUsable();
                    }
                    return wrap(f);
                }
                checkUsable();
                if (!forever && deadline - System.nanoTime() <= 0) {
                    timeouts.increment();
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McmException(ErrorCode.INTERRUPTED, "interrupted while waiting for a buffer");
        }
    }

    private McmBuffer wrap(MemifFrame f) {
        McmBuffer b = new McmBuffer(this, f, nextSequence++, defaultLength);
        outstanding.incrementAndGet();
        if (direction == Direction.RX) {
            buffers.increment();
            bytes.add(f.length());
        } else {
            txOut = b;
        }
        return b;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private void checkUsable() throws McmException {
        if (closed.get()) {
            throw new McmException(ErrorCode.CONNECTION_CLOSED, "connection is closed");
        }
        String lost = lostReason;
        if (lost != null) {
            throw new McmException(ErrorCode.CONNECTION_CLOSED, "the media proxy" + (proxy != null ? " " + proxy : "")
                    + " ended the data path of session " + sessionId + ": " + lost);
        }
    }

    /**
     * Puts a buffer back: TX sends it with its {@link McmBuffer#length()}; RX returns the slot to the ring.
     *
     * @throws McmException {@link ErrorCode#CONNECTION_CLOSED} when the data path went down before a TX buffer
     *         could be sent (the buffer is dropped and must not be used any more)
     */
    public void putBuffer(McmBuffer buffer) throws McmException {
        if (buffer.done && closed.get() && buffer.connection() == this) {
            throw new McmException(ErrorCode.CONNECTION_CLOSED, "connection closed; buffer " + buffer.sequence()
                    + " was dropped");
        }
        take(buffer);
        if (direction == Direction.RX) {
            buffer.frame.release();
            return;
        }
        txOut = null;
        buffer.frame.length(buffer.length());
        if (!iface.submit(buffer.frame)) {
            checkUsable();
            throw new McmException(ErrorCode.CONNECTION_CLOSED, "memif data path went down; buffer "
                    + buffer.sequence() + " was not sent");
        }
        buffers.increment();
        bytes.add(buffer.length());
    }

    private void take(McmBuffer buffer) {
        if (buffer.connection() != this) {
            throw new IllegalArgumentException("buffer belongs to another connection");
        }
        if (buffer.done) {
            throw new IllegalStateException("buffer " + buffer.sequence() + " was already put back");
        }
        buffer.done = true;
        outstanding.decrementAndGet();
    }

    void putBufferQuietly(McmBuffer buffer) {
        take(buffer);
        buffer.frame.release();
    }

    void discard(McmBuffer buffer) {
        take(buffer);
        txOut = null;
        buffer.frame.release();
    }

    /** Buffers got and not yet put back. */
    public int outstandingBuffers() {
        return outstanding.get();
    }

    /**
     * Ends the connection and releases everything: TX lingers ({@link ConnectionOptions#closeLinger()}) so the
     * last buffers leave the ring, then the session is destroyed at the proxy (DESTROY_SESSION, as upstream), the
     * memif interface and socket are closed and the control connection is closed. Idempotent; any thread.
     * Buffers still held stay mapped until they are put back, but are no longer carried.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (direction == Direction.TX && iface.isConnected() && lostReason == null) {
                long linger = lingerNanos();
                if (linger > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(linger);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            McmBuffer out = txOut;
            if (out != null && !out.done) {
                try {
                    discard(out);
                } catch (RuntimeException e) {
                    // the owning thread put it back concurrently
                }
            }
            if (control != null) {
                try {
                    OutputStream os = control.getOutputStream();
                    os.write(Wire.request(Wire.CMD_DESTROY_SESSION, Wire.sessionId(sessionId)));
                    os.flush();
                } catch (IOException e) {
                    // the proxy is gone already; closing is all that is left
                }
            }
            iface.close();
            memifSocket.close();
        } finally {
            if (control != null) {
                try {
                    control.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
            onClose.run();
        }
    }

    private long lingerNanos() {
        Duration d = options.closeLinger();
        if (d != null) {
            return saturatedNanos(d);
        }
        if (options.format() instanceof VideoFormat v) {
            double frameNanos = 1e9 / v.frameRate().toDouble();
            return Math.min((long) (20 * frameNanos), TimeUnit.MILLISECONDS.toNanos(500));
        }
        return TimeUnit.MILLISECONDS.toNanos(50);
    }

    @Override
    public String toString() {
        return (viaProxy() ? "session " + sessionId + " at " + proxy : "direct") + " " + direction + " " + options;
    }
}
