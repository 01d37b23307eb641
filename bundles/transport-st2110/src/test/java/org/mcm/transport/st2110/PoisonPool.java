package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.transport.TransportContext;

/**
 * The receiving app of the fuzz tests: a fixed pool of buffers, each filled with a random 64-bit pattern (unknown
 * to the fuzzer) when it is handed out, so a delivered frame with a hole that nothing wrote shows the pattern; a
 * buffer given back twice, or one never given back, is an error.
 */
final class PoisonPool implements FrameSource, FrameSink, TransportContext {

    final int capacity;
    final int size;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final Map<Frame, Long> poison = new IdentityHashMap<>();
    final List<Frame> delivered = new ArrayList<>();
    volatile String failure;

    PoisonPool(int frames, int capacity) {
        this.capacity = capacity;
        this.size = frames;
        for (int i = 0; i < frames; i++) {
            free.add(ByteBuffer.allocateDirect(capacity));
        }
    }

    @Override
    public synchronized Frame acquire(long timeout, TimeUnit unit) {
        ByteBuffer b = free.poll();
        if (b == null) {
            return null;
        }
        long p = ThreadLocalRandom.current().nextLong() | 1;
        ByteBuffer w = b.duplicate().order(ByteOrder.nativeOrder());
        for (int i = 0; i + 8 <= capacity; i += 8) {
            w.putLong(i, p);
        }
        boolean[] released = {false};
        HeapFrame frame = new HeapFrame(b, f -> {
            synchronized (this) {
                if (released[0]) {
                    throw new AssertionError("a buffer was given back twice");
                }
                released[0] = true;
                poison.remove(f);
                free.add(b);
            }
        });
        poison.put(frame, p);
        return frame;
    }

    @Override
    public int frameCapacity() {
        return capacity;
    }

    @Override
    public synchronized boolean accept(Frame f) {
        delivered.add(f);
        return true;
    }

    /** Throws when the first {@code length} bytes of a delivered frame hold an 8-byte-aligned word nothing wrote. */
    synchronized void assertNoHole(Frame f, String what) {
        Long p = poison.get(f);
        if (p == null) {
            throw new AssertionError(what + ": a delivered frame whose buffer was not handed out");
        }
        ByteBuffer w = f.data().duplicate().order(ByteOrder.nativeOrder());
        for (int i = 0; i + 8 <= f.length(); i += 8) {
            if (w.getLong(i) == p) {
                throw new AssertionError(what + ": delivered as complete with bytes nobody wrote at " + i + " of "
                        + f.length());
            }
        }
    }

    /** Gives back every delivered frame. */
    synchronized List<Frame> drain() {
        List<Frame> d = new ArrayList<>(delivered);
        delivered.clear();
        return d;
    }

    synchronized int free() {
        return free.size();
    }

    /** Throws unless every buffer is back in the pool. */
    void assertAllBack(String what) {
        if (free() != size) {
            throw new AssertionError(what + ": " + (size - free()) + " buffer(s) never given back");
        }
    }

    @Override
    public long sessionId() {
        return 7;
    }

    @Override
    public FrameSource frameSource() {
        return this;
    }

    @Override
    public FrameSink output() {
        return this;
    }

    @Override
    public void failed(String reason) {
        failure = reason;
    }
}
