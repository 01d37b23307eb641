package org.mcm.transport.rtsp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Real peers (GStreamer, FFmpeg, python3-gi) and H.264 elementary-stream helpers for the tests. */
final class Peers {

    static final String GST = "/usr/bin/gst-launch-1.0";
    static final String FFMPEG = "/usr/bin/ffmpeg";
    static final String PYTHON = "/usr/bin/python3";

    private Peers() {
    }

    /** Skips outside CI when a peer is missing; in CI (CI=true) a missing peer is a failure. */
    static void require(String binary, String packages) {
        boolean present = Files.isExecutable(Path.of(binary));
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(binary + " must be installed in CI (" + packages + "): see .ci/run");
        }
        Assumptions.assumeTrue(present, binary + " not installed (apt-get install " + packages + ")");
    }

    static Process start(Path log, String... cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static void run(Path log, long seconds, String... cmd) throws Exception {
        Process p = start(log, cmd);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s: " + tail(log));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + tail(log));
        }
    }

    static String tail(Path log) throws IOException {
        String s = Files.exists(log) ? Files.readString(log) : "";
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }

    static void stop(Process p) throws InterruptedException {
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The NAL units of an Annex-B stream, start codes removed (trailing zero bytes of a NAL unit dropped). */
    static List<byte[]> nals(byte[] s) {
        List<byte[]> out = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i + 2 < s.length) {
            if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1) {
                if (start >= 0) {
                    out.add(trimZeros(s, start, i));
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0) {
            out.add(trimZeros(s, start, s.length));
        }
        return out;
    }

    private static byte[] trimZeros(byte[] s, int from, int to) {
        while (to > from && s[to - 1] == 0) {
            to--;
        }
        return Arrays.copyOfRange(s, from, to);
    }

    /** The access unit of an upstream type-5 buffer, after checking its 14-byte header. */
    static byte[] accessUnit(byte[] buffer) {
        long len = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN).getLong(6);
        if (len != buffer.length - 14) {
            throw new AssertionError("length field " + len + " but " + (buffer.length - 14) + " bytes follow");
        }
        return Arrays.copyOfRange(buffer, 14, buffer.length);
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        parts.forEach(o::writeBytes);
        return o.toByteArray();
    }

    static RtspSettings settings() {
        return settings(0, "", "");
    }

    static RtspSettings settings(int rtspPort, String user, String password) {
        return settings(rtspPort, user, password, 60, true);
    }

    static RtspSettings settings(int rtspPort, String user, String password, int sessionTimeout, boolean offload) {
        return new RtspSettings() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return RtspSettings.class;
            }

            @Override
            public int rtspPort() {
                return rtspPort;
            }

            @Override
            public String rtspBind() {
                return "127.0.0.1";
            }

            @Override
            public String rtspUser() {
                return user;
            }

            @Override
            public String rtspPassword() {
                return password;
            }

            @Override
            public int socketBuffer() {
                return 8 << 20;
            }

            @Override
            public int maxRtpPacket() {
                return 1400;
            }

            @Override
            public int sessionTimeout() {
                return sessionTimeout;
            }

            @Override
            public boolean sendOffload() {
                return offload;
            }

            @Override
            public String ip() {
                return "127.0.0.1";
            }
        };
    }

    /** Index of {@code part} as a contiguous run inside {@code whole}, or -1. */
    static int indexOf(List<byte[]> whole, List<byte[]> part) {
        outer:
        for (int i = 0; i + part.size() <= whole.size(); i++) {
            for (int k = 0; k < part.size(); k++) {
                if (!Arrays.equals(whole.get(i + k), part.get(k))) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
