package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;

/**
 * For receivers whose app wants planar frames: the depacketizer fills wire-layout staging frames; a converter
 * thread turns each complete one into a buffer of the app's pool, so the receive thread never stalls on the
 * conversion (it would overrun the socket buffer).
 */
final class ConvertingStage implements FrameSource, FrameSink, AutoCloseable {

    private static final int STAGING = 8;

    private final VideoFormat format;
    private final FrameSource app;
    private final FrameSink out;
    private final St2110Counters counters;
    private final BlockingQueue<Frame> free = new ArrayBlockingQueue<>(STAGING);
    private final BlockingQueue<Frame> full = new ArrayBlockingQueue<>(STAGING);
    private final int capacity;
    /** The conversion (native where the fragment is), or null for a format {@link Pack422} alone converts. */
    private final PlanarLines lines;
    private final long waitNanos;
    private final Thread thread;
    private volatile boolean running = true;
    /** Frames handed in and not yet handed on or dropped. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

    ConvertingStage(VideoFormat format, PixelFormat wire, FrameSource app, FrameSink out, St2110Counters counters,
            String name, DirectArena arena, org.mcm.api.transport.TransportContext ctx)
            throws org.mcm.api.transport.TransportException {
        this.format = format;
        this.app = app;
        this.out = out;
        this.counters = counters;
        this.capacity = (int) wire.frameSize(format.width(), format.height());
        this.lines = PlanarLines.of(format.pixelFormat(), format.width(), format.height());
        // up to two frame times for the app to free a buffer (a slow start of the app is absorbed by the staging frames)
        this.waitNanos = 2 * format.frameRate().denominator() * 1_000_000_000L / format.frameRate().numerator();
        for (int i = 0; i < STAGING; i++) {
            free.add(staging(arena.allocate(capacity)));
        }
        thread = SessionThread.of(name, ctx, () -> running, this::run);
        thread.start();
    }

    private HeapFrame staging(ByteBuffer b) {
        return new HeapFrame(b, f -> free.offer(staging(f.data())));
    }

    @Override
    public Frame acquire(long timeout, TimeUnit unit) {
        return free.poll();
    }

    @Override
    public int frameCapacity() {
        return capacity;
    }

    /** Whether no frame waits here (a frame that bypasses the stage cannot overtake one that is in it). */
    boolean idle() {
        return pending.get() == 0;
    }

    @Override
    public boolean accept(Frame complete) {
        pending.incrementAndGet();
        if (!full.offer(complete)) {
            pending.decrementAndGet();
            counters.framesDropped.increment();
            complete.release();
            return false;
        }
        return true;
    }

    private void run() {
        while (running) {
            Frame complete;
            try {
                complete = full.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (complete == null) {
                continue;
            }
            try {
                // this thread may wait for the app (up to a frame time) without holding up reception
                Frame target = app.acquire(waitNanos, TimeUnit.NANOSECONDS);
                if (target == null || target.data().capacity() < format.bufferSize()) {
                    counters.noBuffer.increment();
                    if (target != null) {
                        target.release();
                    }
                    continue;
                }
                if (lines != null) {
                    lines.frameFromWire(complete.data(), target.data());
                } else {
                    Pack422.fromWire(format.pixelFormat(), complete.data(), target.data(), format.width(), format.height());
                }
                target.length((int) format.bufferSize());
                target.timestamp(complete.timestamp());
                target.sequence(complete.sequence());
                out.accept(target);
            } catch (InterruptedException e) {
                break;
            } finally {
                complete.release();
                pending.decrementAndGet();
            }
        }
    }

    /** Whether its thread has ended (after {@link #close}: the staging memory may be freed). */
    boolean stopped() {
        return !thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        Closing.join(thread, 2000);
        Frame f;
        while ((f = full.poll()) != null) {
            f.release();
        }
    }
}
