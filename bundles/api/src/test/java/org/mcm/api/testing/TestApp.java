package org.mcm.api.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.transport.TransportContext;

/**
 * The receiving app of a transport run outside OSGi, for the transports' tests (shared as {@code mcm-api:tests}): a
 * pool of {@code frames} direct buffers of {@code capacity} bytes the transport acquires, and a queue of the frames it
 * delivered; a buffer taken from the queue goes back to the pool when released.
 */
public final class TestApp implements TransportContext {
    public final BlockingQueue<Frame> free;
    public final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    public final int capacity;
    public final int frames;
    /** The reason of the transport's {@link #failed}, if it gave one. */
    public volatile String failure;

    public TestApp(int frames, int capacity) {
        this.capacity = capacity;
        this.frames = frames;
        free = new ArrayBlockingQueue<>(frames);
        for (int i = 0; i < frames; i++) {
            free.add(new HeapFrame(ByteBuffer.allocateDirect(capacity), f -> free.add(rewrap(f))));
        }
    }

    private HeapFrame rewrap(HeapFrame f) {
        return new HeapFrame(f.data(), g -> free.add(rewrap(g)));
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
        return received::add;
    }

    @Override
    public void failed(String reason) {
        failure = reason;
    }

    /**
     * A sender-side context (no app attached on the receive side: no frame source, no output) of session
     * {@code sessionId}; a transport that reports its session failed fails the test.
     */
    public static TransportContext txContext(long sessionId) {
        return new TransportContext() {
            @Override
            public long sessionId() {
                return sessionId;
            }

            @Override
            public FrameSource frameSource() {
                return null;
            }

            @Override
            public FrameSink output() {
                return null;
            }

            @Override
            public void failed(String reason) {
                throw new AssertionError("transport failed: " + reason);
            }
        };
    }

    /** Takes the next delivered frame's bytes (its length) and gives the buffer back; null after the timeout. */
    public byte[] take(long timeoutMs) throws InterruptedException {
        Frame f = received.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (f == null) {
            return null;
        }
        byte[] b = new byte[f.length()];
        f.data().get(0, b);
        f.release();
        return b;
    }

    /** Everything delivered so far. */
    public List<byte[]> drain() throws InterruptedException {
        List<byte[]> l = new ArrayList<>();
        byte[] b;
        while ((b = take(0)) != null) {
            l.add(b);
        }
        return l;
    }
}
