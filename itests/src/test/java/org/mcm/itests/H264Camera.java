package org.mcm.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Assume;

/**
 * A camera for the RTSP tests, as a user would point one at the proxy: GStreamer's live test source (paced by its
 * clock) encoded by x264 (baseline), pushed as RTP/H.264 ({@code rtph264pay}, payload type 96, MTU 1400) to UDP
 * ports on 127.0.0.1; the same encode also goes through {@code h264parse} into a reference file (Annex-B byte stream,
 * access-unit aligned) to compare with what came through. Also the Annex-B helpers those comparisons use. JDK and
 * JUnit only, so Pax Exam probes (Felix in the test JVM) and plain process tests can both use it.
 */
public final class H264Camera implements AutoCloseable {

    static final String GST = "/usr/bin/gst-launch-1.0";

    final Process process;
    private final Path reference;
    private final Path log;

    private H264Camera(Process process, Path reference, Path log) {
        this.process = process;
        this.reference = reference;
        this.log = log;
    }

    /** Skips the test when {@code binary} is missing, except in CI ({@code CI=true}), where it must be installed. */
    static void require(String binary) {
        boolean present = Files.isExecutable(Path.of(binary));
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(binary + " must be installed in CI: see .ci/run");
        }
        Assume.assumeTrue(binary + " not installed", present);
    }

    /**
     * Starts the camera: {@code width}x{@code height} at {@code fps}, a key frame every {@code keyInterval} pictures,
     * {@code kbps} kbit/s, to every one of {@code ports} on 127.0.0.1; {@code frames} pictures and then the end of
     * the stream, or 0 to run until {@link #stop()}. The reference file and GStreamer's log go to {@code dir}.
     */
    static H264Camera start(Path dir, String name, int width, int height, int fps, int keyInterval, int kbps,
            int frames, int... ports) throws IOException {
        require(GST);
        Path ref = dir.resolve(name + ".h264");
        Path log = dir.resolve(name + ".log");
        StringBuilder clients = new StringBuilder();
        for (int p : ports) {
            clients.append(clients.length() > 0 ? "," : "").append("127.0.0.1:").append(p);
        }
        // -e: on SIGINT (stop()) GStreamer ends the stream, so both branches flush what they have and exit 0
        List<String> cmd = new ArrayList<>(List.of(GST, "-q", "-e", "videotestsrc", "is-live=true"));
        if (frames > 0) {
            cmd.add("num-buffers=" + frames);
        }
        cmd.addAll(List.of("pattern=ball", "!", "video/x-raw,width=" + width + ",height=" + height + ",framerate="
                + fps + "/1", "!", "x264enc", "key-int-max=" + keyInterval, "bitrate=" + kbps, "tune=zerolatency", "!",
                "video/x-h264,profile=baseline", "!", "tee", "name=t", "t.", "!", "queue", "!", "rtph264pay", "mtu=1400",
                "pt=96", "!", "multiudpsink", "clients=" + clients, "sync=false", "t.", "!", "queue", "!", "h264parse",
                "!", "video/x-h264,stream-format=byte-stream,alignment=au", "!", "filesink", "location=" + ref));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new H264Camera(p, ref, log);
    }

    /** The reference file: every access unit the camera encoded (complete once the camera has ended). */
    Path reference() {
        return reference;
    }

    /** What GStreamer printed. */
    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Ends the stream the way an operator does (SIGINT: with {@code -e} GStreamer sends end-of-stream, so the last
     * access unit goes out and the reference file is complete) and waits for the process to end.
     */
    void stop() throws IOException, InterruptedException {
        if (process.isAlive()) {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).redirectErrorStream(true)
                    .start();
            kill.getInputStream().readAllBytes();
            kill.waitFor(5, TimeUnit.SECONDS);
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the camera did not end on SIGINT: " + log());
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("the camera exited " + process.exitValue() + ": " + log());
        }
    }

    @Override
    public String toString() {
        return "camera (" + (process.isAlive() ? "running" : "exit " + process.exitValue()) + "): " + log();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** NAL units of an Annex-B stream without start codes (and trailing zero bytes). */
    static List<byte[]> nals(byte[] s) {
        List<byte[]> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i + 2 < s.length; i++) {
            if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1) {
                if (start >= 0) {
                    out.add(trim(s, start, i));
                }
                start = i + 3;
                i += 2;
            }
        }
        if (start >= 0) {
            out.add(trim(s, start, s.length));
        }
        return out;
    }

    private static byte[] trim(byte[] s, int from, int to) {
        while (to > from && s[to - 1] == 0) {
            to--;
        }
        return Arrays.copyOfRange(s, from, to);
    }

    /** Where {@code part} starts in {@code whole}, as a run of equal NAL units; -1 if it is no such run. */
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

    /**
     * Pictures (access units) in an Annex-B stream: slices (NAL types 1 and 5) with first_mb_in_slice 0, whose
     * ue(v) code is the single bit "1" right after the NAL header; a picture cut into several slices counts once.
     */
    public static long pictures(byte[] s) {
        long n = 0;
        for (int i = 0; i + 4 < s.length; i++) {
            if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1 && firstSlice(s[i + 3], s[i + 4])) {
                n++;
            }
        }
        return n;
    }

    /** Whether a NAL unit starting with these two bytes is a picture's first slice (see {@link #pictures}). */
    private static boolean firstSlice(byte header, byte next) {
        int t = header & 0x1F;
        return (t == 1 || t == 5) && (next & 0x80) != 0;
    }

    /**
     * How many pictures {@code got} leaves out of {@code src}, when {@code got}'s NAL units are {@code src}'s in
     * order with some left out (each picture counted by its first slice, as {@link #pictures}); -1 when some NAL
     * unit of {@code got} is not found in {@code src} in that order.
     */
    static long picturesLeftOut(List<byte[]> src, List<byte[]> got) {
        long out = 0;
        int i = 0;
        for (byte[] n : got) {
            for (; i < src.size() && !Arrays.equals(src.get(i), n); i++) {
                out += src.get(i).length > 1 && firstSlice(src.get(i)[0], src.get(i)[1]) ? 1 : 0;
            }
            if (i == src.size()) {
                return -1;
            }
            i++;
        }
        for (; i < src.size(); i++) {
            out += src.get(i).length > 1 && firstSlice(src.get(i)[0], src.get(i)[1]) ? 1 : 0;
        }
        return out;
    }
}
