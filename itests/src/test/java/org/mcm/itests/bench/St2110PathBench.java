package org.mcm.itests.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.testing.Ready;
import org.mcm.itests.Polls;
import org.mcm.itests.support.ControlClient;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.McmBuffer;
import org.mcm.sdk.McmClient;

/**
 * N pairs of 1080p60 yuv422p10le ST 2110-20 sessions with SDK apps at both ends, through one proxy (the built
 * appliance, started as a process): TX app (this JVM) → memif → proxy TX session (planar → pgroup, paced UDP) →
 * 127.0.0.1 → proxy RX session (pgroup → planar) → memif → RX app (this JVM). Prints per N: fps of every pair,
 * frames lost, the proxy's CPU from /proc (the whole process), end-to-end latency app send → app get (the send
 * time is carried in the 10-bit Y samples of line 0, which the conversion keeps exactly), and GStreamer doing the
 * same job (I422_10LE → videoconvert → rtpvrawpay → udp → rtpvrawdepay → videoconvert → I422_10LE) with N
 * pipeline pairs in the same run, as a ratio of CPU per delivered frame.
 *
 * <p>Usage (after {@code mvn install -DskipTests}): see README "Measurements". Arguments: seconds measured per
 * row (default 10), the pair counts (default 1,2,4,6). {@code -Dbench.transport=st2110-22}: JPEG XS pairs instead.
 */
public final class St2110PathBench {

