package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void decodeWritesAllFramesBitExact() throws Exception {
        Path in = TestData.dir().resolve("sm420p10_3bpp.jxs");
        Path o = tmp.resolve("out.raw");
        assertEquals(0, run("decode", in.toString(), o.toString()), stderr());
        assertTrue(stdout().contains("decoded 2 frame(s)"), stdout());
        assertEquals(TestData.md5(TestData.read("sm420p10_3bpp.dec.raw")), TestData.md5(Files.readAllBytes(o)));
    }

    @Test
    void infoListsMarkersAndFields() throws Exception {
        Path in = TestData.dir().resolve("sm422p10_3bpp.jxs");
        assertEquals(0, run("info", in.toString()), stderr());
        String s = stdout();
        assertTrue(s.contains("codestream 0 at offset 0, 12288 bytes (= Lcod)"), s);
        assertTrue(s.contains("codestream 1 at offset 12288"), s);
        assertTrue(s.contains("8 PIH Lpih=26 Lcod=12288"), s);
        assertTrue(s.contains("Wf=256 Hf=128"), s);
        assertTrue(s.contains("36 CDT"), s);
        assertTrue(s.contains("46 WGT Lwgt=62 (G,P): 3,14 3,13"), s);
        assertTrue(s.contains("EOC"), s);
    }

    @Test
    void wrongArgumentsPrintUsageAndExit2() {
        assertEquals(2, run());
        assertTrue(stderr().contains("Usage:"));
        assertEquals(2, run("frobnicate"));
        assertTrue(stderr().contains("Usage:"));
        assertEquals(2, run("decode", "only-one-arg"));
        assertEquals(2, run("info"));
        assertEquals(2, run("decode", "a", "b", "--threads", "zero"));
        assertEquals(2, run("decode", "a", "b", "--bogus"));
    }

    @Test
    void corruptInputExits1WithMessage() throws Exception {
        Path bad = tmp.resolve("bad.jxs");
        Files.write(bad, new byte[] {(byte) 0xFF, 0x10, 0x00});
        assertEquals(1, run("decode", bad.toString(), tmp.resolve("x.raw").toString()));
        assertTrue(stderr().contains("CAP"), stderr());
        assertEquals(1, run("info", tmp.resolve("missing.jxs").toString()));
    }

    @Test
    void encodeThenDecodeRoundTrip() throws Exception {
        Path src = TestData.dir().resolve("sm422p10_3bpp.src.raw");
        Path jxs = tmp.resolve("e.jxs");
        Path raw = tmp.resolve("e.raw");
        assertEquals(0, run("encode", src.toString(), jxs.toString(), "--width", "256", "--height", "128",
                "--format", "yuv422p10le", "--bpp", "3"), stderr());
        assertEquals(2 * 12288, Files.size(jxs));
        assertEquals(0, run("decode", jxs.toString(), raw.toString()), stderr());
        assertEquals(Files.size(src), Files.size(raw));
        assertEquals(2, run("encode", src.toString(), jxs.toString(), "--width", "256"));
        assertEquals(2, run("encode", src.toString(), jxs.toString(), "--width", "256", "--height", "128",
                "--format", "yuv422p10le", "--bpp", "x"));
        assertEquals(2, run("encode", src.toString(), jxs.toString(), "--width", "256", "--height", "128",
                "--format", "nv12", "--bpp", "3"));
    }

    @Test
    void benchPrintsRatesAndRejectsBadOptions() {
        assertEquals(0, run("bench", "--frames", "3", "--threads", "1", "--bpp", "2"), stderr());
        String s = stdout();
        assertTrue(s.contains("1920x1080 yuv422p10le, 2.0 bpp, 518400 bytes/frame"), s);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "\\| 1 \\| ([0-9.]+) \\((\\d+) / (\\d+) / (\\d+)\\) \\| ([0-9.]+) \\((\\d+) / (\\d+) / (\\d+)\\) \\|").matcher(s);
        assertTrue(m.find(), s);
        for (int g = 1; g <= 8; g++) {
            assertTrue(Double.parseDouble(m.group(g)) > 0, s);
        }
        // slowest <= median <= fastest batch
        assertTrue(Integer.parseInt(m.group(2)) <= Integer.parseInt(m.group(3)), s);
        assertTrue(Integer.parseInt(m.group(3)) <= Integer.parseInt(m.group(4)), s);
        assertEquals(2, run("bench", "--frames", "0"));
        assertEquals(2, run("bench", "--bpp", "x"));
        assertEquals(2, run("bench", "--threads"));
        assertTrue(stderr().contains("Usage:"), stderr());
    }
}
