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
        // (v0h5: no vertical level, so the rows reach the buffer from the finished plane instead of the last level)
        for (String name : new String[] {"sm422p10_3bpp", "sm422p10_v0h5_4bpp", "sm422p10_v1h3_4bpp"}) {
            byte[] jxs = TestData.read(name + ".jxs");
            byte[] ref = TestData.read(name + ".dec.raw");
            VideoFormat f = fmt(256, 128, PixelFormat.YUV422P10LE);
            try (VideoDecoder dec = codec.decoder(f, Map.of())) {
                ByteBuffer in = ByteBuffer.wrap(jxs);
                for (int frame = 0; frame < 2; frame++) {
                    ByteBuffer out = ByteBuffer.allocateDirect((int) f.bufferSize());
                    assertEquals(f.bufferSize(), dec.decode(in, out));
                    byte[] got = new byte[out.capacity()];
                    out.get(got);
                    byte[] want = java.util.Arrays.copyOfRange(ref, frame * got.length, (frame + 1) * got.length);
                    assertEquals(TestData.md5(want), TestData.md5(got), name + " frame " + frame);
                }
                assertEquals(jxs.length, in.position());
            }
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

    /**
     * The service encoder reads the raw frame in place (planar 10 and 8 bit, pgroup; heap arrays at an offset and
     * direct buffers as in shared memory) and must write exactly the codestream of the picture path, 1 and 2 threads.
     */
    @Test
    void serviceReadsAndWritesEveryLayoutInPlaceLikeThePicturePath() throws Exception {
        Codec codec = new JpegXsCodec();
        int w = 200, h = 64;
        for (PixelFormat pf : new PixelFormat[] {PixelFormat.YUV422P10LE, PixelFormat.YUV422P8,
                PixelFormat.YUV444P10LE, PixelFormat.YUV422_10_PGROUP}) {
            VideoFormat f = fmt(w, h, pf);
            int depth = JpegXsCodec.depth(pf);
            int[] sx = JpegXsCodec.sx(pf);
            Picture p = new Picture(3, new int[] {w, w / sx[1], w / sx[2]}, new int[] {h, h, h});
            p.depth = depth;
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(pf.ordinal());
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < p.planes[c].length; i++) {
                    int x = i % p.width[c], y = i / p.width[c];
                    double v = (0.5 + 0.3 * Math.sin(x * 0.11 + c) * Math.cos(y * 0.07)) * ((1 << depth) - 1);
                    p.planes[c][i] = (int) Math.max(0, Math.min((1 << depth) - 1, v + rnd.nextInt(9) - 4));
                }
            }
            byte[] raw = new byte[(int) f.bufferSize()];
            if (pf == PixelFormat.YUV422_10_PGROUP) {
                RawLayout.writePgroup422(p, raw, 0);
            } else {
                RawLayout.writePlanar(p, raw, 0);
            }
            for (int threads : new int[] {1, 2}) {
                JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
                cfg.width = w;
                cfg.height = h;
                cfg.sx = sx;
                cfg.depth = depth;
                cfg.bpp = 4;
                cfg.threads = threads;
                byte[] want;
                try (JpegXsEncoder e = new JpegXsEncoder(cfg)) {
                    want = new byte[e.codestreamSize()];
                    e.encode(p, want, 0);
                }
                Map<String, String> params = Map.of("bpp", "4", "threads", Integer.toString(threads));
                try (VideoEncoder enc = codec.encoder(f, params)) {
                    // heap array, frame at an offset inside it, output into a heap buffer at an offset
                    byte[] big = new byte[raw.length + 7];
                    System.arraycopy(raw, 0, big, 5, raw.length);
                    ByteBuffer heapIn = ByteBuffer.wrap(big, 5, raw.length);
                    ByteBuffer heapOut = ByteBuffer.allocate(want.length + 3);
                    heapOut.position(3);
                    assertEquals(want.length, enc.encode(heapIn, heapOut));
                    assertEquals(5, heapIn.position(), "the raw buffer's position stays");
                    assertEquals(TestData.md5(want), TestData.md5(java.util.Arrays.copyOfRange(heapOut.array(), 3,
                            3 + want.length)), pf + " heap, " + threads + " thread(s)");
                    // direct buffers (memif shared memory is one)
                    ByteBuffer directIn = ByteBuffer.allocateDirect(raw.length);
                    directIn.put(raw).flip();
                    ByteBuffer directOut = ByteBuffer.allocateDirect(want.length);
                    assertEquals(want.length, enc.encode(directIn, directOut));
                    byte[] got = new byte[want.length];
                    directOut.get(0, got);
                    assertEquals(TestData.md5(want), TestData.md5(got), pf + " direct, " + threads + " thread(s)");
                }
                // the service decoder writes the frame in place (planar: straight from the last wavelet level)
                // exactly as the picture path's decode followed by the layout conversion
                byte[] wantRaw = new byte[raw.length];
                try (JpegXsDecoder d = new JpegXsDecoder()) {
                    Picture q = d.decode(want, 0, want.length);
                    if (pf == PixelFormat.YUV422_10_PGROUP) {
                        RawLayout.writePgroup422(q, wantRaw, 0);
                    } else {
                        RawLayout.writePlanar(q, wantRaw, 0);
                    }
                }
                try (VideoDecoder dec = codec.decoder(f, Map.of("threads", Integer.toString(threads)))) {
                    byte[] big = new byte[raw.length + 9];
                    java.util.Arrays.fill(big, (byte) 0x5A);
                    ByteBuffer heapOut = ByteBuffer.wrap(big, 4, raw.length);
                    ByteBuffer cs = ByteBuffer.wrap(want);
                    assertEquals(raw.length, dec.decode(cs, heapOut));
                    assertEquals(want.length, cs.position());
                    assertEquals(4, heapOut.position(), "the raw buffer's position stays");
                    assertEquals(TestData.md5(wantRaw), TestData.md5(java.util.Arrays.copyOfRange(big, 4,
                            4 + raw.length)), pf + " decode heap, " + threads + " thread(s)");
                    assertEquals(0x5A, big[3], "nothing before the frame");
                    assertEquals(0x5A, big[4 + raw.length], "nothing after the frame");
                    ByteBuffer directOut = ByteBuffer.allocateDirect(raw.length);
                    ByteBuffer directCs = ByteBuffer.allocateDirect(want.length);
                    directCs.put(want).flip();
                    assertEquals(raw.length, dec.decode(directCs, directOut));
                    byte[] got = new byte[raw.length];
                    directOut.get(0, got);
                    assertEquals(TestData.md5(wantRaw), TestData.md5(got), pf + " decode direct, " + threads
                            + " thread(s)");
                }
            }
        }
    }

    /**
     * The threads the codec asks for a format's real-time rate follow its measured speed: with the native fragment
     * one decoder does 1080p60 and the encoder wants two threads inside a frame; pure Java two each; smaller or
     * slower formats one; 4:4:4 more than 4:2:2; 2160p several. The default service uses whichever is loaded.
     */
    @Test
    void threadsForTheRealTimeRateFollowTheLoadedCode() {
        VideoFormat p1080p60 = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);
        VideoFormat p1080p30 = new VideoFormat(1920, 1080, Rational.of(30000, 1001), PixelFormat.YUV422P10LE);
        VideoFormat p720p60 = new VideoFormat(1280, 720, Rational.of(60, 1), PixelFormat.YUV422P10LE);
        VideoFormat p2160p60 = new VideoFormat(3840, 2160, Rational.of(60, 1), PixelFormat.YUV422P10LE);
        VideoFormat p1080p60x444 = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV444P10LE);
        Map<String, String> bpp3 = Map.of("bpp", "3");
        Codec nat = new JpegXsCodec(true);
        assertEquals(1, nat.decoderThreads(p1080p60, Map.of()));
        assertEquals(2, nat.encoderThreads(p1080p60, bpp3));
        assertEquals(1, nat.decoderThreads(p1080p30, Map.of()));
        assertEquals(1, nat.encoderThreads(p1080p30, bpp3));
        assertEquals(1, nat.encoderThreads(p720p60, bpp3));
        assertEquals(2, nat.decoderThreads(p1080p60x444, Map.of()));
        assertEquals(3, nat.decoderThreads(p2160p60, Map.of()));
        assertEquals(5, nat.encoderThreads(new VideoFormat(3840, 2160, Rational.of(50, 1), PixelFormat.YUV422P10LE),
                bpp3));
        Codec java = new JpegXsCodec(false);
        assertEquals(2, java.decoderThreads(p1080p60, Map.of()));
        assertEquals(2, java.encoderThreads(p1080p60, bpp3));
        assertEquals(1, java.decoderThreads(p720p60, Map.of()));
        assertEquals(1, java.encoderThreads(p720p60, bpp3));
        assertEquals(1, java.decoderThreads(p1080p30, Map.of()));
        assertEquals(1, java.encoderThreads(p1080p30, bpp3));
        Codec loaded = new JpegXsCodec();
        Codec same = JxsNative.available() ? nat : java;
        assertEquals(same.decoderThreads(p1080p60, Map.of()), loaded.decoderThreads(p1080p60, Map.of()));
        assertEquals(same.encoderThreads(p1080p30, bpp3), loaded.encoderThreads(p1080p30, bpp3));
    }
}
