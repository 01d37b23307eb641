package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mcm.api.codec.CodecException;

/**
 * The native rate control (mcmjxsenc.c, part 3) against the Java one (RateControl) on the same pictures: two
 * encoders with the same native wavelet and packing, one planning in C and one in Java, must make the same decision
 * for every precinct (Q, R, size, padding, offset, the coding mode of every band, every packet's raw flag and field
 * sizes, the truncations carried to the next precinct) and the same codestream bytes, frame after frame; and throw
 * the same exception where the rate is too low. In every native variant this CPU has, for the reference vectors'
 * settings, the hd picture at several rates with and without vertical prediction, random odd shapes and rates.
 */
class NativeRateControlTest {

    static int[] nativeVariants() {
        assertTrue(JxsNative.available(), "the fragment is on the test class path: " + JxsNative.unavailableReason());
        return java.util.stream.IntStream.rangeClosed(0, JxsNative.bestIsa()).toArray();
    }

    /** Whether the C code plans with these settings (not: uniform quantization with separate signs). */
    private static boolean planable(JpegXsEncoder.Config cfg) {
        return !(cfg.signs != 0 && cfg.quantization != 0);
    }

    /**
     * Encodes every frame of src (planar, as RawLayout reads it; at most maxFrames) with cfg twice in each variant,
     * the rate control in C and in Java, and compares every decision and the bytes after each frame. Returns the
     * frames both encoded in each variant (the others threw the same exception in both).
     */
    private static int samePlans(JpegXsEncoder.Config cfg, byte[] src, int maxFrames, String what) throws Exception {
        int encoded = 0;
        for (int isa : nativeVariants()) {
            encoded = 0;
            try (JpegXsEncoder c = new JpegXsEncoder(cfg).nativeIsa(isa);
                    JpegXsEncoder j = new JpegXsEncoder(cfg).nativeIsa(isa).nativeRateControl(false)) {
                Picture in = c.newPicture();
                int frameBytes = (int) RawLayout.planarSize(in);
                int frames = Math.min(maxFrames, Math.max(1, src.length / frameBytes));
                int npy = c.state().g.npy;
                int planned = 0;
                for (int f = 0; f < frames; f++) {
                    RawLayout.readPlanar(src, f * frameBytes, in);
                    byte[] outC = new byte[c.codestreamSize()], outJ = new byte[j.codestreamSize()];
                    String wf = what + ", variant " + isa + ", frame " + f;
                    CodecException ec = null, ej = null;
                    int before = c.nativePlanned();
                    try {
                        c.encode(in, outC, 0);
                    } catch (CodecException e) {
                        ec = e;
                    }
                    try {
                        j.encode(in, outJ, 0);
                    } catch (CodecException e) {
                        ej = e;
                    }
                    if (ec != null || ej != null) {
                        assertNotNull(ec, wf + ": only the Java rate control threw " + ej);
                        assertNotNull(ej, wf + ": only the C rate control threw " + ec);
                        assertEquals(ej.getMessage(), ec.getMessage(), wf);
                        assertTrue(c.nativePlanned() - before < npy, wf + ": the C code stopped where Java throws");
                        planned += c.nativePlanned() - before;
                        continue;
                    }
                    samePlan(c.state(), j.state(), wf);
                    assertArrayEquals(outJ, outC, wf + ": codestream");
                    encoded++;
                    planned += npy;
                }
                assertEquals(0, j.nativePlanned(), what + ": the Java encoder planned in Java");
                assertEquals(planable(cfg) ? planned : 0, c.nativePlanned(), what + ", variant " + isa
                        + ": the C code planned every precinct it could");
            }
        }
        return encoded;
    }

