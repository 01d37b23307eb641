package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every reference codestream decodes bit-exactly to the reference decoder's output. */
class DecoderConformanceTest {

    static List<TestData.Case> cases() throws IOException {
        return TestData.cases();
    }

    static byte[] decodeAll(byte[] jxs, int threads) throws Exception {
        try (JpegXsDecoder dec = new JpegXsDecoder(threads)) {
            return decodeAll(jxs, dec);
        }
    }

    /** Every codestream in jxs, one after the other, with dec, as planar frames. */
    static byte[] decodeAll(byte[] jxs, JpegXsDecoder dec) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int p = 0;
        while (p < jxs.length) {
            Picture pic = dec.decode(jxs, p, jxs.length);
            byte[] frame = new byte[(int) RawLayout.planarSize(pic)];
            RawLayout.writePlanar(pic, frame, 0);
            out.write(frame);
            p += pic.consumed;
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesBitExact(TestData.Case c) throws Exception {
        byte[] jxs = TestData.read(c.name + ".jxs");
        assertEquals(c.md5Jxs, TestData.md5(jxs), "codestream md5 (vector changed?)");
        byte[] dec = decodeAll(jxs, 1);
        assertEquals(TestData.read(c.name + ".dec.raw").length, dec.length, "decoded size");
        assertEquals(c.md5Dec, TestData.md5(dec), "decoded md5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hd422p10_3bpp", "sm420p10_3bpp", "odd250x130_422p10_4bpp"})
    void twoThreadsDecodeTheSame(String name) throws Exception {
        byte[] dec = decodeAll(TestData.read(name + ".jxs"), 2);
        assertEquals(TestData.md5(TestData.read(name + ".dec.raw")), TestData.md5(dec));
    }
}
