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
 * are: {@code frames} direct buffers the transport acquires; each frame delivered is counted (and when it arrived)
 * and released at once, without allocating, so that what the session's threads allocate is the session's own.
 * ({@code TestApp} wraps a buffer in a new frame at every release, which is the app's garbage on whichever thread
 * releases.)
 */
final class PooledApp implements TransportContext {
    final AtomicLong delivered = new AtomicLong();
    /** When each of the first frames reached the app (System.nanoTime), in delivery order. */
    final long[] at;
    private final BlockingQueue<Frame> free;
    private final int capacity;
    volatile String failure;

    PooledApp(int frames, int capacity, int timesKept) {
        this.capacity = capacity;
        this.at = new long[timesKept];
        free = new ArrayBlockingQueue<>(frames);
        for (int i = 0; i < frames; i++) {
            free.add(new HeapFrame(ByteBuffer.allocateDirect(capacity), free::add));
        }
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
            if (k < at.length) {
                at[(int) k] = System.nanoTime();
            }
            f.release();
            return true;
        };
    }

    @Override
    public void failed(String reason) {
        failure = reason;
    }
}
