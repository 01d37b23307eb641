package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mcm.api.codec.CodecException;

/**
 * The native slice decoding and inverse wavelet (the fragment's libmcmjxs, on the test class path) give the same samples as the
 * pure-Java decoder: on every reference vector, in each variant this CPU has (scalar C, SSE4.1, AVX2, each forced
 * in turn) against the reference decoder's md5 and the Java path's bytes; on mutated codestreams that still decode
 * (garbage coefficients: wrap-around arithmetic must match) the same as the Java path, and a rejected codestream is
 * rejected by both with the same message; with two threads.
 */
class NativeDecoderTest {

    /** Pure Java (-1), then every native instruction set up to the CPU's best. */
    static int[] variants() {
        assertTrue(JxsNative.available(), "the fragment is on the test class path: " + JxsNative.unavailableReason());
        return java.util.stream.IntStream.rangeClosed(-1, JxsNative.bestIsa()).toArray();
    }

    static List<TestData.Case> cases() throws IOException {
        return TestData.cases();
    }

    @Test
    void theNativeWaveletIsUsedWhereTheFragmentIs() throws Exception {
        assertTrue(JxsNative.bestIsa() >= JxsNative.ISA_SCALAR, JxsNative.unavailableReason());
        try (JpegXsDecoder dec = new JpegXsDecoder()) {
            assertEquals(JxsNative.bestIsa(), dec.nativeIsa());
            byte[] jxs = TestData.read("sm422p10_3bpp.jxs");
            dec.decode(jxs, 0, jxs.length);
            assertEquals(3, dec.nativeComponents(), "every component through the native wavelet");
            assertTrue(dec.nativeSlices() > 0, "slices entropy-decoded natively");
            assertThrows(IllegalArgumentException.class, () -> dec.nativeIsa(JxsNative.bestIsa() + 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyVariantDecodesEveryVectorBitExact(TestData.Case c) throws Exception {
        byte[] jxs = TestData.read(c.name + ".jxs");
        for (int isa : variants()) {
            try (JpegXsDecoder dec = new JpegXsDecoder().nativeIsa(isa)) {
                byte[] out = DecoderConformanceTest.decodeAll(jxs, dec);
                assertEquals(c.md5Dec, TestData.md5(out), "variant " + isa);
                if (isa >= 0) {
                    assertTrue(dec.nativeComponents() > 0, "variant " + isa + " ran the wavelet natively");
                    // uniform quantization is left to the Java path
                    assertEquals(!c.name.contains("uniformq"), dec.nativeSlices() > 0,
                            "variant " + isa + " decoded slices natively: " + dec.nativeSlices());
                    // one thread: the wavelet behind the slices, the bands in rings, unless the Java path decodes
                    assertEquals(!c.name.contains("uniformq"), dec.streamedFrames() > 0,
                            "variant " + isa + " frames slice by slice: " + dec.streamedFrames());
                } else {
                    assertEquals(0, dec.nativeComponents());
                    assertEquals(0, dec.nativeSlices());
                }
            }
        }
    }

    @Test
    void twoThreadsNativeDecodeTheSame() throws Exception {
        for (String name : new String[] {"hd422p10_3bpp", "odd250x130_422p10_4bpp", "sm420p10_3bpp"}) {
            try (JpegXsDecoder dec = new JpegXsDecoder(2)) {
                byte[] out = DecoderConformanceTest.decodeAll(TestData.read(name + ".jxs"), dec);
                assertEquals(TestData.md5(TestData.read(name + ".dec.raw")), TestData.md5(out), name);
                assertTrue(dec.nativeComponents() > 0);
            }
        }
    }

    /**
     * Wide and odd shapes at every rate (round 17: the AVX2 variant reads four groups' data side by side, an
     * 8-group's counts at once and writes the last level's rows with streaming stores, each with a tail and a
     * fallback): 40 random pictures (64-1163 wide, 2-25 high, 8-12 bits, every decomposition, 4:2:2/4:2:0/4:4:4,
     * signs in the data or separate, significance coding on or off, vertical prediction 0-2, 1-12 bpp and 16 bpp
     * every fourth, 12-bit noise at 40 bpp every eighth (up to 13 planes a group: 56 bits with the signs), noise or ramps), encoded by the pure-Java encoder, decoded by every native variant with one
     * thread (slice by slice, the wavelet behind) and by the best with two: each must give the pure-Java decoder's
     * bytes, with every slice decoded natively.
     */
    @Test
    void wideShapesDecodeAsJavaInEveryVariant() throws Exception {
        SplittableRandom r = new SplittableRandom(17);
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
            cfg.significance = r.nextInt(4) != 0;
            cfg.vpred = r.nextInt(3);
            cfg.bpp = i % 4 == 0 ? 16 : 1 + r.nextInt(12);
            boolean noise = r.nextBoolean();
            if (i % 8 == 4) { // 12-bit noise nearly losslessly: groups of 13 planes, 56 bits with the signs
                cfg.depth = 12;
                cfg.bpp = 40;
                noise = true;
            }
            byte[] jxs;
            try (JpegXsEncoder enc = new JpegXsEncoder(cfg).nativeIsa(-1)) {
                Picture in = enc.newPicture();
                byte[] src = new byte[(int) RawLayout.planarSize(in)];
                r.nextBytes(src);
                if (!noise) { // a ramp with a little noise
                    for (int k = 0; k + 1 < src.length; k += 2) {
                        int v = ((k / 2) % 1024) ^ r.nextInt(8);
                        src[k] = (byte) v;
                        src[k + 1] = (byte) (v >> 8);
                    }
                }
                RawLayout.readPlanar(src, 0, in);
                byte[] out = new byte[enc.codestreamSize()];
                jxs = Arrays.copyOf(out, enc.encode(in, out, 0));
            } catch (CodecException | IllegalArgumentException tooSmallOrRateTooLow) {
                continue;
            }
            String what = "wide " + i + " " + cfg.width + "x" + cfg.height + " depth " + cfg.depth + " h" + cfg.decompH
                    + "v" + cfg.decompV + " fmt " + fmt + " signs " + cfg.signs + " sigf " + cfg.significance
                    + " vpred " + cfg.vpred + " " + cfg.bpp + " bpp";
            byte[] java = null;
            for (int isa : variants()) {
                try (JpegXsDecoder dec = new JpegXsDecoder().nativeIsa(isa)) {
                    byte[] out = DecoderConformanceTest.decodeAll(jxs, dec);
                    if (isa < 0) {
                        java = out;
                        continue;
                    }
                    assertArrayEquals(java, out, what + ": variant " + isa);
                    assertTrue(dec.nativeSlices() > 0 && dec.streamedFrames() == 1 && dec.rowsAbandoned() == 0,
                            what + ": variant " + isa + " slices " + dec.nativeSlices() + ", streamed "
                                    + dec.streamedFrames() + ", abandoned " + dec.rowsAbandoned());
                }
            }
            try (JpegXsDecoder dec = new JpegXsDecoder(2)) {
                assertArrayEquals(java, DecoderConformanceTest.decodeAll(jxs, dec), what + ": two threads");
            }
            done++;
        }
        assertTrue(done >= 25, "shapes decoded: " + done);
    }

    /**
     * Mutations of the small vectors (DecoderFuzzTest's): whatever the Java decoder makes of them, each native
     * variant makes the same, sample for sample or rejection for rejection; also 100 truncations of them.
     */
    @Test
    void mutatedAndTruncatedCodestreamsGiveTheSameInJavaAndNative() throws Exception {
        String[] seeds = {"sm422p10_3bpp", "odd250x130_422p10_4bpp", "sm420p10_3bpp", "sm444p10_4bpp",
                "sm422p10_v0h5_4bpp", "sm422p10_v1h3_4bpp", "sm422p8_3bpp", "sm422p10_vpred1_4bpp"};
        int[] variants = variants();
        SplittableRandom rnd = new SplittableRandom(0x0A71_4E5L);
        int decoded = 0, rejected = 0;
        try (JpegXsDecoder java = new JpegXsDecoder().maxPixels(1024 * 1024).nativeIsa(-1)) {
            JpegXsDecoder[] nat = new JpegXsDecoder[variants.length - 1];
            for (int i = 0; i < nat.length; i++) {
                nat[i] = new JpegXsDecoder().maxPixels(1024 * 1024).nativeIsa(variants[i + 1]);
            }
            byte[][] firstFrames = new byte[seeds.length][];
            for (int i = 0; i < seeds.length; i++) {
                byte[] all = TestData.read(seeds[i] + ".jxs");
                firstFrames[i] = Arrays.copyOf(all, all.length / 2);
            }
            for (int it = 0; it < 500; it++) {
                byte[] one = firstFrames[it % seeds.length];
                byte[] in;
                if (it < 400) {
                    in = DecoderFuzzTest.mutate(one, rnd);
                } else { // truncations
                    in = Arrays.copyOf(one, Math.min(one.length, (it - 400) * 97 % one.length));
                }
                if (same(java, nat[it % nat.length], in)) {
                    decoded++;
                } else {
                    rejected++;
                }
            }
            long natSlices = 0, streamed = 0, abandoned = 0;
            for (JpegXsDecoder d : nat) {
                natSlices += d.nativeSlices();
                streamed += d.streamedFrames();
                abandoned += d.rowsAbandoned();
                d.close();
            }
            assertTrue(natSlices > 30, "mutated slices the native code decoded itself: " + natSlices);
            // frames decoded slice by slice to the end, and frames that went the whole-band way part-way through
            assertTrue(streamed > 10 && abandoned > 10, "streamed " + streamed + ", abandoned " + abandoned);
        }
        assertTrue(decoded > 30 && rejected > 30, "decoded " + decoded + ", rejected " + rejected);
    }

    /**
     * inverseRows, fed a few band rows at a time (as the slices come), makes the same samples as inverseComponent
     * at once, scaled or not, for one and two 2-D levels, with the bands whole or in rings; it refuses what does not
     * add up (a short state, rows beyond a band, more than two 2-D levels, counters out of range, a ring row
     * already overwritten) without writing.
     */
    @Test
    void theWaveletRowByRowMakesTheSameAsAtOnce() {
        int isaMax = JxsNative.bestIsa();
        SplittableRandom rnd = new SplittableRandom(11);
        for (int isa = 0; isa <= isaMax; isa++) {
            for (int nv = 1; nv <= 2; nv++) {
                for (int scale = 0; scale <= 1; scale++) {
                    for (int step = 1; step <= 3; step++) {
                        rowsAgainstWhole(isa, nv, 1, scale, step, false, rnd);
                        rowsAgainstWhole(isa, nv, 2, scale, step, true, rnd);
                    }
                }
            }
        }
        // refusals
        int isa = JxsNative.ISA_SCALAR;
        int h = 12, stride = 20;
        // nh = 1: bands 0 (5x6) and 1 (5x6) -> 10 wide; the 2-D level: HL 10x6, LH 10x6, HH 10x6 -> 20x12
        int[][] bands = {new int[30], new int[30], new int[60], new int[60], new int[60]};
        int[] dims = {5, 6, 5, 6, 10, 6, 10, 6, 10, 6};
        int[] img = new int[stride * h], bufA = new int[stride * 6];
        int[] avail = {6, 6, 6, 6, 6, 0, 0, 0, 0, 0};
        int[] state = new int[JxsNative.rowStateLength(stride, 1)];
        assertEquals(h, JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0, avail,
                state.clone()));
        assertTrue(JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0, avail,
                new int[state.length - 1]) < 0, "short state");
        assertTrue(JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0,
                Arrays.copyOf(avail, 5), state.clone()) < 0, "no ring rows");
        int[] beyond = avail.clone();
        beyond[2] = 7;
        assertTrue(JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0, beyond,
                state.clone()) < 0, "rows beyond a band");
        int[] bad = state.clone();
        bad[1 + 1] = 7; // level 0's iterations beyond its 6 H rows
        assertTrue(JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0, avail, bad) < 0,
                "counter out of range");
        int[] ring = avail.clone();
        ring[5] = 2; // band 0 kept in 2 rows while 6 are in and none read: rows 0..3 overwritten
        assertTrue(JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0, ring,
                state.clone()) < 0, "ring row overwritten");
        assertTrue(JxsNative.inverseRows(isa, new int[13][], new int[26], 0, 4, img, stride, bufA, bufA, 0, 0, 0, 0,
                new int[26], new int[JxsNative.rowStateLength(stride, 4)]) < 0, "more than two 2-D levels");
        assertTrue(JxsNative.inverseRows(isa, bands, dims, 1, 1, img, stride, bufA, null, 0, 0, 0, 0, avail, null) < 0,
                "no state");
    }

    /**
     * A random component of nv 2-D levels and nh = 2 horizontal-only ones: inverseComponent at once against
     * inverseRows fed `step` rows of the lowest band (and the matching rows of the others) a call; rings of
     * `ringSlack` slices' rows plus a few when rings is set.
     */
    private static void rowsAgainstWhole(int isa, int nv, int ringSlack, int scale, int step, boolean rings,
            SplittableRandom rnd) {
        int nh = 2;
        int lowW = 3, lowH = 5 + rnd.nextInt(4);
        int n = 1 + nh + 3 * nv;
        int[] dims = new int[2 * n];
        int[] lines = new int[n];
        int curW = lowW, curH = lowH;
        dims[0] = lowW;
        dims[1] = lowH;
        lines[0] = 1;
        for (int i = 1; i <= nh; i++) {
            int hw = curW - (i == 1 ? 1 : 0);
            dims[2 * i] = hw;
            dims[2 * i + 1] = curH;
            lines[i] = 1;
            curW += hw;
        }
        int i = 1 + nh;
        for (int k = 0; k < nv; k++, i += 3) {
            int hw = curW, nH = curH - (k == 0 ? 1 : 0);
            dims[2 * i] = hw;
            dims[2 * i + 1] = curH;
            dims[2 * (i + 1)] = curW;
            dims[2 * (i + 1) + 1] = nH;
            dims[2 * (i + 2)] = hw;
            dims[2 * (i + 2) + 1] = nH;
            lines[i] = lines[i + 1] = lines[i + 2] = 1 << k;
            curW += hw;
            curH += nH;
        }
        int stride = curW, height = curH;
        int[][] bands = new int[n][];
        for (int b = 0; b < n; b++) {
            bands[b] = new int[dims[2 * b] * dims[2 * b + 1]];
            for (int j = 0; j < bands[b].length; j++) {
                bands[b][j] = rnd.nextInt(8) == 0 ? rnd.nextInt() : rnd.nextInt(-600, 600);
            }
        }
        int add = 512, dz = 2, max = 1023;
        int[] whole = new int[stride * height];
        int[] a = new int[stride * height], bb = new int[stride * height];
        assertEquals(0, JxsNative.inverseComponent(isa, bands, dims, nh, nv, whole, stride, a, bb, scale, add, dz, max));
        // rows: the bands as rings (or whole), filled as the "precinct rows" come
        int pyAll = lowH;
        int[] ringRows = new int[n];
        int[][] kept = new int[n][];
        for (int b = 0; b < n; b++) {
            ringRows[b] = rings ? Math.min(dims[2 * b + 1], lines[b] * (step * ringSlack + 4)) : 0;
            kept[b] = rings ? new int[ringRows[b] * dims[2 * b]] : bands[b];
        }
        int[] img = new int[stride * height];
        int[] bufA = new int[stride * lowH], bufB = nv > 1 ? new int[stride * height] : null;
        int[] state = new int[JxsNative.rowStateLength(stride, nv)];
        int[] avail = new int[2 * n];
        System.arraycopy(ringRows, 0, avail, n, n);
        int made = 0;
        for (int py = 0; py < pyAll; ) {
            int to = Math.min(pyAll, py + step);
            for (int b = 0; b < n && rings; b++) {
                int bw = dims[2 * b], bh = dims[2 * b + 1];
                for (int r = py * lines[b]; r < Math.min(bh, to * lines[b]); r++) {
                    System.arraycopy(bands[b], r * bw, kept[b], (r % ringRows[b]) * bw, bw);
                }
            }
            for (int b = 0; b < n; b++) {
                avail[b] = Math.min(dims[2 * b + 1], to * lines[b]);
            }
            made = JxsNative.inverseRows(isa, kept, dims, nh, nv, img, stride, bufA, bufB, scale, add, dz, max, avail,
                    state);
            assertTrue(made >= 0, "inverseRows " + made);
            py = to;
        }
        assertEquals(height, made, "every row made");
        assertArrayEquals(whole, img, "isa " + isa + " nv " + nv + " scale " + scale + " step " + step + " rings "
                + rings);
    }

    /** True when both decoded (to the same planes), false when both rejected (with the same message). */
    private static boolean same(JpegXsDecoder java, JpegXsDecoder nat, byte[] in) {
        Picture a = null, b = null;
        String ea = null, eb = null;
        try {
            a = java.decode(in, 0, in.length);
        } catch (CodecException e) {
            ea = e.getMessage();
        }
        try {
            b = nat.decode(in, 0, in.length);
        } catch (CodecException e) {
            eb = e.getMessage();
        }
        assertEquals(ea, eb, "the same verdict");
        if (a == null) {
            return false;
        }
        assertEquals(a.nc, b.nc);
        for (int c = 0; c < a.nc; c++) {
            assertArrayEquals(a.planes[c], b.planes[c], "component " + c);
        }
        return true;
    }
}
