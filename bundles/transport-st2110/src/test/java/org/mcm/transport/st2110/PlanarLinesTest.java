package org.mcm.transport.st2110;

import org.mcm.api.testing.TestApp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.mcm.api.frame.Frame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/**
 * The fused line converter gives the same bytes as the whole-frame scalar code ({@link Pack422}) both ways, for
 * every planar format, for widths whose pgroup count per line is odd or even, from heap and direct buffers, and
 * for segments that start and end anywhere on a pgroup boundary: in pure Java and in each native variant this CPU
 * has (scalar C, SSE4.1, AVX2), each forced in turn.
 */
class PlanarLinesTest {

    static final PixelFormat[] PLANAR = {PixelFormat.YUV422P10LE, PixelFormat.YUV422P8};
    static final int[] WIDTHS = {2, 4, 6, 10, 14, 18, 22, 30, 34, 642, 1282, 1918, 1920};

    /** Pure Java (-1), then every native instruction set up to the CPU's best. */
    static int[] variants() {
        assertTrue(NetNative.available(), "the fragment is on the test class path: " + NetNative.unavailableReason());
        return java.util.stream.IntStream.rangeClosed(-1, NetNative.mcmnet_cpu_isa()).toArray();
    }

    @Test
    void theNativeConverterIsUsedWhereTheFragmentIs() {
        assertEquals(NetNative.mcmnet_cpu_isa(), PlanarLines.of(PixelFormat.YUV422P10LE, 1920, 1080).isa());
        assertTrue(NetNative.mcmnet_cpu_isa() >= NetNative.ISA_SCALAR);
        assertThrows(IllegalArgumentException.class,
                () -> PlanarLines.of(PixelFormat.YUV422P10LE, 1920, 1080, NetNative.mcmnet_cpu_isa() + 1));
    }