    /** Every decision of the last frame's plan. */
    private static void samePlan(EncoderState c, EncoderState j, String what) {
        assertArrayEquals(j.planQ, c.planQ, what + ": Q");
        assertArrayEquals(j.planR, c.planR, what + ": R");
        assertArrayEquals(j.planSize, c.planSize, what + ": precinct sizes");
        assertArrayEquals(j.planPadded, c.planPadded, what + ": padded sizes");
        assertArrayEquals(j.planOffset, c.planOffset, what + ": offsets");
        assertArrayEquals(j.planMode, c.planMode, what + ": band coding modes");
        assertArrayEquals(j.pktData, c.pktData, what + ": data sub-packet sizes");
        assertArrayEquals(j.pktCnt, c.pktCnt, what + ": count sub-packet sizes");
        assertArrayEquals(j.pktSign, c.pktSign, what + ": sign sub-packet sizes");
        assertArrayEquals(j.pktRaw, c.pktRaw, what + ": raw count packets");
        assertArrayEquals(j.prevGtl, c.prevGtl, what + ": truncations of the last precinct");
        assertEquals(j.lastQ, c.lastQ, what + ": last Q");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.mcm.codec.jpegxs.NativeEncoderTest#cases")
    void everyVectorsSettings(TestData.Case c) throws Exception {
        JpegXsEncoder.Config cfg = EncoderConformanceTest.config(c);
        assertTrue(samePlans(cfg, TestData.read(c.name + ".src.raw"), 4, c.name) > 0, c.name);
    }

    /** The hd picture at several rates, vertical prediction off and in both forms, separate signs, two threads. */
    @Test
    void hdAtSeveralRates() throws Exception {
        TestData.Case hd = TestData.cases().stream().filter(k -> k.name.equals("hd422p10_3bpp")).findFirst()
                .orElseThrow();
        byte[] src = TestData.read(hd.name + ".src.raw");
        double[] rates = {1.5, 2, 3, 4, 6, 9.5};
        for (int i = 0; i < rates.length; i++) {
            JpegXsEncoder.Config cfg = EncoderConformanceTest.config(hd);
            cfg.bpp = rates[i];
            cfg.vpred = i % 3;
            cfg.signs = i == 4 ? 1 : 0;
            cfg.threads = i == 2 || i == 5 ? 2 : 1;
            assertEquals(1, samePlans(cfg, src, 1, "hd " + rates[i] + " bpp vpred " + cfg.vpred), "hd " + rates[i]);
        }
    }

    /**
     * Random odd shapes, decompositions, formats, quantizations, sign and significance coding, vertical prediction and
     * rates (down to rates too low, where both must throw the same exception), several frames each (the plan of one
     * frame must not leak into the next).
     */
    @Test
    void randomShapesAndRates() throws Exception {
        SplittableRandom r = new SplittableRandom(1414);
        int encoded = 0, refused = 0;
        for (int i = 0; i < 400; i++) {
            JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
            cfg.width = 1 + r.nextInt(r.nextBoolean() ? 20 : 400);
            cfg.height = 1 + r.nextInt(r.nextBoolean() ? 9 : 90);
            cfg.depth = 8 + r.nextInt(5);
            cfg.decompH = 1 + r.nextInt(5);
            cfg.decompV = r.nextInt(Math.min(2, cfg.decompH) + 1);
            int fmt = r.nextInt(3);
            cfg.sx = fmt == 2 ? new int[] {1, 1, 1} : new int[] {1, 2, 2};
            cfg.sy = fmt == 1 ? new int[] {1, 2, 2} : new int[] {1, 1, 1};
            cfg.quantization = r.nextInt(4) == 0 ? 1 : 0;
            cfg.signs = r.nextInt(3) == 0 ? 1 : 0;
            cfg.significance = r.nextInt(4) != 0;
            cfg.vpred = r.nextInt(3);
            cfg.sliceHeight = 4 << r.nextInt(4);
            cfg.bpp = r.nextInt(4) == 0 ? 0.25 + r.nextDouble() : 1 + r.nextInt(14) + r.nextInt(4) / 4.0;
            byte[] src;
            try (JpegXsEncoder probe = new JpegXsEncoder(cfg)) {
                src = new byte[3 * (int) RawLayout.planarSize(probe.newPicture())];
            } catch (CodecException | IllegalArgumentException tooSmall) {
                refused++;
                continue;
            }
            r.nextBytes(src);
            if (r.nextBoolean()) { // smooth content too: a ramp with a little noise, a flat frame last
                for (int k = 0; k + 1 < src.length; k += 2) {
                    int v = k >= 2 * src.length / 3 ? 512 : ((k / 2) % 1024) ^ r.nextInt(8);
                    src[k] = (byte) v;
                    src[k + 1] = (byte) (v >> 8);
                }
            }
            encoded += samePlans(cfg, src, 3, "random " + i + " " + cfg.width + "x" + cfg.height + " depth "
                    + cfg.depth + " h" + cfg.decompH + "v" + cfg.decompV + " fmt " + fmt + " q" + cfg.quantization
                    + " fs" + cfg.signs + " sigf " + cfg.significance + " vpred " + cfg.vpred + " bpp " + cfg.bpp);
        }
        assertTrue(encoded >= 250, "frames encoded by both: " + encoded + " (shapes refused: " + refused + ")");
    }

    /** A rate too low for the picture: the C code stops, the Java code throws, both with the same message. */
    @Test
    void aRateTooLowThrowsTheSame() throws Exception {
        JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
        cfg.width = 64;
        cfg.height = 64;
        byte[] src = new byte[2 * 64 * 64 * 2];
        new SplittableRandom(3).nextBytes(src);
        int tried = 0;
        for (cfg.bpp = 0.25; cfg.bpp < 4; cfg.bpp += 0.25) {
            try (JpegXsEncoder probe = new JpegXsEncoder(cfg)) {
                probe.nativeIsa(-1);
            } catch (CodecException refused) {
                continue; // below the bare minimum of the headers: refused before any rate control
            }
            assertEquals(0, samePlans(cfg, src, 1, "64x64 at " + cfg.bpp + " bpp"));
            tried++;
            if (tried == 3) {
                return;
            }
        }
        throw new AssertionError("no rate between the minimum and a rate the picture fits: " + tried);
    }

    /** Arguments that do not add up are refused before anything is read or written. */
    @Test
    void badArgumentsAreRefused() throws Exception {
        JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
        cfg.width = 256;
        cfg.height = 32;
        cfg.bpp = 6;
        cfg.vpred = 1;
        try (JpegXsEncoder enc = new JpegXsEncoder(cfg)) {
            Picture pic = enc.newPicture();
            SplittableRandom r = new SplittableRandom(5);
            for (int[] plane : pic.planes) {
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = r.nextInt(1024);
                }
            }
            byte[] out = new byte[enc.codestreamSize()];
            enc.encode(pic, out, 0);
            EncoderState s = enc.state();
            int[] plan = new RateControl(s).nativePlan;
            int isa = JxsNative.bestIsa();
            int npy = s.g.npy;
            int p0 = s.planOffset[0] - 6; // the header's end, where the first slice starts
            long[] good = {p0, 0, 0, s.lcod - p0 - 6L * s.g.slices - 2, 0, s.lcod};
            byte[] before = out.clone();
            int[] q = s.planQ.clone();
            // the good call plans every precinct again, the same
            assertEquals(npy, call(isa, plan, good.clone(), 0, npy, out, s, s.rowStats, s.gcli));
            // a short plan, precincts beyond the picture's, a short statistics array, no bands with vertical
            // prediction, a state outside out, an unknown instruction set, a band that does not add up
            assertTrue(call(isa, Arrays.copyOf(plan, 20), good.clone(), 0, npy, out, s, s.rowStats, s.gcli) < 0);
            assertTrue(call(isa, plan, good.clone(), 0, npy + 1, out, s, s.rowStats, s.gcli) < 0);
            assertTrue(call(isa, plan, good.clone(), 0, npy, out, s, new char[10], s.gcli) < 0);
            assertTrue(call(isa, plan, good.clone(), 0, npy, out, s, s.rowStats, null) < 0);
            long[] outside = good.clone();
            outside[5] = out.length + 1;
            assertTrue(call(isa, plan, outside, 0, npy, out, s, s.rowStats, s.gcli) < 0);
            assertTrue(call(isa + 1, plan, good.clone(), 0, npy, out, s, s.rowStats, s.gcli) < 0);
            int[] bad = plan.clone();
            bad[16 + 4] = bad[16 + 3] + 1; // sw of band 0 no longer (gw + 7) / 8
            assertTrue(call(isa, bad, good.clone(), 0, npy, out, s, s.rowStats, s.gcli) < 0);
            byte[][] shortBand = s.gcli.clone();
            shortBand[0] = new byte[1];
            assertTrue(call(isa, plan, good.clone(), 0, npy, out, s, s.rowStats, shortBand) < 0);
            assertArrayEquals(q, s.planQ);
            assertArrayEquals(before, out);
        }
    }

    private static int call(int isa, int[] plan, long[] st, int py0, int py1, byte[] out, EncoderState s,
            char[] stats, byte[][] gcli) {
        return JxsNative.planPrecincts(isa, plan, st, py0, py1, out, stats, gcli, s.gmax, s.prevGtl.clone(),
                s.planQ, s.planR, s.planSize, s.planPadded, s.planOffset, s.planMode, s.pktData, s.pktCnt, s.pktSign,
                s.pktRaw);
    }
}
