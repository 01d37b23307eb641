package org.mcm.sdk;

import java.nio.ByteBuffer;

import org.mcm.api.connection.Direction;
import org.mcm.memif.MemifFrame;

/**
 * One buffer of a {@link Connection}: a zero-copy view of the memif shared memory, valid from
 * {@link Connection#getBuffer} until it is put back.
 *
 * <p>TX: {@link #data()} spans the whole shared buffer (position 0, limit = {@link #capacity()}); fill it in place,
 * set {@link #length(int)} if the payload is not the format's full buffer size, then {@link #send()} (or
 * {@link Connection#putBuffer}). {@link #release()} drops it unsent. RX: {@link #data()} holds exactly
 * {@link #length()} received bytes; read them in place, then {@link #release()} (or {@link Connection#putBuffer})
 * so the slot goes back to the ring.
 *
 * <p>Not thread-safe: one thread uses a buffer at a time. Touching the view after the buffer was put back is a bug
 * (the memory is reused for the next frame and unmapped when the connection closes).
 */
public final class McmBuffer {

    private final Connection conn;
    final MemifFrame frame;
    private final long sequence;
    private final ByteBuffer data;
    private int length;
    boolean done;

    McmBuffer(Connection conn, MemifFrame frame, long sequence, int defaultLength) {
        this.conn = conn;
        this.frame = frame;
        this.sequence = sequence;
        this.data = frame.data();
        this.length = conn.direction() == Direction.TX ? Math.min(defaultLength, data.capacity()) : frame.length();
    }

    Connection connection() {
        return conn;
    }

    /** The shared memory, position 0; TX: limit = capacity, RX: limit = length. */
    public ByteBuffer data() {
        checkHeld();
        return data;
    }

    /** Bytes of payload: RX, what arrived; TX, what will be sent (default: the format's buffer size). */
    public int length() {
        return length;
    }

    /** TX only: the number of bytes to send, 0..capacity. */
    public void length(int length) {
        checkHeld();
        if (conn.direction() != Direction.TX) {
            throw new IllegalStateException("the length of a received buffer is fixed");
        }
        if (length < 0 || length > data.capacity()) {
            throw new IllegalArgumentException("length " + length + " outside 0.." + data.capacity());
        }
        this.length = length;
    }

    /** Size of the shared buffer behind this view (TX), or the received length (RX). */
    public int capacity() {
        return data.capacity();
    }

    /** Position of this buffer in the connection's stream: 0 for the first buffer got, then 1, 2, ... */
    public long sequence() {
        return sequence;
    }

    /** TX: sends the buffer (same as {@link Connection#putBuffer}). */
    public void send() throws McmException {
        if (conn.direction() != Direction.TX) {
            throw new IllegalStateException("send() on a received buffer; use release()");
        }
        conn.putBuffer(this);
    }

    /** RX: gives the buffer back to the ring. TX: drops it without sending. Idempotent. */
    public void release() {
        if (done) {
            return;
        }
        if (conn.direction() == Direction.RX) {
            conn.putBufferQuietly(this);
        } else {
            conn.discard(this);
        }
    }

    private void checkHeld() {
        if (done) {
            throw new IllegalStateException("buffer " + sequence + " used after it was put back");
        }
    }

    @Override
    public String toString() {
        return "McmBuffer[" + conn.direction() + " #" + sequence + ", " + length + "/" + data.capacity() + " bytes]";
    }
}
