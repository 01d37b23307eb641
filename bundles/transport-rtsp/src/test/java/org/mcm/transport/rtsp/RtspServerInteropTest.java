package org.mcm.transport.rtsp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.Ready;
import org.mcm.api.testing.TestApp;

/**
 * The chain: a camera (GStreamer, RTP push) into an RX session, the app's access units put into a TX
 * session, served by the RTSP server to FFmpeg and GStreamer's rtspsrc (each over TCP interleaved and UDP), four
 * clients at once. What each client writes must be the camera's elementary stream: from the IDR it joined at on,
 * every slice NAL unit equal byte for byte and in order, and its parameter sets equal to the camera's.
 */
class RtspServerInteropTest {

    @TempDir
    Path dir;

    final RtspTransport transport = new RtspTransport();
    final List<Process> peers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : peers) {
            Peers.stop(p);
        }
        transport.deactivate();
    }

    static TransportContext txContext(long id) {
        return TestApp.txContext(id);
    }

    /** Camera into RX, its frames forwarded to the TX session as an app would; returns the TX session. */
    TransportSession chain(String name, int rtspPort) throws Exception {
        return chain(name, rtspPort, "", "");
    }

    TransportSession chain(String name, int rtspPort, String user, String password) throws Exception {
        transport.activate(Peers.settings(rtspPort, user, password));
        TransportSession tx = transport.open(ConnectionSpec.builder(Direction.TX, "rtsp", new BlobFormat(5_184_000))
                .option("name", name).build(), txContext(2));
        return tx;
    }

    Process camera(int port, Path ref, int frames) throws Exception {
        Process p = Peers.start(dir.resolve("camera.log"), Peers.GST, "-q", "videotestsrc", "is-live=true",
                "num-buffers=" + frames, "pattern=ball", "!", "video/x-raw,width=640,height=360,framerate=30/1", "!",
                "x264enc", "key-int-max=15", "bitrate=1500", "tune=zerolatency", "!", "video/x-h264,profile=baseline",
                "!", "tee", "name=t", "t.", "!", "queue", "!", "rtph264pay", "mtu=1400", "pt=96", "!", "udpsink",
                "host=127.0.0.1", "port=" + port, "sync=false", "t.", "!", "queue", "!", "h264parse", "!",
                "video/x-h264,stream-format=byte-stream,alignment=au", "!", "filesink", "location=" + ref);
        peers.add(p);
        return p;
    }

    static final class Forward implements TransportContext {
        final TestApp app = new TestApp(64, 1 << 20);
        final FrameSink to;

        Forward(FrameSink to) {
            this.to = to;
        }

        @Override
        public long sessionId() {
            return 1;
        }

        @Override
        public FrameSource frameSource() {
            return app.frameSource();
        }

        @Override
        public FrameSink output() {
            return (Frame f) -> to.accept(f); // the app hands the buffer on as it is (header and all)
        }

        @Override
        public void failed(String reason) {
            throw new AssertionError(reason);
        }
    }

    static void assertSameStream(byte[] source, byte[] got, String who, int minPictures) {
        List<byte[]> src = Peers.nals(source);
        List<byte[]> out = Peers.nals(got);
        List<byte[]> srcSlices = src.stream().filter(n -> (n[0] & 0x1F) != 7 && (n[0] & 0x1F) != 8).toList();
        List<byte[]> outSlices = out.stream().filter(n -> (n[0] & 0x1F) != 7 && (n[0] & 0x1F) != 8).toList();
        assertTrue(!outSlices.isEmpty(), who + ": wrote nothing");
        int firstVcl = 0;
        while (firstVcl < outSlices.size() && (outSlices.get(firstVcl)[0] & 0x1F) != 5
                && (outSlices.get(firstVcl)[0] & 0x1F) != 1) {
            firstVcl++;
        }
        assertEquals(5, outSlices.get(firstVcl)[0] & 0x1F, who + ": starts at an IDR");
        int at = Peers.indexOf(srcSlices, outSlices);
        assertTrue(at >= 0, who + ": its " + outSlices.size() + " NAL units are a run of the camera's "
                + srcSlices.size());
        long pictures = outSlices.stream().filter(n -> ((n[0] & 0x1F) == 5 || (n[0] & 0x1F) == 1)
                && (n[1] & 0x80) != 0).count();
        assertTrue(pictures >= minPictures, who + ": " + pictures + " pictures");
        byte[] sps = src.stream().filter(n -> (n[0] & 0x1F) == 7).findFirst().orElseThrow();
        byte[] pps = src.stream().filter(n -> (n[0] & 0x1F) == 8).findFirst().orElseThrow();
        assertTrue(out.stream().filter(n -> (n[0] & 0x1F) == 7).allMatch(n -> Arrays.equals(n, sps)), who + ": SPS");
        assertTrue(out.stream().filter(n -> (n[0] & 0x1F) == 8).allMatch(n -> Arrays.equals(n, pps)), who + ": PPS");
        assertTrue(out.stream().anyMatch(n -> (n[0] & 0x1F) == 7), who + ": has the SPS");
    }

    @Test
    void ffmpegAndGstreamerOverTcpAndUdpAtOnce() throws Exception {
        Peers.require(Peers.GST, "gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly");
        Peers.require(Peers.FFMPEG, "ffmpeg");
        int rtspPort = Peers.freeTcpPort();
        TransportSession tx = chain("cam", rtspPort);
        String url = "rtsp://127.0.0.1:" + rtspPort + "/cam";
        assertEquals(url, tx.description());
        int camPort = Peers.freeUdpPort();
        Forward app = new Forward(tx.input());
        Path ref = dir.resolve("ref.h264");
        try (TransportSession rx = new RtpRxSession(ConnectionSpec.builder(Direction.RX, "rtsp",
                new BlobFormat(5_184_000)).local(new Endpoint("", camPort)).build(), app, Peers.settings())) {
            Process cam = camera(camPort, ref, 240); // 8 s
            awaitFlowing(tx);
            Path tcpOut = dir.resolve("tcp.h264");
            Path udpOut = dir.resolve("udp.h264");
            Path gstOut = dir.resolve("gst.h264");
            Process ffTcp = ffmpeg("tcp", url, tcpOut);
            Process ffUdp = ffmpeg("udp", url, udpOut);
            Process gst = rtspsrc("tcp", url, gstOut);
            Path gstUdpOut = dir.resolve("gst-udp.h264");
            Process gstUdp = rtspsrc("udp", url, gstUdpOut);
            waitFor(() -> tx.stats().get("clients") == 4, 10_000, "four clients: " + tx.stats());
            // the clients' RTCP receiver reports (FFmpeg and GStreamer send them, over UDP and interleaved)
            waitFor(() -> tx.stats().get("rtcp_receiver_reports") >= 2, 8_000,
                    "receiver reports: " + tx.stats());
            assertTrue(tx.description().startsWith(url + " (4 clients; "), tx.description());
            assertTrue(cam.waitFor(30, TimeUnit.SECONDS), "camera ends");
            Map<String, Long> st = tx.stats();
            assertEquals(0L, st.get("rtcp_bad"), st.toString());
            assertEquals(0L, st.get("send_drops"), st.toString());
            awaitSentOn(camPort, tx);
            tx.close(); // the stream ends: clients see their connection close
            assertTrue(ffTcp.waitFor(20, TimeUnit.SECONDS), Peers.tail(dir.resolve("ffmpeg-tcp.log")));
            assertTrue(ffUdp.waitFor(20, TimeUnit.SECONDS), Peers.tail(dir.resolve("ffmpeg-udp.log")));
            for (Process g : List.of(gst, gstUdp)) {
                new ProcessBuilder("kill", "-INT", Long.toString(g.pid())).start().waitFor();
                g.waitFor(10, TimeUnit.SECONDS);
            }
            byte[] source = Files.readAllBytes(ref);
            assertSameStream(source, Files.readAllBytes(tcpOut), "ffmpeg tcp", 120);
            assertSameStream(source, Files.readAllBytes(udpOut), "ffmpeg udp", 120);
            assertSameStream(source, Files.readAllBytes(gstOut), "gstreamer rtspsrc tcp", 120);
            assertSameStream(source, Files.readAllBytes(gstUdpOut), "gstreamer rtspsrc udp", 120);
            assertEquals(0L, rx.stats().get("frames_damaged"), rx.stats().toString());
        }
    }

    /** With credentials set, FFmpeg with the right ones gets the stream (Digest), the wrong ones get nothing. */
    @Test
    @SuppressWarnings("try") // the resource is held open for the block, not used in it
    void authenticationRequiredWhenConfigured() throws Exception {
        Peers.require(Peers.GST, "gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly");
        Peers.require(Peers.FFMPEG, "ffmpeg");
        int rtspPort = Peers.freeTcpPort();
        TransportSession tx = chain("secure", rtspPort, "viewer", "s3cret-pw");
        int camPort = Peers.freeUdpPort();
        Forward app = new Forward(tx.input());
        Path ref = dir.resolve("ref.h264");
        try (TransportSession rx = new RtpRxSession(ConnectionSpec.builder(Direction.RX, "rtsp",
                new BlobFormat(5_184_000)).local(new Endpoint("", camPort)).build(), app, Peers.settings())) {
            Process cam = camera(camPort, ref, 150);
            awaitFlowing(tx);
            Path good = dir.resolve("good.h264");
            Path bad = dir.resolve("bad.h264");
            Process ok = ffmpeg("tcp", "rtsp://viewer:s3cret-pw@127.0.0.1:" + rtspPort + "/secure", good);
            Process no = ffmpeg("udp", "rtsp://viewer:wrong@127.0.0.1:" + rtspPort + "/secure", bad);
            assertTrue(no.waitFor(20, TimeUnit.SECONDS), "refused client ends");
            assertTrue(no.exitValue() != 0, "refused client fails");
            assertTrue(Peers.tail(dir.resolve("ffmpeg-udp.log")).contains("401"), Peers.tail(dir.resolve("ffmpeg-udp.log")));
            assertTrue(cam.waitFor(30, TimeUnit.SECONDS), "camera ends");
            awaitSentOn(camPort, tx);
            tx.close();
            assertTrue(ok.waitFor(20, TimeUnit.SECONDS), Peers.tail(dir.resolve("ffmpeg-tcp.log")));
            assertSameStream(Files.readAllBytes(ref), Files.readAllBytes(good), "ffmpeg with credentials", 60);
            assertTrue(transport.server().authFailures.sum() >= 1);
            assertTrue(!tx.stats().toString().contains("s3cret"));
        }
    }

    Process rtspsrc(String protocol, String url, Path out) throws Exception {
        Process p = Peers.start(dir.resolve("rtspsrc-" + protocol + ".log"), Peers.GST, "-q", "-e", "rtspsrc",
                "location=" + url, "protocols=" + protocol, "latency=100", "!", "rtph264depay", "!", "h264parse", "!",
                "video/x-h264,stream-format=byte-stream,alignment=au", "!", "filesink", "location=" + out);
        peers.add(p);
        return p;
    }

    Process ffmpeg(String transportName, String url, Path out) throws Exception {
        Process p = Peers.start(dir.resolve("ffmpeg-" + transportName + ".log"), Peers.FFMPEG, "-hide_banner",
                "-nostdin", "-loglevel", "warning", "-rtsp_transport", transportName, "-i", url, "-c", "copy",
                "-f", "h264", out.toString());
        peers.add(p);
        return p;
    }

    /** Polls {@code c} every 50 ms until it holds; fails naming {@code what} after {@code ms}. */
    static void waitFor(java.util.function.BooleanSupplier c, long ms, String what) {
        await(what).atMost(Duration.ofMillis(ms)).pollInterval(Duration.ofMillis(50)).until(c::getAsBoolean);
    }

    /** The camera's access units reach the TX session (and with the first, its parameter sets for DESCRIBE). */
    static void awaitFlowing(TransportSession tx) {
        waitFor(() -> tx.stats().get("frames") > 0, 15_000, "the camera's first access unit at the RTSP server");
    }

    /**
     * The camera has ended: the RX session has read every datagram left on {@code camPort} and the TX session has
     * sent on what it got (its packet count stays put), so the clients have the whole stream before it closes.
     */
    static void awaitSentOn(int camPort, TransportSession tx) {
        waitFor(() -> Ready.udpDrained(Ready.self(), camPort), 10_000, "the RX session reading the camera's last datagrams");
        await("the TX session's last packets").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(30))
                .until(Ready.settled(() -> tx.stats().get("packets"), 2));
    }
}
