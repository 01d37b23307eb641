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
            long natSlices = 0;
            for (JpegXsDecoder d : nat) {
                natSlices += d.nativeSlices();
                d.close();
            }
            assertTrue(natSlices > 30, "mutated slices the native code decoded itself: " + natSlices);
        }
        assertTrue(decoded > 30 && rejected > 30, "decoded " + decoded + ", rejected " + rejected);
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
