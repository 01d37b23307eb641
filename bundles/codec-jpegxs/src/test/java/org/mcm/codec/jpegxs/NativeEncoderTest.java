package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mcm.api.codec.CodecException;

/**
 * The native forward wavelet with its rounding, the native rate control and the native precinct writing (the
 * fragment's libmcmjxs, on the test class path) give the same
 * codestream bytes as the pure-Java encoder, in each variant this CPU has (scalar C, SSE4.1, AVX2, AVX-512, each
 * forced in turn): with every reference vector's settings on its source (deadzone and uniform quantization, separate signs, no
 * significance flags, vertical prediction, 4:2:0, 4:4:4, 8-bit, odd sizes, v0h5, v1h3), the hd picture at 2 to 16 bpp
 * with vertical prediction, 2 threads, RGB with the colour transform, raw planar and pgroup frames as the source, and random
 * small pictures of many shapes; and the C code refuses arguments that do not add up. (That the native encoder's
 * output decodes as the reference says is EncoderConformanceTest's job: it runs with the native code by default.)
 */
class NativeEncoderTest {

    static int[] variants() {
        return NativeDecoderTest.variants();
    }

    static List<TestData.Case> cases() throws IOException {
        return TestData.cases();
    }

    /** Encodes every frame of src with cfg in each variant; all must give the Java path's bytes. */
    private static void sameInEveryVariant(JpegXsEncoder.Config cfg, byte[] src, String what) throws Exception {
        byte[] javaBytes = null;
        for (int isa : variants()) {
            try (JpegXsEncoder enc = new JpegXsEncoder(cfg).nativeIsa(isa)) {
                Picture in = enc.newPicture();
                int frameBytes = (int) RawLayout.planarSize(in);
                int frames = Math.max(1, src.length / frameBytes);
                byte[] all = new byte[frames * enc.codestreamSize()];
                for (int f = 0; f < frames; f++) {
                    RawLayout.readPlanar(src, f * frameBytes, in);
                    enc.encode(in, all, f * enc.codestreamSize());
                }
                if (isa < 0) {
                    assertEquals(0, enc.nativeComponents(), what);
                    assertEquals(0, enc.nativePlanned(), what);
                    assertEquals(0, enc.nativePrecincts(), what);
                    javaBytes = all;
                } else {
                    assertEquals(frames * cfg.components(), enc.nativeComponents(),
                            what + ": variant " + isa + " transformed every component natively");
                    // uniform quantization is packed in Java
                    assertEquals(cfg.quantization == 0 ? frames * enc.state().g.npy : 0, enc.nativePrecincts(),
                            what + ": variant " + isa + " wrote every precinct natively");
                    // uniform quantization with separate signs is planned in Java
                    assertEquals(cfg.quantization != 0 && cfg.signs != 0 ? 0 : frames * enc.state().g.npy,
                            enc.nativePlanned(), what + ": variant " + isa + " planned every precinct natively");
                    assertArrayEquals(javaBytes, all, what + ": variant " + isa);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyVectorsSettingsGiveTheJavaBytes(TestData.Case c) throws Exception {
        sameInEveryVariant(EncoderConformanceTest.config(c), TestData.read(c.name + ".src.raw"), c.name);
    }

    @Test
    void hdAtEveryRateWithVerticalPredictionAndTwoThreads() throws Exception {
        TestData.Case hd = TestData.cases().stream().filter(k -> k.name.equals("hd422p10_3bpp")).findFirst()
                .orElseThrow();
        byte[] src = TestData.read(hd.name + ".src.raw");
        for (double bpp : new double[] {2, 3, 4, 6, 16}) {
            JpegXsEncoder.Config cfg = EncoderConformanceTest.config(hd);
            cfg.bpp = bpp;
            cfg.vpred = bpp == 3 ? 2 : 1;
            cfg.threads = bpp == 4 ? 2 : 1;
            cfg.signs = bpp == 6 ? 1 : 0;
            sameInEveryVariant(cfg, src, "hd " + bpp + " bpp");
        }
    }

    @Test
    void rgbWithColourTransform() throws Exception {
        JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
        cfg.width = 256;
        cfg.height = 64;
        cfg.sx = new int[] {1, 1, 1};
        cfg.sy = new int[] {1, 1, 1};
        cfg.bpp = 8;
        cfg.colourTransform = 1;
        sameInEveryVariant(cfg, TestData.read("sm444p10_4bpp.src.raw"), "RGB");
    }

    /**
     * Raw frames, the service's sources, give the picture's bytes: planar 10-bit and 8-bit read in place by the C code
     * (a heap buffer, a heap buffer at an offset into its array, a direct buffer) and pgroup (read into the worker's
     * plane first).
     */
    @Test
    void rawFrameSources() throws Exception {
        for (String name : new String[] {"odd250x130_422p10_4bpp", "sm422p8_3bpp"}) {
            TestData.Case c = TestData.cases().stream().filter(k -> k.name.equals(name)).findFirst().orElseThrow();
            byte[] src = TestData.read(c.name + ".src.raw");
            JpegXsEncoder.Config cfg = EncoderConformanceTest.config(c);
            byte[] ref;
            int frameBytes;
            try (JpegXsEncoder enc = new JpegXsEncoder(cfg).nativeIsa(-1)) {
                Picture in = enc.newPicture();
                frameBytes = (int) RawLayout.planarSize(in);
                RawLayout.readPlanar(src, 0, in);
                ref = new byte[enc.codestreamSize()];
                enc.encode(in, ref, 0);
            }
            byte[] shifted = new byte[frameBytes + 3];
            System.arraycopy(src, 0, shifted, 3, frameBytes);
            ByteBuffer direct = ByteBuffer.allocateDirect(frameBytes);
            direct.put(src, 0, frameBytes).flip();
            ByteBuffer[] frames = {ByteBuffer.wrap(src, 0, frameBytes), ByteBuffer.wrap(shifted, 3, frameBytes), direct};
            for (int isa : variants()) {
                try (JpegXsEncoder enc = new JpegXsEncoder(cfg).nativeIsa(isa)) {
                    int[] w = {enc.componentWidth(0), enc.componentWidth(1), enc.componentWidth(2)};
                    int[] h = {enc.componentHeight(0), enc.componentHeight(1), enc.componentHeight(2)};
                    for (int f = 0; f < frames.length; f++) {
                        byte[] got = new byte[enc.codestreamSize()];
                        enc.encode(SampleSource.planar(frames[f].duplicate(), w, h, cfg.depth), got, 0);
                        assertArrayEquals(ref, got, name + ": planar frame " + f + ", variant " + isa);
                    }
                    assertEquals(isa < 0 ? 0 : 3 * frames.length, enc.nativeComponents());
                    assertEquals(isa < 0 ? 0 : 3 * frames.length, enc.state().nativeRawInPlace.get(),
                            "the planar frames read in place");
                    if (cfg.depth == 10) {
                        byte[] got = new byte[enc.codestreamSize()];
                        enc.encode(SampleSource.pgroup422(ByteBuffer.wrap(pgroup(src, w[0], h[0])), w[0]), got, 0);
                        assertArrayEquals(ref, got, name + ": pgroup frame, variant " + isa);
                    }
                }
            }
        }
    }

    /** A yuv422p10le frame as RFC 4175 pgroups: Cb Y0 Cr Y1, 40 bits big-endian per 2 pixels. */
    private static byte[] pgroup(byte[] planar, int width, int height) {
        int cw = width / 2;
        byte[] out = new byte[width * height / 2 * 5];
        int o = 0;
        for (int y = 0; y < height; y++) {
            for (int i = 0; i < cw; i++) {
                long y0 = sample(planar, y * width + 2 * i), y1 = sample(planar, y * width + 2 * i + 1);
                long cb = sample(planar, width * height + y * cw + i);
                long cr = sample(planar, width * height + cw * height + y * cw + i);
                long v = (cb << 30) | (y0 << 20) | (cr << 10) | y1;
                for (int k = 4; k >= 0; k--) {
                    out[o++] = (byte) (v >> (8 * k));
                }
            }
        }
        return out;
    }

    private static int sample(byte[] le16, int i) {
        return ((le16[2 * i] & 0xFF) | ((le16[2 * i + 1] & 0xFF) << 8)) & 0x3FF;
    }

    /** Random content and shapes: odd and tiny sizes, every decomposition, both quantizations, 8 to 12 bits. */
    @Test
    void randomShapes() throws Exception {
        SplittableRandom r = new SplittableRandom(14);
        int done = 0;
        for (int i = 0; i < 200; i++) {
            JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
            cfg.width = 1 + r.nextInt(r.nextBoolean() ? 12 : 300);
            cfg.height = 1 + r.nextInt(r.nextBoolean() ? 6 : 70);
            cfg.depth = 8 + r.nextInt(5);
            cfg.decompH = 1 + r.nextInt(5);
            cfg.decompV = r.nextInt(Math.min(2, cfg.decompH) + 1);
            int fmt = r.nextInt(3);
            cfg.sx = fmt == 2 ? new int[] {1, 1, 1} : new int[] {1, 2, 2};
            cfg.sy = fmt == 1 ? new int[] {1, 2, 2} : new int[] {1, 1, 1};
            cfg.quantization = r.nextInt(2);
            cfg.signs = r.nextInt(2);
            cfg.vpred = r.nextInt(3);
            cfg.bpp = 1 + r.nextInt(12);
            byte[] src;
            try (JpegXsEncoder probe = new JpegXsEncoder(cfg)) {
                Picture p = probe.newPicture();
                src = new byte[(int) RawLayout.planarSize(p)];
            } catch (CodecException | IllegalArgumentException tooSmall) {
                continue; // a shape the encoder refuses (too small for the decomposition, a rate too low)
            }
            r.nextBytes(src);
            if (r.nextBoolean()) { // smooth content too: a ramp with a little noise
                for (int k = 0; k + 1 < src.length; k += 2) {
                    int v = ((k / 2) % 1024) ^ (r.nextInt(8));
                    src[k] = (byte) v;
                    src[k + 1] = (byte) (v >> 8);
                }
            }
            try {
                sameInEveryVariant(cfg, src, "random " + i + " " + cfg.width + "x" + cfg.height + " depth "
                        + cfg.depth + " h" + cfg.decompH + "v" + cfg.decompV + " fmt " + fmt + " q" + cfg.quantization);
                done++;
            } catch (CodecException rateTooLow) {
                assertTrue(rateTooLow.getMessage().contains("rate"), rateTooLow.getMessage());
            }
        }
        assertTrue(done >= 40, "shapes encoded: " + done);
    }

    /**
     * Wide band rows (8 groups and more, so the AVX2 variant's rounding and data packing work 8 groups a step, with
     * odd widths leaving a partial 8-group and a partial group): after a frame, every variant's packing words, counts,
     * 8-group maxima and row statistics equal the pure-Java encoder's, and so do the bytes, at rates from 1 to 16 bpp
     * (the high ones on noise give groups of 7 and more planes, whose pairs do not fit the 56-bit accumulator and go
     * one group at a time), with signs interleaved or separate (the statistics then hold the bit lengths).
     */
    @Test
    void wideRowsGiveTheJavaStateAndBytesInEveryVariant() throws Exception {
        SplittableRandom r = new SplittableRandom(16);
        int done = 0;
        for (int i = 0; i < 40; i++) {
            JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
            cfg.width = 64 + r.nextInt(1100);
            cfg.height = 2 + r.nextInt(24);
            cfg.depth = 8 + r.nextInt(5);
            cfg.decompH = 1 + r.nextInt(5);
            cfg.decompV = r.nextInt(Math.min(2, cfg.decompH) + 1);
            int fmt = r.nextInt(3);
            cfg.sx = fmt == 2 ? new int[] {1, 1, 1} : new int[] {1, 2, 2};
            cfg.sy = fmt == 1 ? new int[] {1, 2, 2} : new int[] {1, 1, 1};
            cfg.signs = r.nextInt(2);
            cfg.vpred = r.nextInt(3);
            cfg.bpp = i % 4 == 0 ? 16 : 1 + r.nextInt(12);
            boolean noise = r.nextBoolean();
            byte[] src;
            try (JpegXsEncoder probe = new JpegXsEncoder(cfg)) {
                src = new byte[(int) RawLayout.planarSize(probe.newPicture())];
            } catch (CodecException | IllegalArgumentException tooSmall) {
                continue;
            }
            r.nextBytes(src);
            if (!noise) { // a ramp with a little noise
                for (int k = 0; k + 1 < src.length; k += 2) {
                    int v = ((k / 2) % 1024) ^ r.nextInt(8);
                    src[k] = (byte) v;
                    src[k + 1] = (byte) (v >> 8);
                }
            }
            String what = "wide " + i + " " + cfg.width + "x" + cfg.height + " depth " + cfg.depth + " h" + cfg.decompH
                    + "v" + cfg.decompV + " fmt " + fmt + " signs " + cfg.signs + " " + cfg.bpp + " bpp";
            EncoderState java = null;
            byte[] javaBytes = null;
            try {
                for (int isa : variants()) {
                    try (JpegXsEncoder enc = new JpegXsEncoder(cfg).nativeIsa(isa)) {
                        Picture in = enc.newPicture();
                        RawLayout.readPlanar(src, 0, in);
                        byte[] out = new byte[enc.codestreamSize()];
                        enc.encode(in, out, 0);
                        EncoderState s = enc.state();
                        if (isa < 0) {
                            java = s;
                            javaBytes = out;
                            continue;
                        }
                        assertEquals(cfg.components(), enc.nativeComponents(), what);
                        for (int b = 0; b < s.words.length; b++) {
                            assertArrayEquals(java.words[b], s.words[b], what + ": variant " + isa + " words of band " + b);
                            assertArrayEquals(java.gcli[b], s.gcli[b], what + ": variant " + isa + " counts of band " + b);
                            assertArrayEquals(java.gmax[b], s.gmax[b], what + ": variant " + isa + " maxima of band " + b);
                        }
                        assertArrayEquals(java.rowStats, s.rowStats, what + ": variant " + isa + " row statistics");
                        assertEquals(s.g.npy, enc.nativePrecincts(), what + ": variant " + isa + " packed natively");
                        assertArrayEquals(javaBytes, out, what + ": variant " + isa);
                    }
                }
                done++;
            } catch (CodecException rateTooLow) {
                assertTrue(rateTooLow.getMessage().contains("rate"), rateTooLow.getMessage());
            }
        }
        assertTrue(done >= 25, "shapes encoded: " + done);
    }

    /**
     * The band rows' ends (the AVX-512 variant rounds 16 groups a step and the row's last step with masked loads and
     * stores; the others 8 or 1): band widths of every remainder modulo 64 values, the forward wavelet called
     * directly in every variant with each band's counts, maxima and packing words in arrays longer than the band,
     * filled with a sentinel: every variant writes exactly the scalar variant's values into the band's part and
     * nothing past it (the last row of a band is the one whose overrun would land outside its band).
     */
    @Test
    void bandRowEndsAreNotOverrunInAnyVariant() throws Exception {
        SplittableRandom r = new SplittableRandom(18);
        final int pad = 80;
        int calls = 0, bits = 0;
        for (int width = 128; width < 128 + 2 * 64 + 3; width++) {
            JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
            cfg.width = width;
            cfg.height = 3 + (width & 3);
            cfg.decompH = 2;
            cfg.decompV = 1;
            cfg.sx = new int[] {1, 1, 1};
            cfg.sy = new int[] {1, 1, 1};
            cfg.bpp = 4;
            cfg.signs = width & 1; // separate signs: the statistics hold the bit lengths (the rounded values kept)
            try (JpegXsEncoder enc = new JpegXsEncoder(cfg)) {
                EncoderState s = enc.state();
                final int w = cfg.width, h = cfg.height;
                int[] src = new int[w * h];
                for (int i = 0; i < src.length; i++) {
                    src[i] = r.nextInt(1024);
                }
                int nh = s.g.dh[0] - s.g.dv[0], nv = s.g.dv[0];
                int flags = 1 | (s.statsBits ? 2 : 0); // deadzone
                bits += s.statsBits ? 1 : 0;
                int nb = s.nGcli[0].length;
                byte[][] refG = null;
                int[][] refM = null;
                long[][] refW = null;
                char[] refStats = null;
                for (int isa = JxsNative.ISA_SCALAR; isa <= JxsNative.bestIsa(); isa++) {
                    byte[][] g = new byte[nb][];
                    int[][] m = new int[nb][];
                    Object[] c = new Object[nb];
                    for (int b = 0; b < nb; b++) {
                        g[b] = new byte[s.nGcli[0][b].length + pad];
                        m[b] = new int[s.nGmax[0][b].length + pad];
                        long[] words = new long[((long[]) s.nCoef[0][b]).length + pad];
                        java.util.Arrays.fill(g[b], (byte) 0x5A);
                        java.util.Arrays.fill(m[b], 0x5A5A5A5A);
                        java.util.Arrays.fill(words, 0x5A5A5A5A5A5A5A5AL);
                        c[b] = words;
                    }
                    char[] stats = new char[s.rowStats.length];
                    String what = "width " + w + " height " + h + " variant " + isa;
                    assertEquals(0, JxsNative.forwardComponent(isa, src, 0, w, 4, w, h, cfg.depth, nh, nv,
                            new int[w * h], new int[w * h], g, m, c, s.nDims[0], stats, s.statRows, s.hSize, flags),
                            what);
                    calls++;
                    if (isa == JxsNative.ISA_SCALAR) {
                        refG = g;
                        refM = m;
                        refW = new long[nb][];
                        for (int b = 0; b < nb; b++) {
                            refW[b] = (long[]) c[b];
                        }
                        refStats = stats;
                    }
                    for (int b = 0; b < nb; b++) {
                        int gl = s.nGcli[0][b].length, ml = s.nGmax[0][b].length, wl = ((long[]) s.nCoef[0][b]).length;
                        long[] words = (long[]) c[b];
                        assertArrayEquals(java.util.Arrays.copyOf(refG[b], gl), java.util.Arrays.copyOf(g[b], gl),
                                what + ": counts of band " + b);
                        assertArrayEquals(java.util.Arrays.copyOf(refM[b], ml), java.util.Arrays.copyOf(m[b], ml),
                                what + ": maxima of band " + b);
                        assertArrayEquals(java.util.Arrays.copyOf(refW[b], wl), java.util.Arrays.copyOf(words, wl),
                                what + ": words of band " + b);
                        for (int k = 0; k < pad; k++) {
                            assertEquals((byte) 0x5A, g[b][gl + k], what + ": count past band " + b + " at " + k);
                            assertEquals(0x5A5A5A5A, m[b][ml + k], what + ": maximum past band " + b + " at " + k);
                            assertEquals(0x5A5A5A5A5A5A5A5AL, words[wl + k], what + ": word past band " + b + " at " + k);
                        }
                    }
                    assertArrayEquals(refStats, stats, what + ": row statistics");
                }
            }
        }
        assertTrue(calls >= 131, "calls: " + calls);
        assertTrue(bits > 0 && bits < 131, "widths with the bit lengths: " + bits);
    }

    /** Arguments that do not add up are refused before anything is read or written. */
    @Test
    void badArgumentsAreRefused() throws Exception {
        JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
        cfg.width = 64;
        cfg.height = 16;
        try (JpegXsEncoder enc = new JpegXsEncoder(cfg)) {
            EncoderState s = enc.state();
            int isa = JxsNative.bestIsa();
            int[] src = new int[64 * 16];
            int[] bufA = new int[64 * 8], bufB = new int[64 * 4];
            int c = 0;
            int nh = s.g.dh[c] - s.g.dv[c], nv = s.g.dv[c];
            int flags = s.deadzone ? 1 : 0;
            // the good call first: it works
            assertEquals(0, JxsNative.forwardComponent(isa, src, 0, 64, 4, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags));
            // a source too short, a stride below the width, a wrong band size, a short statistics array, buffers
            // too small, an unknown instruction set, a wrong array type
            assertTrue(JxsNative.forwardComponent(isa, new int[64 * 15], 0, 64, 4, 64, 16, 10, nh, nv, bufA, bufB,
                    s.nGcli[c], s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa, src, 0, 63, 4, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            int[] dims = s.nDims[c].clone();
            dims[0]++;
            assertTrue(JxsNative.forwardComponent(isa, src, 0, 64, 4, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], dims, s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa, src, 0, 64, 4, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], new char[10], s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa, src, 0, 64, 4, 64, 16, 10, nh, nv, new int[64], bufB,
                    s.nGcli[c], s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa + 1, src, 0, 64, 4, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa, src, 0, 64, 4, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags ^ 1) < 0);
            // the packing: precincts beyond the picture's, a short plan
            assertTrue(JxsNative.packPrecincts(isa, new byte[enc.codestreamSize()], 0, s.g.npy + 1,
                    s.nativePackPlan, s.planQ, s.planR, s.planPadded, s.planOffset, s.planSize, s.planMode,
                    s.pktData, s.pktCnt, s.pktSign, s.pktRaw, s.gcli, s.gmax, s.words) < 0);
            assertTrue(JxsNative.packPrecincts(isa, new byte[enc.codestreamSize()], 0, 1,
                    java.util.Arrays.copyOf(s.nativePackPlan, 20), s.planQ, s.planR, s.planPadded, s.planOffset,
                    s.planSize, s.planMode, s.pktData, s.pktCnt, s.pktSign, s.pktRaw, s.gcli, s.gmax, s.words) < 0);
            // raw sources: a direct buffer one byte short, raw samples without scaling, an int[] as 16-bit samples
            ByteBuffer raw = ByteBuffer.allocateDirect(64 * 16 * 2 - 1);
            assertTrue(JxsNative.forwardComponent(isa, raw, 0, 64, 2, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa, new byte[64 * 16 * 2], 0, 64, 2, 64, 16, 0, nh, nv, bufA,
                    bufB, s.nGcli[c], s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertTrue(JxsNative.forwardComponent(isa, src, 0, 64, 2, 64, 16, 10, nh, nv, bufA, bufB, s.nGcli[c],
                    s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats, s.statRows, s.hSize, flags) < 0);
            assertEquals(0, JxsNative.forwardComponent(isa, ByteBuffer.allocateDirect(64 * 16 * 2), 0, 64, 2, 64,
                    16, 10, nh, nv, bufA, bufB, s.nGcli[c], s.nGmax[c], s.nCoef[c], s.nDims[c], s.rowStats,
                    s.statRows, s.hSize, flags));
            assertThrows(IllegalArgumentException.class, () -> enc.nativeIsa(JxsNative.bestIsa() + 1));
        }
    }
}