    static final int W = 1920;
    static final int H = 1080;
    static final int BASE_PORT = Integer.getInteger("bench.basePort", 18700); // -Dbench.basePort: another range
    static final long HZ = 100; // USER_HZ of /proc/<pid>/stat on Linux

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int[] counts = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2, 4, 6};
        // GStreamer's side by side is the -20 job; -22 has no GStreamer peer in Debian 12
        boolean gst = Files.isExecutable(Path.of("/usr/bin/gst-launch-1.0")) && !Boolean.getBoolean("bench.noGst") && !JXS;
        int tcp = BASE_PORT + 90;
        int grpc = BASE_PORT + 91;
        // the real path: no same-proxy bypass (a sender and a receiver on one proxy would otherwise share memory)
        Map<String, String> configs = new java.util.HashMap<>(Map.of("org.mcm.control.sessions", "bypass=off\n"));
        String txLate = System.getProperty("bench.txLate"); // the senders' late-frame rule (catchup, drop, keep)
        String txCatchup = System.getProperty("bench.txCatchup"); // how much faster a late frame may go (1 to 4)
        String txPaceUs = System.getProperty("bench.txPaceUs"); // the senders' pacing granularity (0 to 2000 us)
        String txRt = System.getProperty("bench.txRtPriority"); // SCHED_FIFO priority of the senders' threads (0: off)
        String txLead = System.getProperty("bench.txLeadUs"); // how much sooner a frame's last packet leaves (0 to 2000 us)
        String txShared = System.getProperty("bench.txSharedPacer"); // one pacing thread for all senders (true) or one each
        String rxWake = System.getProperty("bench.rxWakeUs"); // least time between a receiver's socket reads (0: at once)
        String st2110 = (txLate != null ? "txLate=" + txLate + "\n" : "")
                + (txCatchup != null ? "txCatchupSpeedup=" + txCatchup + "\n" : "")
                + (txPaceUs != null ? "txPaceGranularityUs=" + txPaceUs + "\n" : "")
                + (txRt != null ? "txRealtimePriority=" + txRt + "\n" : "")
                + (txLead != null ? "txLeadUs=" + txLead + "\n" : "")
                + (txShared != null ? "txSharedPacer=" + txShared + "\n" : "")
                + (rxWake != null ? "rxWakeIntervalUs=" + rxWake + "\n" : "");
        List<String> rows = new ArrayList<>();
        try (BenchProxy proxy = BenchProxy.start(tcp, grpc, BASE_PORT + 92, configs)) {
            ControlClient c = proxy.control;
            if (!st2110.isEmpty()) {
                // dropped in once the proxy runs: a org.mcm.transport.st2110.cfg present at start was seen not to
                // reach the ST 2110 transports (their settings stayed the defaults until the file changed)
                Files.writeString(proxy.home.resolve("deploy/org.mcm.transport.st2110.cfg"), st2110);
                Thread.sleep(3000); // the deploy folder is polled every second
            }
            for (int n : counts) {
                String ours = runOurs(tcp, c, proxy.pid(), n, seconds);
                String theirs = gst ? runGst(n, seconds) : "| – | – | – |";
                theirs = theirs.replace("%RATIO%", String.format(Locale.ROOT, "%.1f", lastGstCpuPerFrame / lastOursCpuPerFrame));
                rows.add(ours + theirs);
                System.out.println("N=" + n + ": " + ours + theirs);
            }
        }
        System.out.println();
        System.out.println("| pairs | fps of each pair | frames lost / sent | packets lost | proxy CPU (cores) | per pair | "
                + "latency p50 / p99 / max ms | GStreamer fps (min of pairs) | GStreamer CPU (cores) | GStreamer CPU per frame ÷ ours |");
        System.out.println("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (String r : rows) {
            System.out.println(r);
        }
    }

    /** CPU seconds used so far by a process and all its descendants. */
    static double cpuSeconds(long pid) {
        double s = 0;
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        for (long p : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                s += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) HZ; // utime, stime
            } catch (Exception e) {
                // gone
            }
        }
        return s;
    }

    /** The apps' pixel format: -Dbench.pixfmt=yuv422p for 8 bit (default yuv422p10le). */
    static final PixelFormat PIXFMT = PixelFormat.byId(System.getProperty("bench.pixfmt", "yuv422p10le"));

    /**
     * -Dbench.transport=st2110-22: the pairs are ST 2110-22 (JPEG XS at the transport's default 3 bpp, the sessions'
     * default codec threads) instead of -20, the same apps and proxy. The latency is not measured then (the codec does
     * not keep the stamp's samples exactly): -1.
     */
    static final String TRANSPORT = System.getProperty("bench.transport", "st2110-20");
    static final boolean JXS = TRANSPORT.equals("st2110-22");

    /** -Dbench.trace=true: print every frame over 25 ms end to end, with when it came. */
    static final boolean TRACE = Boolean.getBoolean("bench.trace");
    static final long T0 = System.nanoTime();

    static void stamp(ByteBuffer d, long t) {
        if (PIXFMT == PixelFormat.YUV422P8) {
            d.putLong(0, t); // 64 bits in eight 8-bit Y samples of line 0
            return;
        }
        for (int i = 0; i < 7; i++) { // 70 bits in seven 10-bit Y samples of line 0
            d.putShort(2 * i, (short) ((t >>> (10 * i)) & 0x3FF));
        }
    }

    static long readStamp(ByteBuffer d) {
        if (PIXFMT == PixelFormat.YUV422P8) {
            return d.getLong(0);
        }
        long t = 0;
        for (int i = 0; i < 7; i++) {
            t |= (long) (d.getShort(2 * i) & 0x3FF) << (10 * i);
        }
        return t;
    }

    static String runOurs(int tcp, ControlClient c, long proxyPid, int n, int seconds) throws Exception {
        VideoFormat fmt = new VideoFormat(W, H, Rational.of(60, 1), PIXFMT);
        int size = (int) fmt.bufferSize();
        long period = 1_000_000_000L / 60;
        List<Connection> conns = new ArrayList<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean stop = new AtomicBoolean(false);
        AtomicLong[] sent = new AtomicLong[n];
        AtomicLong[] skipped = new AtomicLong[n];
        AtomicLong[] got = new AtomicLong[n];
        AtomicLong[] gotInWindow = new AtomicLong[n];
        long[][] lat = new long[n][seconds * 70 + 100];
        int[] latN = new int[n];
        List<Thread> threads = new ArrayList<>();
        double cpu0;
        double cpu1;
        long t0;
        long t1;
        try (McmClient client = McmClient.connect("127.0.0.1", tcp)) {
            for (int i = 0; i < n; i++) {
                int port = BASE_PORT + 2 * i;
                Connection rx = client.createRx(ConnectionOptions.builder(fmt).transport(TRANSPORT).local("127.0.0.1", port).build());
                Connection tx = client.createTx(ConnectionOptions.builder(fmt).transport(TRANSPORT).remote("127.0.0.1", port).build());
                conns.add(rx);
                conns.add(tx);
                rx.awaitConnected(Duration.ofSeconds(10));
                tx.awaitConnected(Duration.ofSeconds(10));
                sent[i] = new AtomicLong();
                skipped[i] = new AtomicLong();
                got[i] = new AtomicLong();
                gotInWindow[i] = new AtomicLong();
                int k = i;
                Thread r = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            McmBuffer b = rx.tryGetBuffer(Duration.ofMillis(200));
                            if (b == null) {
                                continue;
                            }
                            long now = System.nanoTime();
                            long t = readStamp(b.data().order(ByteOrder.LITTLE_ENDIAN));
                            b.release();
                            got[k].incrementAndGet();
                            if (measuring.get()) {
                                gotInWindow[k].incrementAndGet();
                                if (!JXS && latN[k] < lat[k].length) {
                                    lat[k][latN[k]++] = now - t;
                                }
                                if (TRACE && now - t > 25_000_000L) {
                                    System.out.printf(Locale.ROOT, "  late frame: pair %d at %.3f s: %.1f ms%n", k, (now - T0) / 1e9, (now - t) / 1e6);
                                }
                            }
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                }, "rx-app-" + i);
                Thread s = new Thread(() -> {
                    try {
                        long next = System.nanoTime();
                        int filled = 0;
                        while (sending.get()) {
                            McmBuffer b = tx.getBuffer(Duration.ofSeconds(5));
                            ByteBuffer d = b.data().order(ByteOrder.LITTLE_ENDIAN);
                            if (filled < 16) { // the app's buffers keep their picture: a ramp in every plane, once
                                for (int p = 0; p < size / 2; p++) {
                                    d.putShort(2 * p, (short) ((p * 7 + k) & (PIXFMT == PixelFormat.YUV422P8 ? 0xFFFF : 0x3FF)));
                                }
                                filled++;
                            }
                            b.length(size);
                            long now = System.nanoTime();
                            if (now - next > period) { // a live source: a tick it missed (no buffer in time) is gone
                                long missed = (now - next) / period;
                                skipped[k].addAndGet(missed);
                                next += missed * period;
                            }
                            stamp(d, now);
                            b.send();
                            if (TRACE && System.nanoTime() - now > 2_000_000L) {
                                System.out.printf(Locale.ROOT, "  slow send: pair %d at %.3f s: %.1f ms%n", k, (now - T0) / 1e9,
                                        (System.nanoTime() - now) / 1e6);
                            }
                            sent[k].incrementAndGet();
                            next += period;
                            long w;
                            while ((w = next - System.nanoTime()) > 0) {
                                LockSupport.parkNanos(w); // the source's pace (a live 60 fps app)
                            }
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                }, "tx-app-" + i);
                threads.add(r);
                threads.add(s);
            }
            for (Thread t : threads) {
                t.start();
            }
            Thread.sleep(3000); // warm-up, on purpose: out of the measurement
            long sent0 = Arrays.stream(sent).mapToLong(AtomicLong::get).sum();
            long skipped0 = Arrays.stream(skipped).mapToLong(AtomicLong::get).sum();
            long lost0 = sum(c.connectionStats("RX"), "lost");
            long dropped0 = sum(c.connectionStats("RX"), "frames_dropped");
            cpu0 = cpuSeconds(proxyPid);
            t0 = System.nanoTime();
            measuring.set(true);
            Thread.sleep(seconds * 1000L); // the measurement's window
            measuring.set(false);
            long skippedInWindow = Arrays.stream(skipped).mapToLong(AtomicLong::get).sum() - skipped0;
            cpu1 = cpuSeconds(proxyPid);
            t1 = System.nanoTime();
            long lost1 = sum(c.connectionStats("RX"), "lost");
            long dropped1 = sum(c.connectionStats("RX"), "frames_dropped");
            long bypassed = sum(c.connectionStats("RX"), "frames_bypass");
            for (String dir : new String[] {"TX", "RX"}) { // where the time goes: one session of each side
                c.connectionStats(dir).values().stream().findFirst().ifPresent(m -> {
                    StringBuilder b = new StringBuilder("  " + dir + " session:");
                    m.forEach((key, v) -> {
                        if (key.contains("latency") || key.contains("queued") || key.contains("no_buffer") || key.contains("dropped")
                                || key.contains("caught_up") || key.contains("wait") || key.contains("staged")
                                || key.contains("spread") || key.contains("incomplete") || key.contains("_us_")
                                || key.contains("gso_sends") || key.contains("granularity") || key.contains("realtime") || key.equals("frames")
                                || key.contains("restarts") || key.contains("started_late") || key.contains("codec")
                                || key.contains("wake") || key.equals("socket_reads")) {
                            b.append(' ').append(key).append('=').append(v);
                        }
                    });
                    System.out.println(b);
                });
            }
            if (sum(c.connectionStats("RX"), "packets") == 0 || bypassed > 0) {
                throw new IllegalStateException("frames did not take the network: " + c.connectionStats("RX"));
            }
            sending.set(false);
            // the last frames arrive (after the window, not measured): those in flight, up to 3 s for a backlog
            long until = System.nanoTime() + 3_000_000_000L;
            Thread.sleep(100);
            while (System.nanoTime() < until && Arrays.stream(got).mapToLong(AtomicLong::get).sum()
                    < Arrays.stream(sent).mapToLong(AtomicLong::get).sum()) {
                Thread.sleep(20);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(5000);
            }
            // where any frame that did not arrive went, over every session of each side
            System.out.println("  all sessions at the end: TX frames=" + sum(c.connectionStats("TX"), "frames")
                    + " dropped=" + sum(c.connectionStats("TX"), "frames_dropped") + " queued=" + sum(c.connectionStats("TX"), "queued")
                    + "; RX frames=" + sum(c.connectionStats("RX"), "frames") + " incomplete=" + sum(c.connectionStats("RX"), "frames_incomplete")
                    + " dropped=" + sum(c.connectionStats("RX"), "frames_dropped") + " (" + dropped0 + " before the window, "
                    + (dropped1 - dropped0) + " in it)"
                    + " app_frames_dropped=" + sum(c.connectionStats("RX"), "app_frames_dropped")
                    + " no_buffer=" + sum(c.connectionStats("RX"), "no_buffer") + " late=" + sum(c.connectionStats("RX"), "late")
                    + " packets lost=" + sum(c.connectionStats("RX"), "lost") + " (" + lost0 + " before the window)"
                    + " incomplete by session=" + c.connectionStats("RX").values().stream()
                            .map(m -> m.getOrDefault("frames_incomplete", 0L) + (m.getOrDefault("frames_incomplete", 0L) == 0 ? ""
                                    : " (last: " + m.get("incomplete_missing_bytes_last") + " bytes missing, after "
                                    + m.get("incomplete_after_frames_last") + " frames; without marker: " + m.get("incomplete_no_marker") + ")"))
                            .toList());
            long sentAll = Arrays.stream(sent).mapToLong(AtomicLong::get).sum();
            long gotAll = Arrays.stream(got).mapToLong(AtomicLong::get).sum();
            double secs = (t1 - t0) / 1e9;
            StringBuilder fps = new StringBuilder();
            long[] all = new long[Arrays.stream(latN).sum()];
            int a = 0;
            for (int i = 0; i < n; i++) {
                fps.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", gotInWindow[i].get() / secs));
                System.arraycopy(lat[i], 0, all, a, latN[i]);
                a += latN[i];
            }
            Arrays.sort(all);
            double cores = (cpu1 - cpu0) / secs;
            long inWindow = Arrays.stream(gotInWindow).mapToLong(AtomicLong::get).sum();
            lastOursCpuPerFrame = inWindow == 0 ? Double.NaN : (cpu1 - cpu0) / inWindow;
            for (Connection conn : conns) {
                conn.close();
            }
            return String.format(Locale.ROOT, "| %d | %s | %d / %d (%d before the window; ticks the apps missed in it: %d) | %d | %.2f | %.3f | %.1f / %.1f / %.1f ",
                    n, fps, sentAll - gotAll, sentAll, sent0, skippedInWindow, lost1 - lost0, cores, cores / n,
                    all.length == 0 ? -1 : all[all.length / 2] / 1e6, all.length == 0 ? -1 : all[(int) (all.length * 0.99)] / 1e6,
                    all.length == 0 ? -1 : all[all.length - 1] / 1e6);
        }
    }

    static long sum(Map<?, Map<String, Long>> stats, String suffix) {
        long s = 0;
        for (Map<String, Long> m : stats.values()) {
            for (Map.Entry<String, Long> e : m.entrySet()) {
                if (e.getKey().endsWith(suffix)) {
                    s += e.getValue();
                }
            }
        }
        return s;
    }

    /** N GStreamer pipeline pairs doing the same job; CPU of all their processes, frames counted at the receivers. */
    static String runGst(int n, int seconds) throws Exception {
        String caps = "application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)RAW, "
                + "sampling=(string)YCbCr-4:2:2, depth=(string)10, width=(string)" + W + ", height=(string)" + H
                + ", colorimetry=(string)BT709-2, payload=(int)96, a-framerate=(string)60";
        List<Process> procs = new ArrayList<>();
        AtomicLong[] frames = new AtomicLong[n];
        AtomicBoolean counting = new AtomicBoolean(false);
        try {
            for (int i = 0; i < n; i++) {
                int port = BASE_PORT + 40 + 2 * i;
                frames[i] = new AtomicLong();
                Process rx = new ProcessBuilder("gst-launch-1.0", "-v", "udpsrc", "address=127.0.0.1", "port=" + port,
                        "buffer-size=33554432", "caps=" + caps, "!", "rtpvrawdepay", "!", "videoconvert", "!",
                        "video/x-raw,format=I422_10LE", "!", "fakesink", "silent=false").redirectErrorStream(true).start();
                procs.add(rx);
                AtomicLong counter = frames[i];
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(rx.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (line.contains("chain") && counting.get()) {
                                counter.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        // ended
                    }
                });
                reader.setDaemon(true);
                reader.start();
            }
            Polls.waitFor("GStreamer receivers listening", () -> java.util.stream.IntStream.range(0, n)
                    .allMatch(i -> Ready.udpBound(procs.get(i).pid(), BASE_PORT + 40 + 2 * i)), 30_000);
            for (int i = 0; i < n; i++) {
                int port = BASE_PORT + 40 + 2 * i;
                procs.add(new ProcessBuilder("gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "pattern=black", "!",
                        "video/x-raw,format=I422_10LE,width=" + W + ",height=" + H + ",framerate=60/1", "!", "videoconvert", "!",
                        "video/x-raw,format=UYVP", "!", "rtpvrawpay", "mtu=1400", "!", "udpsink", "host=127.0.0.1",
                        "port=" + port, "buffer-size=33554432", "sync=true").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            Thread.sleep(3000); // warm-up, on purpose: out of the measurement
            double cpu0 = 0;
            for (Process p : procs) {
                cpu0 += cpuSeconds(p.pid());
            }
            long t0 = System.nanoTime();
            counting.set(true);
            Thread.sleep(seconds * 1000L); // the measurement's window
            counting.set(false);
            double cpu1 = 0;
            for (Process p : procs) {
                cpu1 += cpuSeconds(p.pid());
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double minFps = Double.MAX_VALUE;
            long total = 0;
            for (AtomicLong f : frames) {
                minFps = Math.min(minFps, f.get() / secs);
                total += f.get();
            }
            double cores = (cpu1 - cpu0) / secs;
            lastGstCpuPerFrame = total == 0 ? Double.NaN : (cpu1 - cpu0) / total;
            return String.format(Locale.ROOT, "| %.1f | %.2f | %s |", minFps, cores, "%RATIO%");
        } finally {
            for (Process p : procs) {
                p.destroy();
            }
            for (Process p : procs) {
                p.waitFor();
            }
        }
    }

    static double lastGstCpuPerFrame;
    static double lastOursCpuPerFrame;
}
