package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mcm.api.codec.Codec;
import org.mcm.api.codec.CodecException;
import org.mcm.api.codec.VideoDecoder;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

class CodecServiceTest {

    private static VideoFormat fmt(int w, int h, PixelFormat p) {
        return new VideoFormat(w, h, new Rational(60, 1), p);
    }

    @Test
    void decodesReferenceVectorThroughTheSpi() throws Exception {
        Codec codec = new JpegXsCodec();
        assertEquals("jpegxs", codec.name());
        byte[] jxs = TestData.read("sm422p10_3bpp.jxs");
        byte[] ref = TestData.read("sm422p10_3bpp.dec.raw");
        VideoFormat f = fmt(256, 128, PixelFormat.YUV422P10LE);
        try (VideoDecoder dec = codec.decoder(f, Map.of())) {
            ByteBuffer in = ByteBuffer.wrap(jxs);
            for (int frame = 0; frame < 2; frame++) {
                ByteBuffer out = ByteBuffer.allocateDirect((int) f.bufferSize());
                assertEquals(f.bufferSize(), dec.decode(in, out));
                byte[] got = new byte[out.capacity()];
                out.get(got);
                byte[] want = java.util.Arrays.copyOfRange(ref, frame * got.length, (frame + 1) * got.length);
                assertEquals(TestData.md5(want), TestData.md5(got));
            }
            assertEquals(jxs.length, in.position());
        }
    }

    @Test
    void pgroupRoundTripAndExactSize() throws Exception {
        Codec codec = new JpegXsCodec();
        VideoFormat f = fmt(64, 32, PixelFormat.YUV422_10_PGROUP);
        byte[] raw = new byte[(int) f.bufferSize()];
        // a smooth ramp in every 10-bit field
        Picture p = new Picture(3, new int[] {64, 32, 32}, new int[] {32, 32, 32});
        p.depth = 10;
        for (int c = 0; c < 3; c++) {
            int w = p.width[c];
            for (int i = 0; i < p.planes[c].length; i++) {
                p.planes[c][i] = 200 + 5 * (i % w) + 9 * (i / w) + 60 * c;
            }
        }
        RawLayout.writePgroup422(p, raw, 0);
        try (VideoEncoder enc = codec.encoder(f, Map.of("bpp", "8"));
                VideoDecoder dec = codec.decoder(f, Map.of())) {
            ByteBuffer cs = ByteBuffer.allocate(enc.maxEncodedSize());
            int n = enc.encode(ByteBuffer.wrap(raw), cs);
            assertEquals(64 * 32, n);
            cs.limit(n);
            ByteBuffer out = ByteBuffer.allocate(raw.length);
            dec.decode(cs, out);
            Picture q = new Picture(3, new int[] {64, 32, 32}, new int[] {32, 32, 32});
            q.depth = 10;
            RawLayout.readPgroup422(out.array(), 0, q);
            long se = 0;
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < p.planes[c].length; i++) {
                    long d = p.planes[c][i] - q.planes[c][i];
                    se += d * d;
                }
            }
            assertTrue(se / (64.0 * 32 * 2) < 4, "mse " + se / (64.0 * 32 * 2));
        }
    }

    @Test
    void rejectsBadParametersAndMismatchedStreams() throws Exception {
        Codec codec = new JpegXsCodec();
        VideoFormat f = fmt(256, 128, PixelFormat.YUV422P10LE);
        assertThrows(CodecException.class, () -> codec.encoder(f, Map.of()));
        assertThrows(CodecException.class, () -> codec.encoder(f, Map.of("bpp", "3", "bogus", "1")));
        assertThrows(CodecException.class, () -> codec.decoder(fmt(64, 64, PixelFormat.RGB24), Map.of()));
        try (VideoDecoder dec = codec.decoder(fmt(128, 64, PixelFormat.YUV422P10LE), Map.of())) {
            ByteBuffer out = ByteBuffer.allocate(128 * 64 * 4);
            CodecException e = assertThrows(CodecException.class,
                    () -> dec.decode(ByteBuffer.wrap(TestData.read("sm422p10_3bpp.jxs")), out));
            assertTrue(e.getMessage().contains("256x128"), e.getMessage());
        }
    }
}
