package org.mcm.codec.jpegxs;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.mcm.api.codec.CodecException;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the decoder with Jazzer. The seeds (resources, DecoderJazzerFuzzTestInputs/decode) are
 * small codestreams of our encoder, one per coding tool: 4:2:2, 4:2:0, RGB with RCT, vertical prediction (Rm 0 and
 * 1), separate signs, uniform quantization, no significance coding, v0/h5 and v1/h3 decompositions, 8 and 12 bit,
 * an odd size with several slices. The surefire configuration sets JAZZER_FUZZ, so every build fuzzes for a bounded
 * time; without it (e.g. in an IDE) the seeds and any saved findings run as regression tests. Rejecting an input
 * with a CodecException is the expected outcome; any other exception or error is a finding, and so is an input
 * taking longer than the timeout (a hang). The decoder is limited to 1 Mpixel so that a header cannot ask for more
 * memory than the fork has. Each input goes through the native inverse wavelet (the fragment is on the test class
 * path) and through the pure-Java one: the two must agree, sample for sample or rejection for rejection.
 */
class DecoderJazzerFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decode(byte[] data) {
        // fresh decoders each time: a finding reproduces from its input alone
        Object nat = decodeWith(new JpegXsDecoder().maxPixels(1024 * 1024), data);
        Object jv = decodeWith(new JpegXsDecoder().maxPixels(1024 * 1024).nativeIsa(-1), data);
        if (nat instanceof String || jv instanceof String) {
            if (!nat.equals(jv)) {
                throw new AssertionError("native and Java decoders disagree: " + nat + " / " + jv);
            }
            return;
        }
        Picture a = (Picture) nat, b = (Picture) jv;
        for (int c = 0; c < a.nc; c++) {
            if (!java.util.Arrays.equals(a.planes[c], b.planes[c])) {
                throw new AssertionError("native and Java decoders give different samples in component " + c);
            }
        }
    }

    /** The picture, or the rejection's message. */
    private static Object decodeWith(JpegXsDecoder dec, byte[] data) {
        try {
            return dec.decode(data, 0, data.length);
        } catch (CodecException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new AssertionError("CodecException without a message", expected);
            }
            return expected.getMessage();
        }
    }
}
