package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.Ready;
import org.mcm.api.testing.TestApp;

/**
 * Interoperability with GStreamer's RFC 4175 and L24 payloaders on loopback, bit-exact both ways. Skipped only
 * outside CI when gst-launch-1.0 is missing; in CI (CI=true) a missing GStreamer is a failure.
 */
class GStreamerInteropTest {

    static final String GST = "/usr/bin/gst-launch-1.0";

    @TempDir
    Path tmp;

    @BeforeAll
    static void needGStreamer() {
        boolean present = new File(GST).canExecute();
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("GStreamer (gst-launch-1.0) must be installed in CI: see .ci/run");
        }
        Assumptions.assumeTrue(present, "gst-launch-1.0 not installed (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good)");
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Process gst(Path log, String... pipeline) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(GST);
        cmd.add("-q");
        cmd.add("-e");
        cmd.addAll(Arrays.asList(pipeline));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static void run(Path log, String... pipeline) throws Exception {
        Process p = gst(log, pipeline);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "gst finished");
        assertEquals(0, p.exitValue(), () -> "gst failed: " + read(log));
    }

    static void interruptAndWait(Process p, Path log) throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "gst stopped");
        assertEquals(0, p.exitValue(), () -> "gst failed: " + read(log));
    }

    /**
     * Waits until the GStreamer receiver {@code p} has bound {@code port} (and joined {@code group}, unless null):
     * from then on what we send queues in its socket even before its pipeline plays.
     */
    static void awaitListening(Process p, int port, String group, Path log) {
        await("GStreamer's udpsrc bound to port " + port + (group == null ? "" : " and joined to " + group))
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("gst ended: " + read(log));
                    }
                    return Ready.udpBound(p.pid(), port) && (group == null || Ready.joined(p.pid(), group));
                });
    }

    /**
     * Waits until the sender {@code tx} has counted {@code n} ({@code counter}: frames or packets sent) and the
     * GStreamer receiver {@code p} has read every datagram waiting on {@code port}: it can be told to end.
     */
    static void awaitSentAndTaken(TransportSession tx, String counter, long n, Process p, int port) {
        await("the sender's " + counter + " reaching " + n).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(10)).until(() -> tx.stats().get(counter) >= n);
        await("GStreamer reading every datagram on port " + port).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10)).until(() -> Ready.udpDrained(p.pid(), port));
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static String gstFormat(PixelFormat pf) {
        return pf == PixelFormat.UYVY ? "UYVY" : "UYVP";
    }

    static String rtpCaps(int w, int h, PixelFormat pf, int pt) {
        return "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)RAW,"
                + "sampling=(string)YCbCr-4:2:2,depth=(string)" + (pf == PixelFormat.UYVY ? 8 : 10)
                + ",width=(string)" + w + ",height=(string)" + h + ",colorimetry=(string)BT709-2,payload=(int)" + pt
                + ",a-framerate=(string)30";
    }

    @ParameterizedTest
    @CsvSource({"640,480,YUV422_10_PGROUP,30", "640,480,UYVY,30", "1920,1080,YUV422_10_PGROUP,10", "1920,1080,UYVY,10"})
    void gstreamerSendsWeReceiveBitExact(int w, int h, PixelFormat pf, int frames) throws Exception {
        Path ref = tmp.resolve("ref.raw");
        String raw = "video/x-raw,format=" + gstFormat(pf) + ",width=" + w + ",height=" + h + ",framerate=30/1,colorimetry=bt709";
        run(tmp.resolve("ref.log"), "videotestsrc", "pattern=smpte", "num-buffers=" + frames, "!", raw, "!", "filesink",
                "location=" + ref);
        int size = (int) pf.frameSize(w, h);
        byte[] all = Files.readAllBytes(ref);
        assertEquals((long) size * frames, all.length);

        int port = freeUdpPort();
        VideoFormat vf = new VideoFormat(w, h, Rational.of(30, 1), pf);
        ConnectionSpec spec = ConnectionSpec.builder(Direction.RX, "st2110-20", vf).local(new Endpoint("127.0.0.1", port))
                .payloadType(96).build();
        TestApp app = new TestApp(frames + 2, size); // the test reads the frames after GStreamer ends
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("wide"));
        TransportSession rx = t.open(spec, app);
        try {
            run(tmp.resolve("tx.log"), "videotestsrc", "pattern=smpte", "num-buffers=" + frames, "!", raw, "!", "rtpvrawpay",
                    "pt=96", "!", "udpsink", "host=127.0.0.1", "port=" + port, "sync=true", "buffer-size=33554432", "max-bitrate=2000000000");
            for (int i = 0; i < frames; i++) {
                byte[] got = app.take(5000);
                assertNotNull(got, "frame " + i + " of " + frames + "; stats " + rx.stats());
                assertArrayEquals(Arrays.copyOfRange(all, i * size, (i + 1) * size), got, "frame " + i);
            }
            assertEquals(0L, rx.stats().get("bad_headers"));
            assertEquals(0L, rx.stats().get("frames_incomplete"));
            assertEquals((long) frames, rx.stats().get("frames"));
        } finally {
            t.deactivate();
        }
    }

    @ParameterizedTest
    @CsvSource({"640,480,YUV422_10_PGROUP,20,auto", "640,480,UYVY,20,auto", "1920,1080,YUV422_10_PGROUP,8,auto",
            "1920,1080,UYVY,8,auto", "640,480,YUV422_10_PGROUP,20,off", "1920,1080,UYVY,8,off"})
    void weSendGStreamerReceivesBitExact(int w, int h, PixelFormat pf, int frames, String fastPath) throws Exception {
        int size = (int) pf.frameSize(w, h);
        Random rnd = new Random(w * 31L + pf.ordinal());
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            if (pf == PixelFormat.YUV422_10_PGROUP) {
                // any 40-bit pattern is a valid pgroup; UYVY any byte too: random content is fine
            }
            sent.add(b);
        }
        int port = freeUdpPort();
        Path out = tmp.resolve("rx.raw");
        Path log = tmp.resolve("rx.log");
        Process rxp = gst(log, "udpsrc", "address=127.0.0.1", "port=" + port, "buffer-size=67108864",
                "caps=" + rtpCaps(w, h, pf, 112), "!", "rtpvrawdepay", "!", "video/x-raw,format=" + gstFormat(pf), "!",
                "filesink", "location=" + out);
        awaitListening(rxp, port, null, log);
        VideoFormat vf = new VideoFormat(w, h, Rational.of(30, 1), pf);
        ConnectionSpec spec = ConnectionSpec.builder(Direction.TX, "st2110-20", vf).remote(new Endpoint("127.0.0.1", port))
                .build();
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("wide", "127.0.0.1", fastPath));
        TransportSession tx = t.open(spec, TestSupport.txContext());
        boolean expectFast = "auto".equals(fastPath) && NetNative.available();
        assertEquals(expectFast ? 1L : 0L, tx.stats().get("fast_path"), "kernel fast path in use: " + NetNative.unavailableReason());
        try {
            for (byte[] b : sent) {
                TestSupport.offer(tx, b);
            }
            awaitSentAndTaken(tx, "frames", frames, rxp, port);
            assertEquals((long) frames, tx.stats().get("frames"));
            assertTrue(tx.description().contains("a=fmtp:112 sampling=YCbCr-4:2:2; width=" + w + "; height=" + h
                    + "; exactframerate=30; depth=" + (pf == PixelFormat.UYVY ? 8 : 10)), tx.description());
        } finally {
            t.deactivate();
        }
        interruptAndWait(rxp, log);
        byte[] all = Files.readAllBytes(out);
        assertEquals((long) size * frames, all.length, "GStreamer wrote every frame");
        for (int i = 0; i < frames; i++) {
            assertArrayEquals(sent.get(i), Arrays.copyOfRange(all, i * size, (i + 1) * size), "frame " + i);
        }
    }

    /** Planar yuv422p10le apps: GStreamer's own I422_10LE <-> UYVP conversion is the independent reference. */
    @org.junit.jupiter.api.Test
    void planar10BitAppsInteroperateThroughGStreamersConverter() throws Exception {
        int w = 1920;
        int h = 1080;
        int frames = 6;
        PixelFormat pf = PixelFormat.YUV422P10LE;
        int size = (int) pf.frameSize(w, h);
        String planar = "video/x-raw,format=I422_10LE,width=" + w + ",height=" + h + ",framerate=30/1,colorimetry=bt709";
        Path ref = tmp.resolve("planar.raw");
        run(tmp.resolve("pref.log"), "videotestsrc", "pattern=smpte", "num-buffers=" + frames, "!", planar, "!", "filesink",
                "location=" + ref);
        byte[] all = Files.readAllBytes(ref);
        assertEquals((long) size * frames, all.length);
        VideoFormat vf = new VideoFormat(w, h, Rational.of(30, 1), pf);
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("wide"));
        try {
            // GStreamer (planar -> UYVP -> RTP) -> our receiver delivering planar
            int port = freeUdpPort();
            TestApp app = new TestApp(frames + 2, size);
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", vf)
                    .local(new Endpoint("127.0.0.1", port)).payloadType(96).build(), app);
            run(tmp.resolve("ptx.log"), "videotestsrc", "pattern=smpte", "num-buffers=" + frames, "!", planar, "!", "videoconvert", "dither=none", "!",
                    "video/x-raw,format=UYVP", "!", "rtpvrawpay", "pt=96", "!", "udpsink", "host=127.0.0.1", "port=" + port,
                    "sync=true", "buffer-size=33554432", "max-bitrate=2000000000");
            for (int i = 0; i < frames; i++) {
                byte[] got = app.take(5000);
                assertNotNull(got, "frame " + i + " stats " + rx.stats());
                final int fi = i;
                assertArrayEquals(Arrays.copyOfRange(all, i * size, (i + 1) * size), got, () -> "frame " + fi + " stats " + rx.stats());
            }
            rx.close();

            // our sender taking planar frames -> GStreamer (RTP -> UYVP -> planar)
            int port2 = freeUdpPort();
            Path out = tmp.resolve("prx.raw");
            Path log = tmp.resolve("prx.log");
            Process p = gst(log, "udpsrc", "address=127.0.0.1", "port=" + port2, "buffer-size=67108864",
                    "caps=" + rtpCaps(w, h, PixelFormat.YUV422_10_PGROUP, 112), "!", "rtpvrawdepay", "!", "videoconvert", "dither=none", "!",
                    "video/x-raw,format=I422_10LE", "!", "filesink", "location=" + out);
            awaitListening(p, port2, null, log);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", vf)
                    .remote(new Endpoint("127.0.0.1", port2)).build(), TestSupport.txContext());
            for (int i = 0; i < frames; i++) {
                TestSupport.offer(tx, Arrays.copyOfRange(all, i * size, (i + 1) * size));
            }
            awaitSentAndTaken(tx, "frames", frames, p, port2);
            tx.close();
            interruptAndWait(p, log);
            assertArrayEquals(all, Files.readAllBytes(out));
        } finally {
            t.deactivate();
        }
    }

    @ParameterizedTest
    @CsvSource({"2,1ms", "8,125us"})
    void l24AudioBothWays(int channels, String ptime) throws Exception {
        AudioFormat af = new AudioFormat(48_000, channels, 24, PacketTime.byId(ptime));
        int packet = (int) af.bufferSize();
        long ptNs = af.packetTime().nanos();
        String caps = "application/x-rtp,media=(string)audio,clock-rate=(int)48000,encoding-name=(string)L24,channels=(int)"
                + channels + ",payload=(int)97";
        String raw = "audio/x-raw,format=S24BE,rate=48000,channels=" + channels + ",layout=interleaved";
        long ptimeArg = ptNs;

        // GStreamer -> us
        Path ref = tmp.resolve("aref.raw");
        int buffers = 200;
        run(tmp.resolve("aref.log"), "audiotestsrc", "num-buffers=" + buffers, "samplesperbuffer=" + af.samplesPerPacket(), "!", raw,
                "!", "filesink", "location=" + ref);
        byte[] refBytes = Files.readAllBytes(ref);
        int port = freeUdpPort();
        St2110Transports.Audio t = new St2110Transports.Audio();
        t.activate(TestSupport.settings("wide"));
        TestApp app = new TestApp(256, packet);
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-30", af)
                .local(new Endpoint("127.0.0.1", port)).payloadType(97).build(), app);
        run(tmp.resolve("atx.log"), "audiotestsrc", "num-buffers=" + buffers, "samplesperbuffer=" + af.samplesPerPacket(), "!", raw,
                "!", "rtpL24pay", "pt=97", "min-ptime=" + ptimeArg, "max-ptime=" + ptimeArg, "!", "udpsink", "host=127.0.0.1",
                "port=" + port, "sync=false");
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] b;
        while ((b = app.take(2000)) != null) {
            assertEquals(packet, b.length);
            got.write(b);
        }
        assertArrayEquals(refBytes, got.toByteArray(), "stats " + rx.stats());
        rx.close();

        // us -> GStreamer
        int port2 = freeUdpPort();
        Path out = tmp.resolve("arx.raw");
        Path log = tmp.resolve("arx.log");
        Process p = gst(log, "udpsrc", "address=127.0.0.1", "port=" + port2, "caps=" + caps, "!", "rtpL24depay", "!",
                "audio/x-raw,format=S24BE", "!", "filesink", "location=" + out);
        awaitListening(p, port2, null, log);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-30", af)
                .remote(new Endpoint("127.0.0.1", port2)).payloadType(97).build(), TestSupport.txContext());
        for (int i = 0; i < buffers; i++) {
            byte[] chunk = Arrays.copyOfRange(refBytes, i * packet, (i + 1) * packet);
            assertTrue(tx.input().accept(TestSupport.frameOf(chunk)));
            Thread.sleep(0, 200_000); // pacing the source (a packet is sent within accept): no burst into GStreamer's socket
        }
        assertTrue(tx.description().contains("a=rtpmap:97 L24/48000/" + channels), tx.description());
        awaitSentAndTaken(tx, "packets", buffers, p, port2);
        t.deactivate();
        interruptAndWait(p, log);
        assertArrayEquals(refBytes, Files.readAllBytes(out));
    }
}
