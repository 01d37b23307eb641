package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.transport.TransportContext;

/**
 * A receiving app whose buffers are the same objects from frame to frame, as an app's pooled buffers (memif slots)
 * are: {@code frames} direct buffers the transport acquires; each frame delivered is counted (its sequence checked)
 * and released at once, without allocating, so that what the session's threads allocate is the session's own.
 * ({@code TestApp} wraps a buffer in a new frame at every release, which is the app's garbage on whichever thread
 * releases.) {@link #oneAtATime}: the app lends one frame at a time, as an app's memif queue does: a second acquire
 * while one frame is out is refused with an exception (as {@code TxQueue} refuses it) and noted in {@link #misuse}.
 */
final class PooledApp implements TransportContext {
    final AtomicLong delivered = new AtomicLong();
    volatile String failure;
    /** What the transport did that an app does not allow (a second frame out, a frame out of order), or null. */
    volatile String misuse;
    /** The buffer of the last frame delivered (the pool's own: read it once the session stopped). */
    volatile ByteBuffer lastDelivered;
    private final BlockingQueue<Frame> free;
    private final int capacity;
    private final boolean oneAtATime;
    private boolean out; // oneAtATime: a frame is lent (guarded by this)

    PooledApp(int frames, int capacity, boolean oneAtATime) {
        this.capacity = capacity;
        this.oneAtATime = oneAtATime;
        free = new ArrayBlockingQueue<>(frames);
        for (int i = 0; i < frames; i++) {
            free.add(new HeapFrame(ByteBuffer.allocateDirect(capacity), this::back));
        }
    }

    private void back(HeapFrame f) {
        synchronized (this) {
            out = false;
        }
        free.add(f);
    }

    @Override
    public long sessionId() {
        return 1;
    }

    @Override
    public FrameSource frameSource() {
        return new FrameSource() {
            @Override
            public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
                if (oneAtATime) {
                    synchronized (PooledApp.this) {
                        if (out) {
                            misuse = "a second frame acquired while one is out";
                            throw new IllegalStateException(misuse);
                        }
                        Frame f = free.poll();
                        out = f != null;
                        return f;
                    }
                }
                return free.poll(timeout, unit);
            }

            @Override
            public int frameCapacity() {
                return capacity;
            }
        };
    }

    @Override
    public FrameSink output() {
        return f -> {
            long k = delivered.getAndIncrement();
            if (f.sequence() != k) {
                misuse = "frame " + f.sequence() + " delivered as the " + k + "th";
            }
            lastDelivered = f.data();
            f.release();
            return true;
        };
    }

    @Override
    public void failed(String reason) {
        failure = reason;
    }
}
