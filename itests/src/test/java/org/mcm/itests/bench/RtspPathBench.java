package org.mcm.itests.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import org.mcm.api.media.BlobFormat;
import org.mcm.itests.H264Camera;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.McmBuffer;
import org.mcm.sdk.McmClient;

/**
 * Cameras pushing 1080p60 H.264 (~20 Mbit/s) as RTP into apps through one proxy: the built appliance as a process,
 * N Java SDK apps in this JVM, each with an RX session of transport {@code rtsp} (upstream payload type 5; memif
 * to the app); the camera is GStreamer replaying one x264 encode at 60 fps ({@code filesrc ! h264parse ! identity
 * sync=true ! rtph264pay ! multiudpsink}), to our N ports and, in the same run, to N GStreamer receivers doing the
 * same job ({@code udpsrc ! rtph264depay ! h264parse ! fakesink}, one process). Prints the proxy's CPU from
 * /proc/&lt;pid&gt;/stat (every thread of it: RX sessions, memif, JVM), GStreamer's, the access units each app got
 * of those sent, and whether every app's NAL units are the source's, byte for byte and in order (CRC-32 per NAL
 * unit), up to its last.
 *
 * <p>Usage (after {@code mvn install -DskipTests}; ports 21600-21699 on 127.0.0.1): {@code cd itests && mvn -B -o -q
 * dependency:build-classpath -Dmdep.outputFile=/tmp/it.cp && java -cp target/test-classes:target/classes:$(cat
 * /tmp/it.cp) org.mcm.itests.bench.RtspPathBench 1,16}
 */
public final class RtspPathBench {

    static final int BASE_PORT = 21600;
    static final String GST = "/usr/bin/gst-launch-1.0";
    static final String CAPS = "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96";

    public static void main(String[] args) throws Exception {
        int[] counts = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 16};
        Path h264 = Path.of(System.getProperty("java.io.tmpdir"), "rtsp-bench-1080p60.h264");
        if (!Files.exists(h264)) {
            run(GST, "-q", "videotestsrc", "num-buffers=600", "pattern=smpte", "!",
                    "video/x-raw,width=1920,height=1080,framerate=60/1", "!", "x264enc", "speed-preset=ultrafast",
                    "bitrate=20000", "key-int-max=60", "tune=zerolatency", "!", "video/x-h264,profile=baseline", "!",
                    "h264parse", "!", "video/x-h264,stream-format=byte-stream,alignment=au", "!", "filesink",
                    "location=" + h264);
        }
        byte[] source = Files.readAllBytes(h264);
        int[] sourceNals = nalCrcs(ByteBuffer.wrap(source), 0, source.length, new ArrayList<>()).stream()
                .mapToInt(Integer::intValue).toArray();
        long sourceAus = H264Camera.pictures(source);
        System.out.printf(Locale.ROOT, "source: %s, %d access units, %.1f Mbit/s at 60 fps%n", h264, sourceAus,
                source.length * 8.0 * 60 / sourceAus / 1e6);

