package org.mcm.transport.st2110;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;

/**
 * ST 2110-20 1080p60 10-bit benchmark, side by side with GStreamer on loopback. Prints a Markdown table.
 * Run: see README "Measurements" (mvn test-compile, then java -cp with the test class path).
 */
public final class St2110Bench {

    static final int W = 1920;
    static final int H = 1080;

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        List<String> rows = new ArrayList<>();
        rows.add("| case | frames | wall s | fps | sender CPU (cores) | receiver CPU (cores) | received | lost pkts | arrival spread max ms |");
        rows.add("|---|---|---|---|---|---|---|---|---|");
        for (boolean offload : new boolean[] {true, false}) {
            rows.add(java(frames, true, offload));
            rows.add(java(frames, false, offload));
        }
        if (Files.isExecutable(Path.of("/usr/bin/gst-launch-1.0"))) {
            rows.add(gst(frames, true));
            rows.add(gst(frames, false));
        }
        System.out.println();
        rows.forEach(System.out::println);
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String java(int frames, boolean paced, boolean offload) throws Exception {
        VideoFormat vf = new VideoFormat(W, H, Rational.of(60, 1), PixelFormat.YUV422_10_PGROUP);
        int size = (int) vf.bufferSize();
        int port = freeUdpPort();
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings(paced ? "wide" : "none", "127.0.0.1", "auto", offload));
        TestApp app = new TestApp(16, size);
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", vf).local(new Endpoint("127.0.0.1", port)).build(), app);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", vf).remote(new Endpoint("127.0.0.1", port)).build(),
                TestSupport.txContext());
        Thread drain = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    var f = app.received.poll(100, TimeUnit.MILLISECONDS);
                    if (f != null) {
                        f.release();
                    }
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        drain.start();
        ByteBuffer content = ByteBuffer.allocateDirect(size);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long txCpu0 = cpuOf(mx, "st2110-20-tx-");
        long rxCpu0 = cpuOf(mx, "st2110-20-rx-");
        long t0 = System.nanoTime();
        for (int i = 0; i < frames; i++) {
            HeapFrame f = new HeapFrame(content, null);
            f.length(size);
            while (!tx.input().accept(f)) {
                Thread.yield();
                f = new HeapFrame(content, null);
                f.length(size);
            }
        }
        while (tx.stats().get("frames") < frames) {
            Thread.sleep(2); // a poll inside the measurement (Awaitility's own thread would be measured too)
        }
        long wall = System.nanoTime() - t0;
        Thread.sleep(300); // on purpose: the receiver's last packets inside the CPU figures
        long txCpu = cpuOf(mx, "st2110-20-tx-") - txCpu0;
        long rxCpu = cpuOf(mx, "st2110-20-rx-") - rxCpu0;
        Map<String, Long> rs = rx.stats();
        drain.interrupt();
        t.deactivate();
        double secs = wall / 1e9;
        return String.format(Locale.ROOT, "| Java %s, receive offload %s | %d | %.2f | %.1f | %.2f | %.2f | %d | %d | %.1f |",
                paced ? "paced (TPW)" : "unpaced", rs.get("receive_offload") == 1 ? "on" : "off",
                frames, secs, frames / secs, txCpu / 1e9 / secs, rxCpu / 1e9 / secs, rs.get("frames"), rs.get("lost"),
                rs.get("arrival_spread_us_max") / 1000.0);
    }

    static long cpuOf(ThreadMXBean mx, String prefix) {
        long sum = 0;
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith(prefix)) {
                long c = mx.getThreadCpuTime(th.getId());
                if (c > 0) {
                    sum += c;
                }
            }
        }
        return sum;
    }

    /** GStreamer videotestsrc (pattern black: buffer reuse isolates the transport) → rtpvrawpay → udpsrc → depay. */
    static String gst(int frames, boolean paced) throws Exception {
        int port = freeUdpPort();
        String caps = "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)RAW,sampling=(string)YCbCr-4:2:2,"
                + "depth=(string)10,width=(string)" + W + ",height=(string)" + H + ",colorimetry=(string)BT709-2,payload=(int)96,a-framerate=(string)60";
        Path dir = Files.createTempDirectory("gstbench");
        Process rx = new ProcessBuilder("bash", "-c", "TIMEFORMAT='%U %S'; { time gst-launch-1.0 -q -e udpsrc address=127.0.0.1 port=" + port
                + " buffer-size=67108864 caps='" + caps + "' ! rtpvrawdepay ! fakesink sync=false ; } 2> " + dir.resolve("rx.time"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("rx.log").toFile()).start();
        // /proc/<pid>/net lists the whole namespace's sockets: ours serves for the gst child of bash
        org.awaitility.Awaitility.await("GStreamer's udpsrc bound").atMost(java.time.Duration.ofSeconds(30))
                .until(() -> org.mcm.api.testing.Ready.udpBound(org.mcm.api.testing.Ready.self(), port));
        long t0 = System.nanoTime();
        Process tx = new ProcessBuilder("bash", "-c", "TIMEFORMAT='%U %S'; { time gst-launch-1.0 -q videotestsrc pattern=black num-buffers=" + frames
                + " ! video/x-raw,format=UYVP,width=" + W + ",height=" + H + ",framerate=60/1 ! rtpvrawpay pt=96 ! udpsink host=127.0.0.1 port=" + port
                + " sync=" + paced + " buffer-size=33554432 ; } 2> " + dir.resolve("tx.time"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("tx.log").toFile()).start();
        tx.waitFor();
        double secs = (System.nanoTime() - t0) / 1e9;
        org.awaitility.Awaitility.await("GStreamer reading the last datagrams").atMost(java.time.Duration.ofSeconds(30))
                .until(() -> org.mcm.api.testing.Ready.udpDrained(org.mcm.api.testing.Ready.self(), port));
        // SIGINT to the gst child of bash: end of stream, then bash reports the times
        new ProcessBuilder("pkill", "-INT", "-P", Long.toString(rx.pid())).start().waitFor();
        rx.waitFor(20, TimeUnit.SECONDS);
        double txCpu = cpu(dir.resolve("tx.time"));
        double rxCpu = cpu(dir.resolve("rx.time"));
        return String.format(Locale.ROOT, "| GStreamer %s | %d | %.2f | %.1f | %.2f | %.2f (whole process, incl. idle wait) | - | - | - |",
                paced ? "paced (sync=true)" : "unpaced", frames, secs, frames / secs, txCpu / secs, rxCpu / secs);
    }

    static double cpu(Path f) throws IOException {
        String[] p = Files.readString(f).trim().split("\\s+");
        return Double.parseDouble(p[p.length - 2]) + Double.parseDouble(p[p.length - 1]);
    }
}
