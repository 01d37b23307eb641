package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The encoder, run with each vector's settings on its source, gives the exact codestream size and a PSNR no more
 * than 0.3 dB below the reference encoder's (measured through our bit-exact decoder); the header it writes
 * (CAP, PIH, CDT, WGT) is byte-identical to the reference's. Vertical prediction, where a vector uses it, gains.
 */
class EncoderConformanceTest {

    static List<TestData.Case> cases() throws IOException {
        return TestData.cases();
    }

    static JpegXsEncoder.Config config(TestData.Case c) throws Exception {
        JpegXsEncoder.Config cfg = Cli.formatConfig(c.pixFmt);
        cfg.width = c.width;
        cfg.height = c.height;
        cfg.bpp = c.bpp;
        String[] o = c.options.isEmpty() ? new String[0] : c.options.split("\\s+");
        for (int i = 0; i + 1 < o.length; i += 2) {
            int v = Integer.parseInt(o[i + 1]);
            switch (o[i]) {
                case "--decomp_v": cfg.decompV = v; break;
                case "--decomp_h": cfg.decompH = v; break;
                case "--coding-signs": cfg.signs = v > 0 ? 1 : 0; break;
                case "--quantization": cfg.quantization = v; break;
                case "--coding-sigf": cfg.significance = v != 0; break;
                case "--coding-vpred": cfg.vpred = v; break;
                default: throw new IllegalArgumentException(o[i]);
            }
        }
        return cfg;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exactSizeAndPsnr(TestData.Case c) throws Exception {
        double psnr = encodeDecode(c, config(c), true);
        assertTrue(psnr >= c.psnr - 0.3, String.format("PSNR %.2f dB, reference %.2f dB", psnr, c.psnr));
    }

    static List<TestData.Case> vpredCases() throws IOException {
        List<TestData.Case> out = new ArrayList<>();
        for (TestData.Case c : TestData.cases()) {
            if (c.options.contains("--coding-vpred")) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * On the vectors made with vertical prediction the encoder uses it too (both run modes): it gains over coding
     * without it and comes within 0.1 dB of the reference encoder.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vpredCases")
    void verticalPredictionHelps(TestData.Case c) throws Exception {
        JpegXsEncoder.Config off = config(c);
        off.vpred = 0;
        double without = encodeDecode(c, off, false);
        for (int vpred = 1; vpred <= 2; vpred++) {
            JpegXsEncoder.Config on = config(c);
            on.vpred = vpred;
            double with = encodeDecode(c, on, false);
            assertTrue(with >= without + 0.1, String.format("vpred %d: PSNR %.3f dB, without %.3f dB", vpred, with,
                    without));
            assertTrue(with >= c.psnr - 0.1, String.format("vpred %d: PSNR %.3f dB, reference %.2f dB", vpred, with,
                    c.psnr));
            // the plan (and so the output) does not depend on the threads
            JpegXsEncoder.Config two = config(c);
            two.vpred = vpred;
            two.threads = 2;
            try (JpegXsEncoder e1 = new JpegXsEncoder(on); JpegXsEncoder e2 = new JpegXsEncoder(two)) {
                Picture in = e1.newPicture();
                RawLayout.readPlanar(TestData.read(c.name + ".src.raw"), 0, in);
                byte[] a = new byte[e1.codestreamSize()], b = new byte[e1.codestreamSize()];
                e1.encode(in, a, 0);
                e2.encode(in, b, 0);
                assertArrayEquals(a, b, "vpred " + vpred + ": 1 and 2 threads");
            }
        }
    }

    /**
     * RGB with the reversible colour transform (Cpih=1): the same source read as G, B, R planes; the decoder inverts
     * RCT, and at a high rate the round trip is near-lossless, 1 and 2 threads alike.
     */
    @Test
    void rgbWithColourTransformRoundTrips() throws Exception {
        TestData.Case c = TestData.cases().stream().filter(k -> k.name.equals("sm444p10_4bpp")).findFirst()
                .orElseThrow();
        byte[] src = TestData.read(c.name + ".src.raw");
        byte[][] out = new byte[2][];
        double[] psnr = new double[2];
        for (int t = 1; t <= 2; t++) {
            JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
            cfg.width = c.width;
            cfg.height = c.height;
            cfg.sx = new int[] {1, 1, 1};
            cfg.bpp = 12;
            cfg.colourTransform = 1;
            cfg.threads = t;
            try (JpegXsEncoder enc = new JpegXsEncoder(cfg); JpegXsDecoder dec = new JpegXsDecoder()) {
                Picture in = enc.newPicture();
                RawLayout.readPlanar(src, 0, in);
                byte[] cs = new byte[enc.codestreamSize()];
                enc.encode(in, cs, 0);
                assertEquals(1, Header.parse(cs, 0, cs.length).cpih, "Cpih");
                Picture got = dec.decode(cs, 0, cs.length);
                long se = 0, n = 0;
                for (int k = 0; k < 3; k++) {
                    for (int i = 0; i < in.planes[k].length; i++) {
                        long d = in.planes[k][i] - got.planes[k][i];
                        se += d * d;
                        n++;
                    }
                }
                out[t - 1] = cs;
                psnr[t - 1] = se == 0 ? 999 : 10 * Math.log10(1023.0 * 1023.0 * n / se);
            }
        }
        assertArrayEquals(out[0], out[1], "1 and 2 threads");
        assertTrue(psnr[0] > 40, String.format("RGB 12 bpp PSNR %.2f dB", psnr[0]));
    }

    /**
     * Encodes every frame of vector c with cfg (exact size, decodable by our decoder, optionally the main header
     * compared to the reference's) and returns the PSNR over all frames and planes.
     */
    private static double encodeDecode(TestData.Case c, JpegXsEncoder.Config cfg, boolean sameHeader)
            throws Exception {
        JpegXsEncoder enc = new JpegXsEncoder(cfg);
        byte[] src = TestData.read(c.name + ".src.raw");
        byte[] ref = TestData.read(c.name + ".jxs");
        Picture in = enc.newPicture();
        int frameBytes = (int) RawLayout.planarSize(in);
        assertEquals(c.frames * frameBytes, src.length);
        int lcod = enc.codestreamSize();
        assertEquals(ref.length / c.frames, lcod, "Lcod");
        long se = 0, n = 0;
        try (JpegXsDecoder dec = new JpegXsDecoder()) {
            for (int f = 0; f < c.frames; f++) {
                RawLayout.readPlanar(src, f * frameBytes, in);
                byte[] cs = new byte[lcod];
                assertEquals(lcod, enc.encode(in, cs, 0));
                Header h = Header.parse(cs, 0, cs.length);
                assertEquals(lcod, h.lcod);
                assertEquals(cfg.vpred == 2 ? 1 : 0, h.rm, "Rm");
                if (sameHeader) {
                    // header up to the first slice identical to the reference encoder's
                    assertArrayEquals(Arrays.copyOf(ref, h.sliceStart), Arrays.copyOf(cs, h.sliceStart),
                            "main header");
                }
                Picture out = dec.decode(cs, 0, cs.length);
                assertEquals(lcod, out.consumed);
                for (int k = 0; k < in.nc; k++) {
                    int[] a = in.planes[k], b = out.planes[k];
                    for (int i = 0; i < a.length; i++) {
                        long d = a[i] - b[i];
                        se += d * d;
                    }
                    n += a.length;
                }
            }
        }
        double peak = (1 << c.depth) - 1;
        return se == 0 ? 999 : 10 * Math.log10(peak * peak * n / se);
    }
}