        int tcp = BASE_PORT + 90;
        List<String> rows = new ArrayList<>();
        try (BenchProxy proxy = BenchProxy.start(tcp, BASE_PORT + 91, BASE_PORT + 92,
                Map.of("org.mcm.transport.rtsp", "rtspPort=" + (BASE_PORT + 93) + "\n"))) {
            Thread.sleep(3000); // on purpose: the proxy's start-up work (JIT, bundles) out of the measurement
            double idle0 = St2110PathBench.cpuSeconds(proxy.pid());
            Thread.sleep(5000); // the idle measurement's window
            double idle = (St2110PathBench.cpuSeconds(proxy.pid()) - idle0) / 5;
            rows.add(String.format(Locale.ROOT, "| 0 | ours: the proxy idle (no session), 5 s | – | – | – | 5.0 | %.3f | – |", idle));
            System.out.println(rows.get(0));
            for (int n : counts) {
                rows.addAll(runOnce(tcp, proxy.pid(), n, h264, sourceNals, sourceAus));
            }
        }
        System.out.println();
        System.out.println("| cameras | receiver | access units sent (per camera) | delivered to the apps (all) | NAL units "
                + "equal to the source | wall s | CPU (cores) | CPU per camera |");
        System.out.println("|--:|---|--:|--:|---|--:|--:|--:|");
        rows.forEach(System.out::println);
    }

    static final class App extends Thread {
        final Connection conn;
        final List<Integer> crcs = new ArrayList<>();
        volatile long frames;
        volatile long badLayout;
        volatile boolean stop;

        App(Connection conn, int i) {
            super("rtsp-bench-app-" + i);
            this.conn = conn;
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    McmBuffer b = conn.tryGetBuffer(Duration.ofMillis(200));
                    if (b == null) {
                        continue;
                    }
                    ByteBuffer d = b.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    int len = b.length();
                    if (len < 14 || d.getLong(6) != len - 14) {
                        badLayout++; // not upstream's type-5 layout
                    } else {
                        nalCrcs(d, 14, len, crcs);
                    }
                    frames++;
                    b.release();
                }
            } catch (Exception e) {
                // closed at the end
            }
        }
    }

    static List<String> runOnce(int tcp, long proxyPid, int n, Path h264, int[] sourceNals, long sourceAus)
            throws Exception {
        List<String> rows = new ArrayList<>();
        McmClient client = McmClient.connect("127.0.0.1", tcp);
        List<App> apps = new ArrayList<>();
        List<Connection> conns = new ArrayList<>();
        StringBuilder clients = new StringBuilder();
        List<String> gstCmd = new ArrayList<>(List.of(GST, "-q"));
        for (int i = 0; i < n; i++) {
            int ours = BASE_PORT + i;
            int theirs = BASE_PORT + 40 + i;
            Connection conn = client.createRx(ConnectionOptions.builder(new BlobFormat(5_184_000)).transport("rtsp")
                    .local("127.0.0.1", ours).build());
            conns.add(conn);
            App a = new App(conn, i);
            apps.add(a);
            a.start();
            clients.append(clients.length() == 0 ? "" : ",").append("127.0.0.1:").append(ours).append(",127.0.0.1:")
                    .append(theirs);
            gstCmd.addAll(List.of("udpsrc", "port=" + theirs, "buffer-size=8388608", "caps=" + CAPS, "!",
                    "rtph264depay", "!", "h264parse", "!", "fakesink", "sync=false"));
        }
        Process gst = new ProcessBuilder(gstCmd).redirectErrorStream(true)
                .redirectOutput(Path.of(System.getProperty("java.io.tmpdir"), "rtsp-path-bench-gst.log").toFile()).start();
        // the apps' memif links are up (the SDK's create waits for them); GStreamer's udpsrc elements bind their ports
        org.mcm.itests.Polls.waitFor("GStreamer listening on its " + n + " ports", () -> java.util.stream.IntStream.range(0, n)
                .allMatch(i -> org.mcm.api.testing.Ready.udpBound(gst.pid(), BASE_PORT + 40 + i)), 30_000);
        double proxy0 = St2110PathBench.cpuSeconds(proxyPid);
        double gst0 = St2110PathBench.cpuSeconds(gst.pid());
        long t0 = System.nanoTime();
        Process cam = new ProcessBuilder(GST, "-q", "filesrc", "location=" + h264, "!",
                "video/x-h264,stream-format=byte-stream,framerate=60/1", "!", "h264parse", "!",
                "video/x-h264,stream-format=byte-stream,alignment=au", "!", "identity", "sync=true", "!", "rtph264pay",
                "mtu=1400", "pt=96", "config-interval=0", "!", "multiudpsink", "clients=" + clients, "sync=false",
                "buffer-size=8388608").redirectErrorStream(true)
                .redirectOutput(Path.of(System.getProperty("java.io.tmpdir"), "rtsp-path-bench-cam.log").toFile()).start();
        if (!cam.waitFor(120, TimeUnit.SECONDS)) {
            cam.destroyForcibly();
            throw new IllegalStateException("the camera did not finish");
        }
        long wall = System.nanoTime() - t0;
        Thread.sleep(500); // the last access units reach the apps (the window of the measurement: kept fixed on purpose)
        double proxyCpu = St2110PathBench.cpuSeconds(proxyPid) - proxy0;
        double gstCpu = St2110PathBench.cpuSeconds(gst.pid()) - gst0;
        gst.destroy();
        gst.waitFor(5, TimeUnit.SECONDS);
        for (App a : apps) {
            a.stop = true;
            a.join(2000);
        }
        long delivered = 0;
        int equal = 0;
        long bad = 0;
        for (App a : apps) {
            delivered += a.frames;
            bad += a.badLayout;
            if (isTail(sourceNals, a.crcs)) {
                equal++;
            }
        }
        for (Connection conn : conns) {
            conn.close();
        }
        client.close();
        double s = wall / 1e9;
        rows.add(String.format(Locale.ROOT, "| %d | ours: RX sessions (type 5) → memif → SDK apps | %d | %d of %d%s | %d of %d apps "
                + "| %.1f | %.3f | %.4f |", n, sourceAus, delivered, sourceAus * n, bad > 0 ? " (" + bad + " not in the type-5 layout)" : "",
                equal, n, s, proxyCpu / s, proxyCpu / s / n));
        rows.add(String.format(Locale.ROOT, "| %d | GStreamer udpsrc ! rtph264depay ! h264parse ! fakesink (one process) | %d "
                + "| n/a | n/a | %.1f | %.3f | %.4f |", n, sourceAus, s, gstCpu / s, gstCpu / s / n));
        System.out.println(rows.get(0));
        System.out.println(rows.get(1));
        return rows;
    }

    /** True when got is the source's NAL units from some point on up to the last, at least 90 % of them. */
    static boolean isTail(int[] source, List<Integer> got) {
        int start = source.length - got.size();
        if (got.isEmpty() || start < 0 || got.size() < source.length * 9 / 10) {
            return false;
        }
        for (int i = 0; i < got.size(); i++) {
            if (source[start + i] != got.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** CRC-32 of every NAL unit of an Annex-B run (start codes and trailing zero bytes left out). */
    static List<Integer> nalCrcs(ByteBuffer b, int from, int end, List<Integer> out) {
        CRC32 crc = new CRC32();
        int start = -1;
        int i = from;
        while (i + 2 < end) {
            if (b.get(i) == 0 && b.get(i + 1) == 0 && b.get(i + 2) == 1) {
                if (start >= 0) {
                    out.add(crc(crc, b, start, i));
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0) {
            out.add(crc(crc, b, start, end));
        }
        return out;
    }

    private static int crc(CRC32 crc, ByteBuffer b, int from, int to) {
        while (to > from && b.get(to - 1) == 0) {
            to--;
        }
        crc.reset();
        crc.update(b.duplicate().limit(to).position(from));
        return (int) crc.getValue();
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
    }
}
