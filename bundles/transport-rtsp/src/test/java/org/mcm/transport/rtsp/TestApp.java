package org.mcm.transport.rtsp;

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

/** The receiving app outside OSGi: a pool of direct buffers and a queue of delivered frames. */
final class TestApp implements TransportContext {
    final BlockingQueue<Frame> free;
    final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    final int capacity;
    final int frames;
    volatile String failure;

    TestApp(int frames, int capacity) {
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

    /** Takes the next frame's bytes (the whole buffer: 14-byte header + access unit) and gives the buffer back. */
    byte[] take(long timeoutMs) throws InterruptedException {
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
    List<byte[]> drain() throws InterruptedException {
        List<byte[]> l = new ArrayList<>();
        byte[] b;
        while ((b = take(0)) != null) {
            l.add(b);
        }
        return l;
    }
}
