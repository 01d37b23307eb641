package org.mcm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

class MediaFormatTest {

    @Test
    void frameRatesMapToExactRatios() {
        assertEquals(Rational.of(60000, 1001), Rational.fromFps(59.94));
        assertEquals(Rational.of(30000, 1001), Rational.fromFps(29.97));
        assertEquals(Rational.of(25, 1), Rational.fromFps(25.0));
        assertEquals(Rational.of(60, 1), Rational.parse("60"));
        assertEquals(Rational.of(24000, 1001), Rational.parse("24000/1001"));
        assertEquals("60000/1001", Rational.fromFps(59.94).toString());
        assertThrows(IllegalArgumentException.class, () -> Rational.fromFps(0));
        assertThrows(IllegalArgumentException.class, () -> Rational.fromFps(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Rational.parse("abc"));
    }

    @Test
    void frameSizesMatchUpstreamFormulas() {
        // upstream: yuv422p10le 1080p = W*H*4 = 8 294 400; rfc4175 = W*H*5/2; v210 = W*H*8/3 for 1920 wide
        assertEquals(8_294_400, PixelFormat.YUV422P10LE.frameSize(1920, 1080));
        assertEquals(5_184_000, PixelFormat.YUV422_10_PGROUP.frameSize(1920, 1080));
        assertEquals(5_529_600, PixelFormat.V210.frameSize(1920, 1080));
        assertEquals(4_147_200, PixelFormat.UYVY.frameSize(1920, 1080));
        assertEquals(6_220_800, PixelFormat.RGB24.frameSize(1920, 1080));
        assertEquals(3_110_400, PixelFormat.NV12.frameSize(1920, 1080));
        assertThrows(IllegalArgumentException.class, () -> PixelFormat.UYVY.frameSize(1921, 1080));
        assertThrows(IllegalArgumentException.class, () -> new VideoFormat(0, 1080, Rational.of(25, 1), PixelFormat.UYVY));
        assertThrows(IllegalArgumentException.class, () -> new VideoFormat(16385, 2, Rational.of(25, 1), PixelFormat.UYVY));
        assertEquals(PixelFormat.YUV422P10LE, PixelFormat.byId("yuv422p10le"));
        assertThrows(IllegalArgumentException.class, () -> PixelFormat.byId("nope"));
    }

    @Test
    void audioPacketSizesMatchUpstreamTable() {
        // upstream test: 4 ch, 96 kHz, pcm_s16be, 125 us -> 96 bytes
        assertEquals(96, new AudioFormat(96_000, 4, 16, PacketTime.PT_125US).bufferSize());
        // PCM16 1 ms 48 kHz 2 ch = 192 B
        assertEquals(192, new AudioFormat(48_000, 2, 16, PacketTime.PT_1MS).bufferSize());
        assertEquals(48 * 8 * 3, new AudioFormat(48_000, 8, 24, PacketTime.PT_1MS).bufferSize());
        assertEquals(48 * 2 * 2, new AudioFormat(44_100, 2, 16, PacketTime.PT_1_09MS).bufferSize());
        assertThrows(IllegalArgumentException.class, () -> new AudioFormat(44_100, 2, 16, PacketTime.PT_1MS));
        assertThrows(IllegalArgumentException.class, () -> new AudioFormat(48_000, 2, 20, PacketTime.PT_1MS));
        assertThrows(IllegalArgumentException.class, () -> new AudioFormat(32_000, 2, 16, PacketTime.PT_1MS));
    }

    @Test
    void connectionSpecValidates() {
        var spec = ConnectionSpec.builder(Direction.TX, "st2110-20", new BlobFormat(1000)).payloadType(112)
                .option("k", "v").build();
        assertEquals("v", spec.options().get("k"));
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionSpec.builder(Direction.TX, " ", new BlobFormat(1)).build());
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionSpec.builder(Direction.TX, "x", new BlobFormat(1)).payloadType(128).build());
    }
}
