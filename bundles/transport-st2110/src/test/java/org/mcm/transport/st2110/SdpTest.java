package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

class SdpTest {

    @Test
    void ourVideoSdpDescribesTheStreamAndParsesBack() {
        VideoFormat f = new VideoFormat(1920, 1080, Rational.of(60000, 1001), PixelFormat.YUV422_10_PGROUP);
        String sdp = Sdp.video(7, "127.0.0.1", "239.1.2.3", 5004, 112, f, PGroup.of(f.pixelFormat()), 1400);
        assertTrue(sdp.startsWith("v=0\r\no=- 7 7 IN IP4 127.0.0.1\r\n"), sdp);
        assertTrue(sdp.contains("m=video 5004 RTP/AVP 112\r\n"), sdp);
        assertTrue(sdp.contains("c=IN IP4 239.1.2.3/32\r\n"), sdp);
        assertTrue(sdp.contains("a=source-filter: incl IN IP4 239.1.2.3 127.0.0.1\r\n"), sdp);
        assertTrue(sdp.contains("a=rtpmap:112 raw/90000\r\n"), sdp);
        assertTrue(sdp.contains("a=fmtp:112 sampling=YCbCr-4:2:2; width=1920; height=1080; exactframerate=60000/1001; depth=10;"), sdp);
        assertTrue(sdp.contains("PM=2110GPM; SSN=ST2110-20:2017; TP=2110TPW"), sdp);
        assertTrue(sdp.contains("a=mediaclk:direct=0\r\n"), sdp);
        ConnectionSpec spec = SdpParser.parse(sdp, "st2110-20").orElseThrow();
        assertEquals(Direction.RX, spec.direction());
        assertEquals(f, spec.format());
        assertEquals(5004, spec.local().port());
        assertEquals("239.1.2.3", spec.remote().host());
        assertEquals(112, spec.payloadType());
        assertTrue(SdpParser.parse(sdp, "st2110-30").isEmpty());
    }

    @Test
    void audioSdpRoundTrip() {
        AudioFormat f = new AudioFormat(48_000, 8, 24, PacketTime.PT_125US);
        String sdp = Sdp.audio(3, "127.0.0.1", "127.0.0.1", 5006, 97, f);
        assertTrue(sdp.contains("a=rtpmap:97 L24/48000/8\r\n"), sdp);
        assertTrue(sdp.contains("a=ptime:0.125\r\n"), sdp);
        ConnectionSpec spec = SdpParser.parse(sdp, "st2110-30").orElseThrow();
        assertEquals(f, spec.format());
        assertEquals("", spec.remote().host(), "unicast: receive on this host");
    }

    @Test
    void thirdPartySdpWithSessionAttributes() {
        String sdp = "v=0\no=- 1543226715 1543226715 IN IP4 172.29.80.65\ns=Demo\nt=0 0\n"
                + "a=recvonly\nm=video 27346 RTP/AVP 97\nc=IN IP4 232.80.177.113/32\n"
                + "a=source-filter: incl IN IP4 232.80.177.113 172.29.80.65\n"
                + "a=rtpmap:97 raw/90000\n"
                + "a=fmtp:97 sampling=YCbCr-4:2:2; width=1280; height=720; depth=8; SSN=ST2110-20:2017; colorimetry=BT709; PM=2110GPM; TP=2110TPN; exactframerate=50\n";
        ConnectionSpec spec = SdpParser.parse(sdp, "st2110-20").orElseThrow();
        assertEquals(new VideoFormat(1280, 720, Rational.of(50, 1), PixelFormat.UYVY), spec.format());
        assertEquals("232.80.177.113", spec.remote().host());
    }

    @Test
    void malformedSdpIsRefusedNamingTheProblem() {
        String good = "v=0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 raw/90000\n"
                + "a=fmtp:96 sampling=YCbCr-4:2:2; width=640; height=480; depth=10; exactframerate=30\n";
        assertEquals(640, ((VideoFormat) SdpParser.parse(good, "st2110-20").orElseThrow().format()).width());
        assertMessage(good.replace("5004", "70000"), "port");
        assertMessage(good.replace("v=0", "v=1"), "version");
        assertMessage(good.replace("RTP/AVP", "UDP"), "RTP/AVP");
        assertMessage(good.replace("a=rtpmap:96 raw/90000\n", ""), "rtpmap");
        assertMessage(good.replace(" width=640;", ""), "width");
        assertMessage(good.replace("depth=10", "depth=12"), "not supported");
        assertMessage(good.replace("depth=10", "depth=10; interlace"), "interlaced");
        assertMessage("garbage\n" + good, "line 1");
        assertMessage("v=0\n", "no m=");
        assertThrows(IllegalArgumentException.class, () -> SdpParser.parse(good.replace("exactframerate=30", "exactframerate=x"), "st2110-20"));
    }

    private static void assertMessage(String sdp, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SdpParser.parse(sdp, "st2110-20"));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