    static ByteBuffer randomPlanar(PixelFormat pf, int w, int h, long seed, boolean direct) {
        int size = (int) new VideoFormat(w, h, Rational.of(60, 1), pf).bufferSize();
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size)).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(seed);
        if (pf == PixelFormat.YUV422P10LE) {
            for (int i = 0; i < size / 2; i++) {
                // mostly 10-bit samples, some with stray high bits set (the scalar code masks them: so must we)
                b.putShort(2 * i, (short) (r.nextInt(8) == 0 ? r.nextInt(0x10000) : r.nextInt(1024)));
            }
        } else {
            for (int i = 0; i < size; i++) {
                b.put(i, (byte) r.nextInt(256));
            }
        }
        return b;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.capacity()];
        b.duplicate().clear().get(a);
        return a;
    }

    @Test
    void linesToWireEqualTheScalarFrameConversion() {
        for (int isa : variants()) {
            linesToWire(isa);
        }
    }

    private void linesToWire(int isa) {
        for (PixelFormat pf : PLANAR) {
            PixelFormat wire = Pack422.wireFormat(pf);
            for (int w : WIDTHS) {
                for (boolean direct : new boolean[] {false, true}) {
                    int h = 3;
                    ByteBuffer planar = randomPlanar(pf, w, h, w * 31L + pf.ordinal(), direct);
                    int wireSize = (int) wire.frameSize(w, h);
                    ByteBuffer expected = ByteBuffer.allocate(wireSize);
                    Pack422.toWire(pf, planar, expected, w, h);
                    PlanarLines lines = PlanarLines.of(pf, w, h, isa);
                    int lineBytes = lines.wireLineBytes();
                    assertEquals(wireSize, lineBytes * h);
                    // lines written in reverse order into a buffer with something in it already
                    ByteBuffer got = direct ? ByteBuffer.allocateDirect(wireSize) : ByteBuffer.allocate(wireSize);
                    for (int i = 0; i < wireSize; i++) {
                        got.put(i, (byte) 0xA5);
                    }
                    for (int y = h - 1; y >= 0; y--) {
                        lines.lineToWire(planar, y, got, y * lineBytes);
                    }
                    assertArrayEquals(bytes(expected), bytes(got), pf.id() + " width " + w + (direct ? " direct" : " heap")
                            + " isa " + isa);
                }
            }
        }
    }

    @Test
    void segmentsFromWireEqualTheScalarFrameConversion() {
        for (int isa : variants()) {
            segmentsFromWire(isa, false);
            segmentsFromWire(isa, true);
        }
    }

    /**
     * Segments cut anywhere on pgroup boundaries, converted one by one ({@code queued} false) or queued from native
     * addresses and converted in batches (a flush after a random number of them, as after each receive).
     */
    private void segmentsFromWire(int isa, boolean queued) {
        Random r = new Random(5 + isa);
        for (PixelFormat pf : PLANAR) {
            PixelFormat wire = Pack422.wireFormat(pf);
            PGroup pg = PGroup.of(wire);
            for (int w : WIDTHS) {
                for (boolean direct : new boolean[] {false, true}) {
                    int h = 4;
                    ByteBuffer planar = randomPlanar(pf, w, h, w * 17L + pf.ordinal(), false);
                    int wireSize = (int) wire.frameSize(w, h);
                    ByteBuffer pgroups = ByteBuffer.allocate(wireSize);
                    Pack422.toWire(pf, planar, pgroups, w, h);
                    ByteBuffer expected = ByteBuffer.allocate(planar.capacity());
                    Pack422.fromWire(pf, pgroups, expected, w, h);
                    PlanarLines lines = PlanarLines.of(pf, w, h, isa);
                    List<ByteBuffer> held = new java.util.ArrayList<>(); // queued segments' memory stays until the flush
                    ByteBuffer got = (direct ? ByteBuffer.allocateDirect(planar.capacity()) : ByteBuffer.allocate(planar.capacity()))
                            .order(ByteOrder.LITTLE_ENDIAN);
                    int groups = w / 2;
                    int lineBytes = pg.lineBytes(w);
                    // every line cut into random segments, each handed over from a packet-like buffer at an offset
                    for (int y = 0; y < h; y++) {
                        int g = 0;
                        while (g < groups) {
                            int n = 1 + r.nextInt(Math.min(groups - g, 7 + (w > 100 ? 300 : 0)));
                            int len = n * pg.bytes();
                            int off = 20 + r.nextInt(9);
                            ByteBuffer pkt = (direct ? ByteBuffer.allocateDirect(off + len + 3) : ByteBuffer.allocate(off + len + 3))
                                    .order(ByteOrder.BIG_ENDIAN);
                            pkt.put(off, pgroups, y * lineBytes + g * pg.bytes(), len);
                            if (!queued || !direct || !lines.queueFromWire(NetNative.address(pkt) + off, len, got, y, g * 2)) {
                                lines.segmentFromWire(pkt, off, len, got, y, g * 2);
                            } else {
                                held.add(pkt);
                                if (r.nextInt(5) == 0) {
                                    lines.flush();
                                    held.clear();
                                }
                            }
                            g += n;
                        }
                    }
                    lines.flush();
                    assertArrayEquals(bytes(expected), bytes(got), pf.id() + " width " + w + (direct ? " direct" : " heap")
                            + " isa " + isa + (queued ? " queued" : ""));
                }
            }
        }
    }

    @Test
    void packedFormatsNeedNoConverter() {
        for (PixelFormat pf : new PixelFormat[] {PixelFormat.YUV422_10_PGROUP, PixelFormat.UYVY, PixelFormat.RGB24}) {
            assertNull(PlanarLines.of(pf, 1920, 1080), pf.id());
        }
    }

    /**
     * The depacketizer with the converter: packets of the sender's General Packing Mode (segments of two lines in
     * one packet, lines split anywhere) give the app's planar frame exactly, frame length the app's buffer size.
     */
    @Test
    void depacketizerConvertsStraightIntoThePlanarFrame() {
        for (PixelFormat pf : PLANAR) {
            PixelFormat wire = Pack422.wireFormat(pf);
            PGroup pg = PGroup.of(wire);
            for (int w : new int[] {6, 642, 1920}) {
                int h = 5;
                ByteBuffer planar = randomPlanar(pf, w, h, w, false);
                ByteBuffer pgroups = ByteBuffer.allocate((int) wire.frameSize(w, h));
                Pack422.toWire(pf, planar, pgroups, w, h);
                ByteBuffer canonical = ByteBuffer.allocate(planar.capacity());
                Pack422.fromWire(pf, pgroups, canonical, w, h);
                Rfc4175Test.Pool pool = new Rfc4175Test.Pool(planar.capacity());
                St2110Counters c = new St2110Counters();
                Rfc4175Depacketizer d = new Rfc4175Depacketizer(w, h, pg, 96, new org.mcm.api.frame.FrameSource() {
                    @Override
                    public Frame acquire(long t, java.util.concurrent.TimeUnit u) {
                        return pool.acquire();
                    }

                    @Override
                    public int frameCapacity() {
                        return pool.capacity;
                    }
                }, f -> pool.delivered.add(f), c, PlanarLines.of(pf, w, h), planar.capacity());
                List<ByteBuffer> pkts = Rfc4175Test.packetize(pgroups.array(), w, h, pg, 400, 90_000, 1);
                for (ByteBuffer p : pkts) {
                    Rfc4175Test.feed(d, p);
                }
                assertEquals(1, pool.delivered.size(), pf.id() + " " + w);
                Frame f = pool.delivered.get(0);
                assertEquals(planar.capacity(), f.length());
                assertArrayEquals(canonical.array(), f.data().array(), pf.id() + " width " + w);
                assertEquals(0, c.badHeaders.sum());
            }
        }
    }

    /**
     * The depacketizer as the kernel fast path drives it: datagrams in one direct slot area with their native
     * addresses, a flush after each receive batch, direct app frames: the segments are converted in batches by the
     * native code, and the frame equals the scalar conversion. A frame that ends mid-batch is complete when handed on.
     */
    @Test
    void depacketizerConvertsQueuedSegmentsPerReceiveBatch() {
        for (int isa : variants()) {
            for (PixelFormat pf : PLANAR) {
                PixelFormat wire = Pack422.wireFormat(pf);
                PGroup pg = PGroup.of(wire);
                int w = 642;
                int h = 5;
                List<byte[]> canonical = new java.util.ArrayList<>();
                List<ByteBuffer> pkts = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ByteBuffer planar = randomPlanar(pf, w, h, 7 * i + pf.ordinal(), false);
                    ByteBuffer pgroups = ByteBuffer.allocate((int) wire.frameSize(w, h));
                    Pack422.toWire(pf, planar, pgroups, w, h);
                    ByteBuffer c = ByteBuffer.allocate(planar.capacity());
                    Pack422.fromWire(pf, pgroups, c, w, h);
                    canonical.add(c.array());
                    pkts.addAll(Rfc4175Test.packetize(pgroups.array(), w, h, pg, 400, 90_000L * (i + 1), 1 + 100 * i));
                }
                int size = canonical.get(0).length;
                List<Frame> delivered = new java.util.ArrayList<>();
                St2110Counters c = new St2110Counters();
                Rfc4175Depacketizer d = new Rfc4175Depacketizer(w, h, pg, 96, new org.mcm.api.frame.FrameSource() {
                    @Override
                    public Frame acquire(long t, java.util.concurrent.TimeUnit u) {
                        return new org.mcm.api.frame.HeapFrame(ByteBuffer.allocateDirect(size), f -> { });
                    }

                    @Override
                    public int frameCapacity() {
                        return size;
                    }
                }, f -> delivered.add(f), c, PlanarLines.of(pf, w, h, isa), size);
                int slot = 2048;
                ByteBuffer slots = ByteBuffer.allocateDirect(7 * slot).order(ByteOrder.BIG_ENDIAN);
                long base = NetNative.address(slots);
                for (int i = 0; i < pkts.size(); i += 7) { // batches of 7 datagrams: frames end inside batches
                    int n = Math.min(7, pkts.size() - i);
                    for (int k = 0; k < n; k++) {
                        ByteBuffer p = pkts.get(i + k);
                        slots.put(k * slot, p, 0, p.limit());
                    }
                    for (int k = 0; k < n; k++) {
                        d.accept(slots.slice(k * slot, slot).order(ByteOrder.BIG_ENDIAN), pkts.get(i + k).limit(), base + (long) k * slot);
                    }
                    d.flush();
                    for (int k = 0; k < n * slot; k++) {
                        slots.put(k, (byte) 0x5A); // reused: anything converted after the flush would show
                    }
                }
                assertEquals(3, delivered.size(), pf.id() + " isa " + isa);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(canonical.get(i), bytes(delivered.get(i).data()), pf.id() + " isa " + isa + " frame " + i);
                }
                assertEquals(0, c.badHeaders.sum());
            }
        }
    }

    /** Whole staged frames (the receiver's slack for a slow app) convert to the same bytes, from heap and direct. */
    @Test
    void wholeFramesFromWireEqualTheScalarFrameConversion() {
        for (int isa : variants()) {
            for (PixelFormat pf : PLANAR) {
                PixelFormat wire = Pack422.wireFormat(pf);
                for (int w : new int[] {2, 6, 642, 1918}) {
                    for (boolean direct : new boolean[] {false, true}) {
                        int h = 3;
                        ByteBuffer planar = randomPlanar(pf, w, h, w * 5L + isa, false);
                        int wireSize = (int) wire.frameSize(w, h);
                        ByteBuffer pgroups = direct ? ByteBuffer.allocateDirect(wireSize) : ByteBuffer.allocate(wireSize);
                        Pack422.toWire(pf, planar, pgroups, w, h);
                        ByteBuffer expected = ByteBuffer.allocate(planar.capacity());
                        Pack422.fromWire(pf, pgroups, expected, w, h);
                        ByteBuffer got = direct ? ByteBuffer.allocateDirect(planar.capacity()) : ByteBuffer.allocate(planar.capacity());
                        PlanarLines.of(pf, w, h, isa).frameFromWire(pgroups, got);
                        assertArrayEquals(bytes(expected), bytes(got), pf.id() + " width " + w + " isa " + isa);
                    }
                }
            }
        }
    }

    /** The native path checks the bounds the Java code's absolute indexing checks: a short buffer is refused. */
    @Test
    void theNativePathRefusesBuffersTooSmall() {
        PlanarLines lines = PlanarLines.of(PixelFormat.YUV422P10LE, 64, 4, NetNative.mcmnet_cpu_isa());
        ByteBuffer planar = ByteBuffer.allocateDirect(64 * 4 * 4);
        assertThrows(IndexOutOfBoundsException.class, () -> lines.lineToWire(planar, 0, ByteBuffer.allocateDirect(100), 0));
        assertThrows(IndexOutOfBoundsException.class, () -> lines.lineToWire(planar, 4, ByteBuffer.allocateDirect(4096), 0));
        assertThrows(IndexOutOfBoundsException.class,
                () -> lines.lineToWire(ByteBuffer.allocateDirect(100), 0, ByteBuffer.allocateDirect(4096), 0));
        ByteBuffer pkt = ByteBuffer.allocateDirect(200);
        assertThrows(IndexOutOfBoundsException.class, () -> lines.segmentFromWire(pkt, 0, 200, planar, 0, 0)); // 80 pixels
        assertThrows(IndexOutOfBoundsException.class, () -> lines.segmentFromWire(pkt, 100, 160, planar, 0, 0));
        assertThrows(IndexOutOfBoundsException.class,
                () -> lines.queueFromWire(NetNative.address(pkt), 40, ByteBuffer.allocateDirect(64), 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> lines.queueFromWire(NetNative.address(pkt), 40, planar, 0, 60));
    }

    /**
     * Inline conversion with slack (the receiver's default): while the app holds its only buffer, the next frames are
     * reassembled into staging frames and converted when it gives the buffer back; a frame that could go inline
     * meanwhile does not overtake them; once they are through, frames go inline again. Nothing lost, bit-exact.
     */
    @Test
    void aSlowAppGetsEveryFrameInOrderThroughTheStagingSlack() throws Exception {
        PixelFormat pf = PixelFormat.YUV422P10LE;
        PixelFormat wire = Pack422.wireFormat(pf);
        PGroup pg = PGroup.of(wire);
        int w = 642;
        int h = 5;
        // a slow frame rate: the converter waits up to two frame times for the app's buffer, the test never races it
        VideoFormat vf = new VideoFormat(w, h, Rational.of(1, 5), pf);
        int size = (int) vf.bufferSize();
        List<byte[]> canonical = new java.util.ArrayList<>();
        List<List<ByteBuffer>> packets = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ByteBuffer planar = randomPlanar(pf, w, h, 100 + i, false);
            ByteBuffer pgroups = ByteBuffer.allocate((int) wire.frameSize(w, h));
            Pack422.toWire(pf, planar, pgroups, w, h);
            ByteBuffer c = ByteBuffer.allocate(size);
            Pack422.fromWire(pf, pgroups, c, w, h);
            canonical.add(c.array());
            packets.add(Rfc4175Test.packetize(pgroups.array(), w, h, pg, 400, 90_000L * (i + 1), 1 + 1000 * i));
        }
        TestApp app = new TestApp(1, size); // the app has one buffer
        St2110Counters c = new St2110Counters();
        DirectArena arena = DirectArena.of("test", TestSupport.settings("wide"));
        ConvertingStage stage = new ConvertingStage(vf, wire, app.frameSource(), app.output(), c, "st2110-20-convert-slack", arena, app);
        try {
            Rfc4175Depacketizer d = new Rfc4175Depacketizer(w, h, pg, 96, app.frameSource(), app.output(), c,
                    PlanarLines.of(pf, w, h), size, stage);
            packets.get(0).forEach(p -> Rfc4175Test.feed(d, p));
            assertEquals(0, c.framesStaged.sum(), "frame 0 inline");
            assertEquals(1, app.received.size());
            packets.get(1).forEach(p -> Rfc4175Test.feed(d, p)); // the app still holds frame 0: staged
            packets.get(2).forEach(p -> Rfc4175Test.feed(d, p)); // frame 1 waits in the stage: staged, not overtaking
            assertEquals(2, c.framesStaged.sum());
            for (int i = 0; i < 3; i++) {
                byte[] got = app.take(10_000); // gives the buffer back: the converter fills it with the next frame
                assertArrayEquals(canonical.get(i), got, "frame " + i);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(stage::idle);
            packets.get(3).forEach(p -> Rfc4175Test.feed(d, p));
            assertEquals(2, c.framesStaged.sum(), "inline again once the stage is empty");
            assertArrayEquals(canonical.get(3), app.take(10_000), "frame 3");
            assertEquals(0, c.noBuffer.sum());
            assertEquals(0, c.framesDropped.sum());
            assertEquals(4, c.framesComplete.sum());
        } finally {
            stage.close();
            arena.close();
        }
    }
}
