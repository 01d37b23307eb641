package org.mcm.control.internal.sessions;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;

/**
 * The app side of a receiver session that a sender on this proxy may feed directly (same-proxy bypass): the
 * receiver's transport and the bypass take turns on the app's buffers, never both at once (an app link hands out
 * one buffer at a time to one filler). The transport gets gated views of the app's source and sink; while a
 * sender bypasses the network into this receiver the transport's requests for buffers are refused, so what still
 * arrives from the network (a packet in flight at the switch, or a stranger sending to the port) is skipped and
 * counted by the transport, never mixed into the frames the sender hands over.
 */
final class RxGate {

    enum Result {
        /** Handed to the receiver's app: the sender's own buffer published (same pool, nothing copied). */
        SHARED,
        /** Handed to the receiver's app: copied once into one of its buffers. */
        COPIED,
        /** The receiver's app had no free buffer or ring room within the wait: the frame is lost for it (counted). */
        NO_BUFFER,
        /** The receiver's transport holds one of the app's buffers (a frame from the network in progress). */
        BUSY
    }

    private final FrameSource source;
    private final FrameSink sink;
    /** At least 0: buffers the transport holds; -1: a bypass delivery is filling one. */
    private final AtomicInteger state = new AtomicInteger();
    /** A sender on this proxy feeds this receiver: the transport gets no buffers. */
    private volatile boolean bypassed;
    /** The last bypass delivery found no room: do not hold the sender up again until the app takes a frame. */
    private volatile boolean starving;

    final LongAdder framesWire = new LongAdder();
    final LongAdder framesBypass = new LongAdder();
    final LongAdder framesShared = new LongAdder();
    final LongAdder bytesCopied = new LongAdder();
    final LongAdder noBuffer = new LongAdder();
    final LongAdder wireRefused = new LongAdder();

    private final FrameSource gatedSource = new FrameSource() {
        @Override
        public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
            if (bypassed) {
                wireRefused.increment();
                return null;
            }
            for (;;) {
                int s = state.get();
                if (s < 0) {
                    wireRefused.increment();
                    return null;
                }
                if (state.compareAndSet(s, s + 1)) {
                    break;
                }
            }
            Frame f = null;
            try {
                f = source.acquire(timeout, unit);
            } finally {
                if (f == null) {
                    state.decrementAndGet();
                }
            }
            return f == null ? null : new Held(f); // no free app buffer now: the transport skips this frame
        }

        @Override
        public int frameCapacity() {
            return source.frameCapacity();
        }
    };

    private final FrameSink gatedSink = new FrameSink() {
        @Override
        public boolean accept(Frame frame) {
            if (frame instanceof Held h) {
                Frame inner = h.inner;
                if (!h.done.compareAndSet(false, true)) {
                    return false; // already handed on or released: a transport bug, ignore the second hand-over
                }
                try {
                    boolean ok = sink.accept(inner); // the app link sees its own frame: published in place
                    if (ok) {
                        framesWire.increment();
                    }
                    return ok;
                } finally {
                    state.decrementAndGet();
                }
            }
            return sink.accept(frame);
        }

        @Override
        public boolean canShare(Frame source) {
            return false; // the gated transports fill buffers; sharing is the bypass's business
        }
    };

    RxGate(FrameSource source, FrameSink sink) {
        this.source = source;
        this.sink = sink;
    }

    FrameSource source() {
        return gatedSource;
    }

    FrameSink sink() {
        return gatedSink;
    }

    void bypassed(boolean on) {
        bypassed = on;
    }

    boolean bypassed() {
        return bypassed;
    }

    /**
     * Hands a sender's frame to this receiver's app (the caller keeps and releases {@code f}): its very buffer when
     * both apps draw from one pool, else a copy into a free app buffer, waiting up to {@code waitNanos} for room.
     */
    Result deliver(Frame f, long waitNanos) throws InterruptedException {
        if (!state.compareAndSet(0, -1)) {
            return Result.BUSY;
        }
        try {
            Result r = deliverNow(f, starving ? 0 : waitNanos);
            starving = r == Result.NO_BUFFER;
            return r;
        } finally {
            state.set(0);
        }
    }

    private Result deliverNow(Frame f, long waitNanos) throws InterruptedException {
        {
            if (sink.canShare(f)) {
                if (sink.acceptShared(f, waitNanos, TimeUnit.NANOSECONDS)) {
                    framesBypass.increment();
                    framesShared.increment();
                    return Result.SHARED;
                }
                noBuffer.increment();
                return Result.NO_BUFFER;
            }
            Frame out = source.acquire(waitNanos, TimeUnit.NANOSECONDS);
            if (out == null) {
                noBuffer.increment();
                return Result.NO_BUFFER;
            }
            int len = f.length();
            if (out.data().capacity() < len) {
                out.release();
                noBuffer.increment();
                return Result.NO_BUFFER;
            }
            out.data().put(0, f.data(), 0, len);
            out.length(len);
            out.timestamp(f.timestamp());
            out.sequence(f.sequence());
            if (!sink.accept(out)) {
                noBuffer.increment();
                return Result.NO_BUFFER;
            }
            framesBypass.increment();
            bytesCopied.add(len);
            return Result.COPIED;
        }
    }

    /** A buffer the transport holds: handing it on or releasing it gives the turn back. */
    private final class Held implements Frame {
        final Frame inner;
        final AtomicBoolean done = new AtomicBoolean();

        Held(Frame inner) {
            this.inner = inner;
        }

        @Override
        public ByteBuffer data() {
            return inner.data();
        }

        @Override
        public int length() {
            return inner.length();
        }

        @Override
        public void length(int length) {
            inner.length(length);
        }

        @Override
        public long timestamp() {
            return inner.timestamp();
        }

        @Override
        public void timestamp(long timestamp) {
            inner.timestamp(timestamp);
        }

        @Override
        public long sequence() {
            return inner.sequence();
        }

        @Override
        public void sequence(long sequence) {
            inner.sequence(sequence);
        }

        @Override
        public void release() {
            if (done.compareAndSet(false, true)) {
                try {
                    inner.release();
                } finally {
                    state.decrementAndGet();
                }
            }
        }
    }
}
