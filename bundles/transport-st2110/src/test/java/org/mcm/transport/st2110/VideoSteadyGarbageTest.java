package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;

/**
 * An ST 2110-20 sender and receiver on the path apps take (planar 4:2:2 10-bit converted on send and on receipt,
 * paced, the kernel fast path) make next to no garbage: after a warm-up, the heap bytes the sessions' own threads
 * allocate stay under a small bound per frame. The sender's group sends made three JNA pointers each (~28 groups a
 * 1080p60 frame, ~2 kB a frame), the proxy's main steady garbage and the cause of its young collections at four
 * pairs. Not a timing test: the bound is in bytes and follows from what is left (see {@link #BOUND}).
 */
class VideoSteadyGarbageTest {

    static final VideoFormat FMT = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);

    /**
     * Bytes a frame the two sessions' threads may still allocate: per frame a view of the app's buffer on each side
     * (a direct buffer duplicate, ~64 bytes) and the JNA pointer of each side's plane address (~24 bytes); a 32-byte
     * wait node each time a thread waits on a blocking queue (the sender for the app's next frame); the receiver's
     * views of the datagram buffers it has cut (a slice each, made again when a receive's buffers change size); about
     * 300 bytes, with room for twice that on a loaded machine. Before the pointers were kept: 2 kB or more.
     */
    static final long BOUND = 1024;

    static final int WARM = 60;
    static final int MEASURED = 120;

    @Test
    void aFrameAllocatesAlmostNothingOnTheSessionsThreads() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("wide"));
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        PooledApp app = new PooledApp(4, (int) FMT.bufferSize(), false);
        int port = St2110Bench.freeUdpPort();
        try {
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", FMT)
                    .local(new Endpoint("127.0.0.1", port)).build(), app);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", FMT)
                    .remote(new Endpoint("127.0.0.1", port)).build(), TestSupport.txContext());
            assertEquals(1L, tx.stats().get("fast_path"), "the kernel fast path is in use");
            byte[] content = new byte[(int) FMT.bufferSize()];
            ByteBuffer planes = ByteBuffer.wrap(content).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            Random r = new Random(2110);
            for (int i = 0; i < content.length / 2; i++) {
                planes.putShort(2 * i, (short) r.nextInt(1024)); // 10-bit samples, as an app's planes hold
            }
            ByteBuffer picture = ByteBuffer.allocateDirect(content.length);
            picture.put(0, content);
            HeapFrame frame = new HeapFrame(picture, null); // offered again and again, as a pooled app buffer
            frame.length(picture.capacity());
            JxsSteadyGarbageTest.send(tx, app.delivered, frame, WARM);
            Set<Thread> mine = new HashSet<>(Thread.getAllStackTraces().keySet());
            mine.removeAll(before);
            mine.removeIf(th -> !th.getName().startsWith("st2110-20-"));
            assertTrue(mine.stream().anyMatch(th -> th.getName().startsWith("st2110-20-tx-")), mine.toString());
            assertTrue(mine.stream().anyMatch(th -> th.getName().startsWith("st2110-20-rx-")), mine.toString());
            long a0 = JxsSteadyGarbageTest.allocated(mine);
            long n0 = app.delivered.get();
            JxsSteadyGarbageTest.send(tx, app.delivered, frame, MEASURED);
            long a1 = JxsSteadyGarbageTest.allocated(mine);
            long frames = app.delivered.get() - n0;
            assertTrue(frames >= MEASURED / 2, frames + " frames delivered");
            long perFrame = (a1 - a0) / frames;
            System.out.println("VideoSteadyGarbageTest: " + perFrame + " bytes a frame on " + mine.size()
                    + " session threads over " + frames + " frames");
            assertTrue(perFrame < BOUND, perFrame + " bytes a frame allocated by " + mine + " over " + frames
                    + " frames (at most " + BOUND + ")");
            assertEquals(0L, rx.stats().get("bad_headers"), rx.stats().toString());
            assertNull(app.failure);
        } finally {
            t.deactivate();
        }
    }
}
