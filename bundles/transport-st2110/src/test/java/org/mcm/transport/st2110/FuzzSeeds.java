package org.mcm.transport.st2110;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/**
 * Writes the seed inputs of the ST 2110 fuzz tests (run once from the module directory; the files are committed):
 * the packets the production packetizers send, the golden RFC 8331 packet of {@link Rfc8331Test}, L24 packets as
 * the -30 sender frames them, and the SDP the transports write plus the third-party SDP of the tests.
 */
final class FuzzSeeds {

    private FuzzSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources/org/mcm/transport/st2110");
        write(root.resolve("Rfc4175FuzzTestInputs/fuzz"), "golden-datagrams", framed(FuzzInputs.VIDEO_GOLDEN));
        write(root.resolve("Rfc4175FuzzTestInputs/fuzz"), "golden-edits-none", new byte[] {1});
        write(root.resolve("Rfc4175FuzzTestInputs/fuzz"), "finding-duplicate-stands-in-for-lost", new byte[] {1, 0, 0, 1, 2, 0});
        write(root.resolve("Rfc9134FuzzTestInputs/fuzz"), "golden-datagrams", framed(FuzzInputs.JXS_GOLDEN));
        write(root.resolve("Rfc9134FuzzTestInputs/fuzz"), "golden-edits-none", new byte[] {1});
        write(root.resolve("Rfc9134FuzzTestInputs/fuzz"), "golden-edits-swap", new byte[] {1, 0, 3, 0, 0});
        byte[] samples = FuzzInputs.content(288, 7);
        ByteBuffer l24 = ByteBuffer.allocate(Rtp.HEADER + samples.length);
        Rtp.write(l24, 0, false, FuzzInputs.PT, 7, 48_000, 99);
        l24.put(Rtp.HEADER, samples);
        write(root.resolve("L24FuzzTestInputs/fuzz"), "one-ms-stereo", framed(List.of(l24.array(), l24.array())));
        Rfc8331Test.Ref a = new Rfc8331Test.Ref(1, 2047, 4095, 1, 127, 0x41, 0x05, new int[] {0x3FF, 0x000, 0x155, 0x2AA});
        Rfc8331Test.Ref b = new Rfc8331Test.Ref(0, 10, 0, 0, 0, 0x43, 0x02, new int[0]);
        Rfc8331Test.Ref c = new Rfc8331Test.Ref(0, 9, 0, 0, 0, 0x61, 0x01, Rfc8331Test.words8(0x96, 0x69, 0x10, 0x7F));
        write(root.resolve("Rfc8331FuzzTestInputs/fuzz"), "golden-three-anc", framed(List.of(
                Rfc8331Test.refRtp(true, 100, 0x0001_FFFE, 0xDEADBEEFL, 0x01020304, Rfc8331.F_FIELD2, a, b, c))));
        write(root.resolve("Rfc8331FuzzTestInputs/fuzz"), "golden-empty", framed(List.of(
                Rfc8331Test.refRtp(true, 100, 5, 1000, 1, Rfc8331.F_PROGRESSIVE))));
        VideoFormat v = new VideoFormat(1920, 1080, Rational.of(60_000, 1001), PixelFormat.YUV422_10_PGROUP);
        sdp(root, "video", 0, Sdp.video(7, "127.0.0.1", "239.1.1.1", 20_000, 96, v, PGroup.of(v.pixelFormat()), 1400));
        sdp(root, "jxs", 1, Sdp.jxs(7, "127.0.0.1", "239.1.1.1", 20_000, 98, v, 3.0, true));
        sdp(root, "audio", 2, Sdp.audio(7, "127.0.0.1", "239.1.1.2", 20_002, 97,
                new AudioFormat(48_000, 2, 24, PacketTime.PT_1MS)));
        sdp(root, "anc", 3, Sdp.anc(7, "127.0.0.1", "239.1.1.3", 20_004, 100, Rational.of(60_000, 1001), true,
                List.of(new int[] {0x61, 0x02}, new int[] {0x41, 0x05}), 133));
        sdp(root, "third-party-video", 0, "v=0\no=- 1543226715 1543226715 IN IP4 172.29.80.65\ns=Demo\nt=0 0\n"
                + "a=recvonly\nm=video 27346 RTP/AVP 97\nc=IN IP4 232.80.177.113/32\n"
                + "a=source-filter: incl IN IP4 232.80.177.113 172.29.80.65\n" + "a=rtpmap:97 raw/90000\n"
                + "a=fmtp:97 sampling=YCbCr-4:2:2; width=1280; height=720; depth=8; SSN=ST2110-20:2017; "
                + "colorimetry=BT709; PM=2110GPM; TP=2110TPN; exactframerate=50\n");
    }

    static byte[] framed(List<byte[]> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        for (byte[] p : packets) {
            out.write(p.length >>> 8);
            out.write(p.length & 0xFF);
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static void sdp(Path root, String name, int transport, String text) throws Exception {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[t.length + 1];
        b[0] = (byte) transport;
        System.arraycopy(t, 0, b, 1, t.length);
        write(root.resolve("SdpFuzzTestInputs/fuzz"), name, b);
    }

    static void write(Path dir, String name, byte[] b) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), b);
    }
}
