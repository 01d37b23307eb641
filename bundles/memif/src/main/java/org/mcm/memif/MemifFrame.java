package org.mcm.memif;

import java.nio.ByteBuffer;

import org.mcm.api.frame.Frame;

/**
 * A frame in memif shared memory. Received frames are views of the peer's (or our own) buffers; the slots go back
 * to the ring on {@link #release()}. TX frames from {@link MemifInterface#acquire} are views of the next free
 * buffer; {@link MemifInterface#submit} publishes them, {@link #release()} drops them.
 *
 * <p>A received frame that arrived as a descriptor chain is exposed per {@link #segment(int) segment} without
 * copying; {@link #data()} is a single view when the segments are adjacent in memory (the usual layout) and a
 * copy otherwise. Instances are pooled per ring slot: never keep one after releasing it.
 */
public final class MemifFrame implements Frame {

    private final RxQueue rx;
    private final TxQueue tx;
    int slot;
    int segs;
    private int length;
    private int capacity;
    private boolean contiguous;
    private boolean held;
    private long timestamp;
    private long sequence;
    private ByteBuffer data;
    // a spanning view cached by start position and length
    private ByteBuffer span;
    private int spanLength = -1;
    private int spanRegion;
    private int spanOffset;

    MemifFrame(RxQueue rx, TxQueue tx) {
        this.rx = rx;
        this.tx = tx;
    }

    void rxInit(int slot, int segs, int length, boolean contiguous) {
        this.slot = slot;
        this.segs = segs;
        this.length = length;
        this.capacity = length;
        this.contiguous = contiguous;
        this.held = true;
        this.data = null;
        this.timestamp = 0;
        this.sequence = 0;
    }

    void txInit(int slot, ByteBuffer view) {
        this.slot = slot;
        this.segs = 1;
        this.data = view;
        this.capacity = view.capacity();
        this.length = 0;
        this.held = true;
        this.timestamp = 0;
        this.sequence = 0;
    }

    void txDone() {
        held = false;
        data = null;
    }

    private void checkHeld() {
        if (!held) {
            throw new IllegalStateException("memif frame used after release");
        }
    }

    /** True for a frame received from the peer, false for a TX frame. */
    public boolean isReceived() {
        return rx != null;
    }

    /** The ring (queue) index the frame belongs to. */
    public int queue() {
        return rx != null ? rx.index : tx.index;
    }

    @Override
    public ByteBuffer data() {
        checkHeld();
        if (data == null) {
            if (segs == 1) {
                data = rx.slotView(slot);
            } else if (contiguous) {
                int r = rx.segRegion[slot & (rx.segRegion.length - 1)];
                int o = rx.segOffset[slot & (rx.segRegion.length - 1)];
                if (span == null || spanLength != length || spanRegion != r || spanOffset != o) {
                    span = rx.spanView(slot, length);
                    spanLength = length;
                    spanRegion = r;
                    spanOffset = o;
                }
                data = span.clear();
            } else {
                data = rx.gather(slot, segs, length);
            }
        }
        return data;
    }

    /** Number of descriptors the frame arrived in (1 for TX frames). */
    public int segmentCount() {
        return segs;
    }

    /** Zero-copy view of one descriptor's buffer of a received frame. */
    public ByteBuffer segment(int i) {
        checkHeld();
        if (rx == null) {
            if (i != 0) {
                throw new IndexOutOfBoundsException(i);
            }
            return data;
        }
        if (i < 0 || i >= segs) {
            throw new IndexOutOfBoundsException(i);
        }
        return rx.slotView(slot + i);
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void length(int length) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("length " + length + " outside 0.." + capacity);
        }
        this.length = length;
    }

    @Override
    public long timestamp() {
        return timestamp;
    }

    @Override
    public void timestamp(long timestamp) {
        this.timestamp = timestamp;
    }

    @Override
    public long sequence() {
        return sequence;
    }

    @Override
    public void sequence(long sequence) {
        this.sequence = sequence;
    }

    @Override
    public void release() {
        if (rx != null) {
            if (!held) {
                throw new IllegalStateException("memif frame released twice");
            }
            held = false;
            data = null;
            rx.release(this);
        } else {
            tx.cancel(this);
        }
    }

    /** TX frames: publish (same as {@link MemifInterface#submit}). */
    boolean submitTx() {
        return tx.submit(this);
    }

    /** The pool buffer holding this received frame when it came through a ring of that pool, else -1. */
    int poolBuffer(BufferPool p) {
        return rx == null || !held ? -1 : rx.poolBuffer(p, slot, segs);
    }

    boolean isTx(TxQueue q) {
        return tx == q;
    }
}
