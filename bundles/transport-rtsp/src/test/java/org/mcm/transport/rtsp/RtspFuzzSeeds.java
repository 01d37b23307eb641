package org.mcm.transport.rtsp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes the seeds of the RTSP transport's fuzz tests (run once from the module directory; the files are committed). */
final class RtspFuzzSeeds {

    private RtspFuzzSeeds() {
    }

    public static void main(String[] args) throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/org/mcm/transport/rtsp");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.write(0);
        for (byte[] p : H264FuzzTest.GOLDEN) {
            raw.write(p.length >>> 8);
            raw.write(p.length & 0xFF);
            raw.writeBytes(p);
        }
        write(dir.resolve("H264FuzzTestInputs/fuzz"), "golden-packets", raw.toByteArray());
        write(dir.resolve("H264FuzzTestInputs/fuzz"), "golden-edits-none", new byte[] {1});
        write(dir.resolve("H264FuzzTestInputs/fuzz"), "golden-edits-dup-swap", new byte[] {1, 0, 0, 2, 0, 3});
        String sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=MCM\r\nt=0 0\r\na=control:*\r\n"
                + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                + "a=fmtp:96 packetization-mode=1; profile-level-id=42c01f; sprop-parameter-sets=Z0LAH9oBQBbsBEAAAAMAQAAADyPGDKg=,aM4yyA==\r\n"
                + "a=control:trackID=0\r\n";
        write(dir.resolve("DescribeSdpFuzzTestInputs/fuzz"), "h264-track", sdp.getBytes(StandardCharsets.UTF_8));
        String answer = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://127.0.0.1:23554/cam/\r\n"
                + "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n\r\n" + sdp
                + "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 12345678;timeout=60\r\n\r\n";
        ByteArrayOutputStream msgs = new ByteArrayOutputStream();
        msgs.writeBytes(answer.getBytes(StandardCharsets.UTF_8));
        byte[] p = H264FuzzTest.GOLDEN.get(1);
        msgs.writeBytes(new byte[] {'$', 0, (byte) (p.length >>> 8), (byte) p.length});
        msgs.writeBytes(p);
        msgs.writeBytes("OPTIONS rtsp://127.0.0.1:23554/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("RtspMessageFuzzTestInputs/fuzz"), "describe-setup-interleaved-options", msgs.toByteArray());
    }

    static void write(java.nio.file.Path dir, String name, byte[] b) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.write(dir.resolve(name), b);
    }
}
