package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;

/**
 * Cameras pushing RTP/H.264 (upstream payload type 5) played by GStreamer's rtph264pay and FFmpeg's RTP muxer into
 * an RX session. The elementary stream the app gets must equal the source's, NAL unit for NAL unit (every byte of
 * every NAL unit; only the start codes differ in length: ours are upstream's, 00 00 00 01 for an access unit's first
 * NAL unit and 00 00 01 after it), from the first access unit after the first boundary on.
 */
class RtpPushInteropTest {

    @TempDir
    Path dir;

    static final int FRAMES = 60;

    ConnectionSpec rx(int port) {
        return ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(5_184_000))
                .local(new Endpoint("", port)).build();
    }

    List<byte[]> receive(TestApp app, int expected) throws InterruptedException {
        List<byte[]> aus = new ArrayList<>();
        byte[] b;
        while (aus.size() < expected && (b = app.take(10_000)) != null) {
            aus.add(Peers.accessUnit(b));
        }
        return aus;
    }

    void assertSameStream(byte[] source, List<byte[]> aus, int expectedAus) {
        for (byte[] au : aus) {
            assertEquals(0, au[0], "an access unit starts with the 00 byte");
        }
        List<byte[]> src = Peers.nals(source);
        List<byte[]> got = Peers.nals(Peers.concat(aus));
        assertEquals(expectedAus, aus.size(), "access units delivered");
        int at = Peers.indexOf(src, got);
        assertTrue(at > 0, "the received NAL units are a run of the source's (" + got.size() + " of " + src.size() + ")");
        assertEquals(src.size(), at + got.size(), "the run reaches the source's end");
        // what was skipped is exactly the first access unit: one picture's NAL units (parameter sets, SEI, slices);
        // a picture's first slice has first_mb_in_slice 0, ue(v) "1": the top bit after the NAL header
        long pictures = src.subList(0, at).stream()
                .filter(n -> ((n[0] & 0x1F) == 5 || (n[0] & 0x1F) == 1) && (n[1] & 0x80) != 0).count();
        assertEquals(1, pictures, "only the first access unit (before the first marker) is missing");
    }

    void gstreamer(String aggregate) throws Exception {
        Peers.require(Peers.GST, "gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly");
        int port = Peers.freeUdpPort();
        TestApp app = new TestApp(FRAMES + 8, 1 << 20);
        Path ref = dir.resolve("ref.h264");
        try (TransportSession s = new RtpRxSession(rx(port), app, Peers.settings())) {
            // one encode, two branches: the camera's RTP and the source's access units through h264parse
            Peers.run(dir.resolve("gst.log"), 60, Peers.GST, "-q", "videotestsrc", "num-buffers=" + FRAMES,
                    "pattern=ball", "!", "video/x-raw,width=640,height=360,framerate=30/1", "!", "x264enc",
                    "key-int-max=15", "bitrate=2000", "tune=zerolatency", "!", "video/x-h264,profile=baseline", "!",
                    "tee", "name=t", "t.", "!", "queue", "!", "rtph264pay", "mtu=1200",
                    "aggregate-mode=" + aggregate, "pt=97", "!", "udpsink", "host=127.0.0.1", "port=" + port,
                    "sync=false", "t.", "!", "queue", "!", "h264parse", "!",
                    "video/x-h264,stream-format=byte-stream,alignment=au", "!", "filesink", "location=" + ref);
            List<byte[]> aus = receive(app, FRAMES - 1);
            assertNull(app.take(300), "nothing more");
            assertSameStream(Files.readAllBytes(ref), aus, FRAMES - 1);
            var st = s.stats();
            assertEquals(0L, st.get("frames_damaged"), st.toString());
            assertEquals(0L, st.get("lost"), st.toString());
            assertEquals((long) FRAMES - 1, st.get("frames"));
            assertNull(app.failure);
        }
    }

    @Test
    void gstreamerSingleNalAndFuA() throws Exception {
        gstreamer("none");
    }

    @Test
    void gstreamerStapA() throws Exception {
        gstreamer("zero-latency");
    }

    /**
     * Upstream's recver_app passes its -s argument as the remote ip (its dump-file option collides with -s): upstream
     * ignores the remote address of a type-5 session, so do we unless it is a multicast group.
     */
    @Test
    void aRemoteAddressThatIsNoAddressIsIgnored() throws Exception {
        int port = Peers.freeUdpPort();
        TestApp app = new TestApp(2, 1 << 16);
        try (RtpRxSession s = new RtpRxSession(ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(1 << 16))
                .local(new Endpoint("", port)).remote(new Endpoint("data-sdk.264", 0)).build(), app, Peers.settings())) {
            assertEquals(port, s.port());
        }
    }

    /** FFmpeg's RTP muxer (it aggregates small NAL units such as SPS/PPS into STAP-A) sending a file by -c copy. */
    @Test
    void ffmpegRtpMuxer() throws Exception {
        Peers.require(Peers.FFMPEG, "ffmpeg");
        Path ref = dir.resolve("ref.h264");
        Peers.run(dir.resolve("enc.log"), 60, Peers.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f",
                "lavfi", "-i", "testsrc=size=640x360:rate=30", "-frames:v", Integer.toString(FRAMES), "-c:v",
                "libx264", "-g", "15", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264", ref.toString());
        int port = Peers.freeUdpPort();
        TestApp app = new TestApp(FRAMES + 8, 1 << 20);
        try (TransportSession s = new RtpRxSession(rx(port), app, Peers.settings())) {
            Peers.run(dir.resolve("ffmpeg.log"), 60, Peers.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
                    "-re", "-i", ref.toString(), "-c", "copy", "-f", "rtp", "-payload_type", "96",
                    "rtp://127.0.0.1:" + port + "?pkt_size=1200");
            List<byte[]> aus = receive(app, FRAMES - 1);
            assertNull(app.take(300), "nothing more");
            assertSameStream(Files.readAllBytes(ref), aus, FRAMES - 1);
            var st = s.stats();
            assertEquals(0L, st.get("frames_damaged"), st.toString());
            assertNotNull(st.get("packets"));
        }
    }
}
