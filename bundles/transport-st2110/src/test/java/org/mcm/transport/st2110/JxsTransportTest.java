package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.mcm.api.codec.Codec;
import org.mcm.api.codec.VideoDecoder;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;
import org.mcm.codec.jpegxs.JpegXsCodec;

class JxsTransportTest {

    static final VideoFormat FMT = new VideoFormat(256, 128, Rational.of(30, 1), PixelFormat.YUV422P10LE);

    static St2110Transports.Jxs transport() {
        return transport("auto");
    }

    /** fastPath auto: UDP GSO batches where the native fragment is there; off: one send per packet. */
    static St2110Transports.Jxs transport(String fastPath) {
        St2110Transports.Jxs t = new St2110Transports.Jxs();
        t.codec = new JpegXsCodec();
        t.activate(TestSupport.settings("wide", "127.0.0.1", fastPath));
        return t;
    }

    /** A loopback socket on a free port with room for a few frames' packets, to look at what a sender sends. */
    static DatagramChannel sniffer() throws java.io.IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.bind(new InetSocketAddress("127.0.0.1", 0));
        return ch;
    }

    static void assertFastPath(String fastPath, TransportSession tx) {
        long want = "off".equals(fastPath) || !NetNative.available() ? 0 : 1;
        assertEquals(want, tx.stats().get("fast_path"), tx.stats().toString());
        assertEquals(want == 1, tx.stats().get("gso_sends") > 0, tx.stats().toString());
    }

    static byte[] picture(long seed) {
        return picture(seed, FMT);
    }

    static byte[] picture(long seed, VideoFormat format) {
        // a smooth picture with some texture: 10-bit samples in 16-bit little-endian words
        byte[] b = new byte[(int) format.bufferSize()];
        ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(seed);
        for (int i = 0; i < b.length / 2; i++) {
            int v = (i % 256) * 3 + r.nextInt(16);
            w.putShort(i * 2, (short) Math.min(1023, v));
        }
        return b;
    }

    @Test
    void payloadHeaderBits() {
        int h = Rfc9134.header(true, 37, 2 * 2048 + 4);
        assertEquals(1, h >>> 31, "T");
        assertFalse(Rfc9134.k(h));
        assertTrue(Rfc9134.l(h));
        assertEquals(0, Rfc9134.interlace(h));
        assertEquals(5, Rfc9134.f(h), "F counts frames mod 32");
        assertEquals(2, (h >>> 11) & 0x7FF, "SEP counts P wraps");
        assertEquals(4, h & 0x7FF, "P");
        assertEquals(2 * 2048 + 4, Rfc9134.packetIndex(h));
        assertFalse(Rfc9134.l(Rfc9134.header(false, 0, 0)));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "fast path {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"auto", "off"})
    void packetsOnTheWireFollowRfc9134(String fastPath) throws Exception {
        try (DatagramChannel sniff = sniffer()) {
            int port = ((InetSocketAddress) sniff.getLocalAddress()).getPort();
            St2110Transports.Jxs t = transport(fastPath);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", port)).option("bpp", "4").build(), TestSupport.txContext());
            assertTrue(tx.description().contains("a=rtpmap:114 jxsv/90000"), tx.description());
            assertTrue(tx.description().contains("packetmode=0; transmode=1"), tx.description());
            for (int i = 0; i < 2; i++) {
                assertTrue(tx.input().accept(TestSupport.frameOf(picture(i))));
            }
            List<ByteBuffer> pkts = new ArrayList<>();
            sniff.configureBlocking(true);
            long expectedBytes = 256L * 128 * 4 / 8; // 4 bpp, exact CBR size
            int total = 0;
            while (pkts.size() < 2 || total < 2 * (expectedBytes + 60)) {
                ByteBuffer b = ByteBuffer.allocate(2000);
                sniff.receive(b);
                b.flip();
                pkts.add(b);
                total += b.limit() - 16;
            }
            ByteBuffer first = pkts.get(0);
            assertEquals(114, Rtp.payloadType(first, 0));
            int ph = first.getInt(12);
            assertTrue(Rfc9134.t(ph));
            assertFalse(Rfc9134.k(ph));
            assertEquals(0, Rfc9134.packetIndex(ph));
            assertEquals("jpvs", new String(new byte[] {first.get(20), first.get(21), first.get(22), first.get(23)}));
            assertEquals(0xFF, first.get(16 + 60) & 0xFF, "SOC after the 60 bytes of boxes");
            assertEquals(0x10, first.get(16 + 61) & 0xFF);
            int frame0Packets = 0;
            for (ByteBuffer p : pkts) {
                int h = p.getInt(12);
                if (Rfc9134.f(h) != 0) {
                    break;
                }
                assertEquals(frame0Packets, Rfc9134.packetIndex(h));
                frame0Packets++;
                assertEquals(Rtp.marker(p, 0), Rfc9134.l(h), "L equals M in codestream mode");
            }
            assertTrue(Rfc9134.l(pkts.get(frame0Packets - 1).getInt(12)));
            assertEquals(1, Rfc9134.f(pkts.get(frame0Packets).getInt(12)), "next frame's F counter");
            assertEquals(expectedBytes + 60, (frame0Packets - 1) * (1400 - 16) + (pkts.get(frame0Packets - 1).limit() - 16),
                    "picture segment = boxes + codestream of the exact CBR size");
            assertFastPath(fastPath, tx);
            t.deactivate();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "packetmode={0}, fast path {1}")
    @org.junit.jupiter.params.provider.CsvSource({"0, auto", "1, auto", "0, off", "1, off"})
    void senderToReceiverDeliversWhatTheCodecDecodes(int packetmode, String fastPath) throws Exception {
        int port = GStreamerInteropTest.freeUdpPort();
        St2110Transports.Jxs t = transport(fastPath);
        TestApp app = new TestApp(8, (int) FMT.bufferSize());
        // the receiver as an SDP of this packetization mode configures it
        String sdp = Sdp.jxs(1, "127.0.0.1", "127.0.0.1", port, 114, FMT, 3, packetmode == 1);
        ConnectionSpec rxSpec = SdpParser.parse(sdp, "st2110-22").orElseThrow();
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-22", rxSpec.format())
                .local(new Endpoint("127.0.0.1", port)).payloadType(114).build(), app);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3").option("packetmode", Integer.toString(packetmode))
                .build(), TestSupport.txContext());
        Codec codec = new JpegXsCodec();
        try (VideoEncoder enc = codec.encoder(FMT, Map.of("bpp", "3")); VideoDecoder dec = codec.decoder(FMT, Map.of())) {
            for (int i = 0; i < 5; i++) {
                byte[] pic = picture(100 + i);
                assertTrue(tx.input().accept(TestSupport.frameOf(pic)));
                // what the codec alone makes of this picture
                ByteBuffer cs = ByteBuffer.allocate(enc.maxEncodedSize());
                int n = enc.encode(ByteBuffer.wrap(pic), cs);
                cs.limit(n).position(0);
                assertEquals(256 * 128 * 3 / 8, n);
                ByteBuffer expect = ByteBuffer.allocate(pic.length);
                dec.decode(cs, expect);
                byte[] got = app.take(10_000);
                assertNotNull(got, "frame " + i + " rx " + rx.stats() + " tx " + tx.stats());
                assertArrayEquals(expect.array(), got, "frame " + i);
            }
        }
        assertEquals(5L, rx.stats().get("frames"));
        assertEquals(0L, rx.stats().get("frames_incomplete"));
        assertEquals(0L, rx.stats().get("decode_errors"));
        assertEquals(0L, tx.stats().get("slices_undelimited"));
        assertEquals(packetmode == 1, tx.stats().get("packetization_units_last") > 2, tx.stats().toString());
        // each frame was handed over after the previous one came back: the first starts the schedule (never late),
        // a later one may start late (its slot began before the app gave it), and only a late one restarts it
        long late = tx.stats().get("frames_started_late");
        long restarts = tx.stats().get("schedule_restarts");
        assertTrue(restarts >= 0 && restarts <= late && late <= 4, tx.stats().toString());
        assertFastPath(fastPath, tx);
        // the receiver's batches (recvmmsg, with GRO the sender's GSO batches whole) or one receive a datagram
        assertEquals("off".equals(fastPath) || !NetNative.available() ? 0L : 1L, rx.stats().get("fast_path"),
                rx.stats().toString());
        t.deactivate();
    }

    @Test
    void refusesWhatItCannotCarry() {
        St2110Transports.Jxs t = transport();
        VideoFormat uyvy = new VideoFormat(256, 128, Rational.of(30, 1), PixelFormat.UYVY);
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", uyvy)
                .remote(new Endpoint("127.0.0.1", 5000)).build(), TestSupport.txContext()));
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                .remote(new Endpoint("127.0.0.1", 5000)).option("bpp", "x").build(), TestSupport.txContext()));
        String sdp = Sdp.jxs(1, "127.0.0.1", "127.0.0.1", 5000, 114, FMT, 3);
        ConnectionSpec spec = SdpParser.parse(sdp, "st2110-22").orElseThrow();
        assertEquals(FMT, spec.format());
        assertTrue(sdp.contains("b=AS:" + Math.round(256 * 128 * 3 * 30 / 1000.0)), sdp);
    }

    /** The jpegxs codec answering the given threads (0: "cannot say", as a codec built before the question). */
    static Codec answering(int encoderThreads, int decoderThreads) {
        return answering(encoderThreads, decoderThreads, true);
    }

    /** The same, one that cannot encode (canEncode false: every encoder refused) */
    static Codec answering(int encoderThreads, int decoderThreads, boolean canEncode) {
        Codec real = new JpegXsCodec();
        return new Codec() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public java.util.Set<PixelFormat> pixelFormats() {
                return real.pixelFormats();
            }

            @Override
            public VideoEncoder encoder(VideoFormat f, Map<String, String> p)
                    throws org.mcm.api.codec.CodecException {
                if (!canEncode) {
                    throw new org.mcm.api.codec.CodecException("decoding only");
                }
                return real.encoder(f, p);
            }

            @Override
            public VideoDecoder decoder(VideoFormat f, Map<String, String> p)
                    throws org.mcm.api.codec.CodecException {
                return real.decoder(f, p);
            }

            @Override
            public int encoderThreads(VideoFormat f, Map<String, String> p) {
                return encoderThreads;
            }

            @Override
            public int decoderThreads(VideoFormat f, Map<String, String> p) {
                return decoderThreads;
            }
        };
    }

    /**
     * The codec's threads per session are what the codec says the format's rate needs (encoder: threads inside a
     * frame; decoders side by side), at most the machine's processors; from a codec that cannot say (0), enough for
     * the pixel rate at about 1080p40 a thread; the option codec_threads overrides both; a bad value is refused.
     */
    @Test
    void codecThreadsFollowTheCodecOrThePixelRateOrTheOption() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        VideoFormat p1080p60 = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);
        java.util.function.Function<VideoFormat, ConnectionSpec> spec = f -> ConnectionSpec.builder(Direction.TX,
                "st2110-22", f).remote(new Endpoint("127.0.0.1", 5000)).build();
        // the codec says
        Codec says31 = answering(3, 1);
        assertEquals(Math.min(3, cpus), JxsSessions.codecThreads(spec.apply(p1080p60), says31, true));
        assertEquals(1, JxsSessions.codecThreads(spec.apply(p1080p60), says31, false));
        Codec says14 = answering(1, 4);
        assertEquals(1, JxsSessions.codecThreads(spec.apply(p1080p60), says14, true));
        assertEquals(Math.min(4, cpus), JxsSessions.codecThreads(spec.apply(p1080p60), says14, false));
        assertEquals(Math.min(16, cpus), JxsSessions.codecThreads(spec.apply(p1080p60), answering(40, 40), true));
        // the jpegxs codec itself: with the native fragment (on this module's test class path, as in the
        // appliance) one decoder for 1080p60 and two encoder threads
        Codec jxs = new JpegXsCodec();
        assertEquals(1, jxs.decoderThreads(p1080p60, Map.of()), "the native fragment is not loaded");
        assertEquals(1, JxsSessions.codecThreads(spec.apply(p1080p60), jxs, false));
        assertEquals(Math.min(2, cpus), JxsSessions.codecThreads(spec.apply(p1080p60), jxs, true));
        // a codec that cannot say: the pixel rate
        Codec cannotSay = answering(0, 0);
        for (boolean encode : new boolean[] {true, false}) {
            assertEquals(Math.min(2, cpus), JxsSessions.codecThreads(spec.apply(p1080p60), cannotSay, encode));
            assertEquals(1, JxsSessions.codecThreads(spec.apply(
                    new VideoFormat(1920, 1080, Rational.of(30000, 1001), PixelFormat.YUV422P10LE)), cannotSay, encode));
            assertEquals(1, JxsSessions.codecThreads(spec.apply(
                    new VideoFormat(1280, 720, Rational.of(60, 1), PixelFormat.YUV422P10LE)), cannotSay, encode));
            assertEquals(Math.min(6, Math.min(16, cpus)), JxsSessions.codecThreads(spec.apply(
                    new VideoFormat(3840, 2160, Rational.of(60, 1), PixelFormat.YUV422P10LE)), cannotSay, encode));
            // the option overrides
            assertEquals(3, JxsSessions.codecThreads(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", 5000)).option("codec_threads", "3").build(), says31, encode));
        }
        St2110Transports.Jxs t = transport();
        for (String bad : new String[] {"0", "17", "two"}) {
            TransportException e = assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(
                    Direction.TX, "st2110-22", FMT).remote(new Endpoint("127.0.0.1", 5000))
                    .option("codec_threads", bad).build(), TestSupport.txContext()));
            assertTrue(e.getMessage().contains("codec_threads"), e.getMessage());
        }
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                .remote(new Endpoint("127.0.0.1", 5000)).option("codec_threads", "2").build(),
                TestSupport.txContext());
        try {
            assertEquals(2L, tx.stats().get("codec_threads"), tx.stats().toString());
        } finally {
            tx.close();
        }
    }

    /**
     * A receiver's decoders decode a frame when the session opens (their first frame is slow), with the default
     * codec threads too; a codec that cannot encode the format leaves them unprimed and the session still opens and
     * decodes.
     */
    @Test
    void decodersArePrimedAtTheOpeningWhenTheCodecCanEncode() throws Exception {
        for (boolean canEncode : new boolean[] {true, false}) {
            St2110Transports.Jxs t = new St2110Transports.Jxs();
            t.codec = answering(0, 2, canEncode);
            t.activate(TestSupport.settings("wide", "127.0.0.1", "auto"));
            TestApp app = new TestApp(4, (int) FMT.bufferSize());
            int port = St2110Bench.freeUdpPort();
            try {
                TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-22", FMT)
                        .local(new Endpoint("127.0.0.1", port)).payloadType(114).build(), app);
                assertEquals(canEncode ? 1L : 0L, rx.stats().get("decoders_primed"), rx.stats().toString());
                assertEquals(Math.min(2, Runtime.getRuntime().availableProcessors()), rx.stats().get("codec_threads"));
                // a stream from a sender with the real codec is still decoded
                St2110Transports.Jxs sender = transport();
                try {
                    TransportSession tx = sender.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                            .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3").build(),
                            TestSupport.txContext());
                    ByteBuffer picture = ByteBuffer.allocateDirect((int) FMT.bufferSize());
                    picture.put(0, picture(3, FMT));
                    org.mcm.api.frame.HeapFrame frame = new org.mcm.api.frame.HeapFrame(picture, null);
                    frame.length(picture.capacity());
                    long until = System.nanoTime() + 10_000_000_000L;
                    while (app.received.isEmpty() && System.nanoTime() < until) {
                        tx.input().accept(frame);
                        Thread.sleep(20);
                    }
                    assertFalse(app.received.isEmpty(), "nothing decoded: " + rx.stats());
                    assertEquals(0L, rx.stats().get("decode_errors"));
                } finally {
                    sender.deactivate();
                }
            } finally {
                t.deactivate();
            }
        }
    }

    /** Slice packetization mode (K=1): a header unit, then one unit per slice, P restarting in each. */
    @org.junit.jupiter.params.ParameterizedTest(name = "fast path {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"auto", "off"})
    void slicePacketizationModeOnTheWire(String fastPath) throws Exception {
        byte[] pic = picture(7);
        // the picture segment the sender will send: boxes + the codec's codestream (deterministic)
        Codec codec = new JpegXsCodec();
        ByteBuffer segment = ByteBuffer.allocate(Rfc9134.BOXES + 256 * 128 * 4).order(ByteOrder.BIG_ENDIAN);
        int n;
        try (VideoEncoder enc = codec.encoder(FMT, Map.of("bpp", "4"))) {
            ByteBuffer out = segment.duplicate().position(Rfc9134.BOXES);
            n = enc.encode(ByteBuffer.wrap(pic), out);
        }
        Rfc9134.writeBoxes(segment, 0, FMT, n);
        int total = Rfc9134.BOXES + n;
        int[] units = Rfc9134.sliceUnits(segment, total);
        assertNotNull(units, "our codestream's slices can be delimited");
        int slices = units.length - 2;
        assertTrue(slices > 1, "several slices: " + slices);
        try (DatagramChannel sniff = sniffer()) {
            int port = ((InetSocketAddress) sniff.getLocalAddress()).getPort();
            St2110Transports.Jxs t = transport(fastPath);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", port)).option("bpp", "4").option("packetmode", "1").build(),
                    TestSupport.txContext());
            assertTrue(tx.description().contains("packetmode=1; transmode=1"), tx.description());
            assertTrue(tx.input().accept(TestSupport.frameOf(pic)));
            sniff.configureBlocking(true);
            ByteBuffer payload = ByteBuffer.allocate(total);
            int unit = 0;
            int p = 0;
            boolean marker = false;
            while (!marker) {
                ByteBuffer b = ByteBuffer.allocate(2000);
                sniff.receive(b);
                b.flip();
                int h = b.getInt(12);
                assertTrue(Rfc9134.t(h), "T=1");
                assertTrue(Rfc9134.k(h), "K=1 in slice mode");
                assertEquals(0, Rfc9134.f(h));
                assertEquals(Rfc9134.unitSep(unit), Rfc9134.sep(h), "SEP names the unit " + unit);
                assertEquals(p, Rfc9134.p(h), "P counts packets inside unit " + unit);
                if (p == 0 && unit > 0) {
                    assertEquals(0xFF20, Short.toUnsignedInt(b.getShort(16)), "unit " + unit + " starts with its SLH");
                    assertEquals(unit - 1, Short.toUnsignedInt(b.getShort(20)), "slice index in the SLH");
                }
                payload.put(b.slice(16, b.limit() - 16));
                marker = Rtp.marker(b, 0);
                if (Rfc9134.l(h)) {
                    assertEquals(units[unit + 1], payload.position(), "unit " + unit + " ends where its slice ends");
                    unit++;
                    p = 0;
                } else {
                    assertFalse(marker, "M only on a unit's last packet");
                    p++;
                }
            }
            assertEquals(slices + 1, unit, "header unit + one unit per slice");
            assertEquals(total, payload.position());
            for (int k = 0; k < total; k++) {
                if (k < 8 || k >= Rfc9134.BOXES) { // the boxes carry the byte rate; the codestream is exact
                    assertEquals(segment.get(k), payload.get(k), "byte " + k);
                }
            }
            assertEquals(0xFF11, Short.toUnsignedInt(payload.getShort(total - 2)), "EOC ends the last slice unit");
            assertEquals((long) slices + 1, tx.stats().get("packetization_units_last"));
            assertEquals(0L, tx.stats().get("slices_undelimited"));
            assertFastPath(fastPath, tx);
            t.deactivate();
        }
    }

    @Test
    void sliceUnitsRefuseWhatTheyCannotDelimitAndSdpModesAreChecked() throws Exception {
        Codec codec = new JpegXsCodec();
        ByteBuffer segment = ByteBuffer.allocate(Rfc9134.BOXES + 256 * 128 * 4).order(ByteOrder.BIG_ENDIAN);
        int n;
        try (VideoEncoder enc = codec.encoder(FMT, Map.of("bpp", "4"))) {
            n = enc.encode(ByteBuffer.wrap(picture(3)), segment.duplicate().position(Rfc9134.BOXES));
        }
        Rfc9134.writeBoxes(segment, 0, FMT, n);
        int total = Rfc9134.BOXES + n;
        int[] units = Rfc9134.sliceUnits(segment, total);
        assertNotNull(units);
        ByteBuffer broken = ByteBuffer.allocate(total).order(ByteOrder.BIG_ENDIAN);
        broken.put(0, segment, 0, total);
        broken.putShort(units[2] + 4, (short) 9); // slice 1's SLH says 9
        assertEquals(null, Rfc9134.sliceUnits(broken, total));
        assertEquals(null, Rfc9134.sliceUnits(segment, total - 2), "no EOC at the end");
        assertEquals(null, Rfc9134.sliceUnits(segment, Rfc9134.BOXES + 10), "truncated header");

        String sdp = Sdp.jxs(1, "127.0.0.1", "127.0.0.1", 5000, 114, FMT, 3, true);
        assertTrue(SdpParser.parse(sdp, "st2110-22").isPresent());
        assertThrows(IllegalArgumentException.class,
                () -> SdpParser.parse(sdp.replace("packetmode=1", "packetmode=2"), "st2110-22"));
        assertThrows(IllegalArgumentException.class,
                () -> SdpParser.parse(sdp.replace("transmode=1", "transmode=0"), "st2110-22"));
        St2110Transports.Jxs t = transport();
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                .remote(new Endpoint("127.0.0.1", 5000)).option("packetmode", "3").build(), TestSupport.txContext()));
        t.deactivate();
    }
}
