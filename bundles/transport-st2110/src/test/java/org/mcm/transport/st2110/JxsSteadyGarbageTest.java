package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;

/**
 * A -22 sender and receiver at work make no garbage: after a warm-up, the heap bytes their own threads allocate
 * (encoding, sending, receiving, decoding, the codec's helpers; {@code ThreadMXBean.getThreadAllocatedBytes}) stay
 * under a small bound per frame. Garbage a frame was what made the collections whose pauses cost the -22 sender its
 * frame slots (BENCHMARK.md round 13): the header parsed again, views and sinks made anew, futures and queue nodes of
 * the encoder's pool, arrays of the packetization units, a record a picture segment. Not a timing test: the bound
 * is in bytes and follows from what is left (see {@link #BOUND}).
 */
class JxsSteadyGarbageTest {

    static final VideoFormat FMT = new VideoFormat(640, 360, Rational.of(60, 1), PixelFormat.YUV422P10LE);

    /**
     * Bytes a frame the session threads may still allocate, both sides together: the JDK's blocking queues make a
     * 32-byte wait node (AbstractQueuedSynchronizer.ConditionNode) each time a thread waits on one, and a node when
     * a lock is contended: a frame has at most four such waits (the encoding thread for the app's frame, the send
     * thread for the encoded segment, a decoding thread for a complete segment, one contended lock), 4 x 32 = 128
     * bytes; twice that for a frame that meets more contention on a loaded machine. The path measured 5.7-6.0 kB a
     * frame before round 13 (the decoder's header alone ~5 kB).
     */
    static final long BOUND = 256;

    static final int WARM = 60;
    static final int MEASURED = 120;

    @ParameterizedTest(name = "codec_threads {0}")
    @ValueSource(ints = {1, 2})
    void aFrameAllocatesNothingOnTheSessionsThreads(int codecThreads) throws Exception {
        St2110Transports.Jxs t = JxsTransportTest.transport();
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        PooledApp app = new PooledApp(4, (int) FMT.bufferSize(), false);
        int port = St2110Bench.freeUdpPort();
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-22", FMT)
                .local(new Endpoint("127.0.0.1", port)).payloadType(114)
                .option("codec_threads", Integer.toString(codecThreads)).build(), app);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3")
                .option("codec_threads", Integer.toString(codecThreads)).build(), TestSupport.txContext());
        try {
            ByteBuffer picture = ByteBuffer.allocateDirect((int) FMT.bufferSize());
            picture.put(0, JxsTransportTest.picture(7, FMT));
            HeapFrame frame = new HeapFrame(picture, null); // offered again and again, as a pooled app buffer
            frame.length(picture.capacity());
            send(tx, app.delivered, frame, WARM);
            // the sessions' threads (the codec's helpers start with the first frames)
            Set<Thread> mine = new HashSet<>(Thread.getAllStackTraces().keySet());
            mine.removeAll(before);
            mine.removeIf(th -> !th.getName().startsWith("st2110-22-") && !th.getName().startsWith("jpegxs-"));
            assertTrue(mine.stream().anyMatch(th -> th.getName().startsWith("st2110-22-decode-")), mine.toString());
            assertTrue(mine.stream().anyMatch(th -> th.getName().startsWith("st2110-22-tx-")), mine.toString());
            long a0 = allocated(mine);
            long n0 = app.delivered.get();
            send(tx, app.delivered, frame, MEASURED);
            long a1 = allocated(mine);
            long frames = app.delivered.get() - n0;
            assertTrue(frames >= MEASURED / 2, frames + " frames delivered");
            long perFrame = (a1 - a0) / frames;
            System.out.println("JxsSteadyGarbageTest: codec_threads " + codecThreads + ": " + perFrame
                    + " bytes a frame on " + mine.size() + " session threads over " + frames + " frames");
            assertTrue(perFrame < BOUND, perFrame + " bytes a frame allocated by " + mine + " over " + frames
                    + " frames (at most " + BOUND + ")");
            assertEquals(0L, rx.stats().get("decode_errors"));
            assertEquals(0L, tx.stats().get("encode_errors"));
            assertNull(app.failure);
            assertNull(app.misuse);
        } finally {
            t.deactivate();
        }
    }

    /** Offers frame until n more frames reached the app (its count of delivered frames; 10 s at most). */
    static void send(TransportSession tx, java.util.concurrent.atomic.AtomicLong delivered, HeapFrame frame, int n)
            throws InterruptedException {
        long until = delivered.get() + n;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (delivered.get() < until && System.nanoTime() < deadline) {
            if (!tx.input().accept(frame)) {
                Thread.sleep(1); // the sender's queue is full
            }
        }
    }

    static long allocated(Set<Thread> threads) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread th : threads) {
            long a = mx.getThreadAllocatedBytes(th.getId());
            if (a > 0) {
                sum += a;
            }
        }
        return sum;
    }
}
