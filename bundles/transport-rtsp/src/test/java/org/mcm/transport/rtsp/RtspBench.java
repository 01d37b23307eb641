package org.mcm.transport.rtsp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.testing.Ready;
import org.mcm.api.transport.TransportSession;

/**
 * Benchmark (prints a table; not a test): 1080p60 H.264 at ~20 Mbit/s pushed as RTP (our packetizer, paced per
 * frame) into N receivers at once, ours (RX sessions delivering access units to an app) and GStreamer's
 * ({@code udpsrc ! rtph264depay ! h264parse ! fakesink}, one process) side by side in one run; then the RTSP server
 * serving one such stream to 8 UDP clients, ours and GStreamer's RTSP server (python3-gi) doing the same.
 * CPU: our threads' CPU time (ThreadMXBean), GStreamer's process CPU (/proc).
 *
 * <p>Run: {@code cd bundles/transport-rtsp && mvn -B -o -q test-compile dependency:build-classpath
 * -Dmdep.outputFile=/tmp/rtsp.cp && java -cp target/test-classes:target/classes:$(cat /tmp/rtsp.cp)
 * org.mcm.transport.rtsp.RtspBench [cameras=16] [seconds=10]}
 */
public final class RtspBench {

    static final int FPS = 60;

    public static void main(String[] args) throws Exception {
        int cameras = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String what = args.length > 2 ? args[2] : "all";
        Path h264 = Path.of(System.getProperty("java.io.tmpdir"), "rtsp-bench-1080p60.h264");
        if (!Files.exists(h264)) {
            Peers.run(Path.of(System.getProperty("java.io.tmpdir"), "rtsp-bench-enc.log"), 300, Peers.GST, "-q",
                    "videotestsrc", "num-buffers=600", "pattern=smpte", "!",
                    "video/x-raw,width=1920,height=1080,framerate=60/1", "!", "x264enc", "speed-preset=ultrafast",
                    "bitrate=20000", "key-int-max=60", "tune=zerolatency", "!", "video/x-h264,profile=baseline", "!",
                    "h264parse", "!", "video/x-h264,stream-format=byte-stream,alignment=au", "!", "filesink",
                    "location=" + h264);
        }
        List<byte[]> aus = accessUnits(Files.readAllBytes(h264));
        long bytes = aus.stream().mapToLong(a -> a.length).sum();
        double mbps = bytes * 8.0 * FPS / aus.size() / 1e6;
        System.out.printf("source: %s, %d access units, %.1f Mbit/s at %d fps%n", h264, aus.size(), mbps, FPS);
        List<List<byte[]>> packets = packetize(aus, 1400);
        System.out.println();
        System.out.println("| job | receiver | streams | frames sent | frames delivered | lost packets | CPU (cores) | CPU per stream |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        if (!what.equals("serve")) {
            for (int n : new int[] {1, cameras}) {
                receive(packets, n, seconds, mbps);
            }
        }
        if (!what.equals("receive")) {
            serve(aus, packets, 8, seconds, mbps, true);
            serve(aus, packets, 8, seconds, mbps, false);
        }
    }

    /** One stream to N UDP clients: our RTSP server (fed access units by an app thread) and GStreamer's. */
    static void serve(List<byte[]> aus, List<List<byte[]>> packets, int clients, int seconds, double mbps,
            boolean offload) throws Exception {
        int ourPort = Peers.freeTcpPort();
        RtspTransport t = new RtspTransport();
        t.activate(Peers.settings(ourPort, "", "", 60, offload));
        String kind = t.server().udpSendKind();
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "rtsp", new BlobFormat(5_184_000))
                .option("name", "bench").build(), RtspServerInteropTest.txContext(9));
        int gstPort = Peers.freeTcpPort();
        int gstFeed = Peers.freeUdpPort();
        Path script = Path.of(RtspBench.class.getResource("/gst_rtsp_server.py").toURI());
        Process gst = new ProcessBuilder(Peers.PYTHON, script.toString(), Integer.toString(gstPort), "bench", "/dev/null",
                "--udp-source=" + gstFeed).redirectErrorStream(true)
                .redirectOutput(Path.of(System.getProperty("java.io.tmpdir"), "rtsp-bench-gst-server.log").toFile()).start();
        RtspServerInteropTest.waitFor(() -> Ready.tcpListening(gst.pid(), gstPort) && Ready.udpBound(gst.pid(), gstFeed),
                30_000, "GStreamer's RTSP server listening and its RTP feed bound");
        // feeders: access units into our TX session, RTP into GStreamer's udpsrc, both at 60 fps
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread feeder = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(5_184_000);
            long start = System.nanoTime();
            for (long f = 0; !stop.get(); f++) {
                long due = start + f * 1_000_000_000L / FPS;
                while (System.nanoTime() < due) {
                    try {
                        Thread.sleep(0, 200_000); // the feeder's pace (60 fps)
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                byte[] au = aus.get((int) (f % aus.size()));
                buf.clear();
                buf.put(au);
                HeapFrame fr = new HeapFrame(buf, null);
                fr.length(au.length);
                fr.timestamp(f * 90_000 / FPS + 1);
                tx.input().accept(fr);
            }
        }, "bench-feeder");
        Thread gstFeeder = new Thread(() -> {
            try {
                replay(packets, List.of(gstFeed), seconds + 6);
            } catch (Exception e) {
                System.err.println(e);
            }
        }, "bench-gst-feeder");
        List<TransportSession> viewers = new ArrayList<>();
        List<long[]> counts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            for (String url : List.of("rtsp://127.0.0.1:" + ourPort + "/bench", "rtsp://127.0.0.1:" + gstPort + "/bench")) {
                long[] c = {0};
                counts.add(c);
                viewers.add(new RtspClientSession(ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(5_184_000))
                        .option("url", url).option("rtsp_transport", "udp").build(), app(c, 2), Peers.settings()));
            }
        }
        feeder.start();
        gstFeeder.start();
        Thread.sleep(3000); // on purpose: the clients' set-up and the JIT out of the measurement
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Predicate<String> server = name -> name.equals("bench-feeder") || name.startsWith("rtsp-server")
                || name.startsWith("rtsp-send") || name.startsWith("rtsp-conn");
        Map<Long, Long> c0 = cpuByThread(mx, server);
        long g0 = procCpuNanos(gst.pid());
        long[] at0 = split(counts);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L); // the measurement's window
        long wall = System.nanoTime() - t0;
        Map<Long, Long> c1 = cpuByThread(mx, server);
        long oursCpu = cpuDelta(c0, c1);
        if (Boolean.getBoolean("bench.debug")) {
            for (Map.Entry<Long, Long> e : c1.entrySet()) {
                System.out.println("thread " + mx.getThreadInfo(e.getKey()).getThreadName() + " "
                        + (e.getValue() - c0.getOrDefault(e.getKey(), 0L)) / 1_000_000 + " ms");
            }
        }
        long g1 = procCpuNanos(gst.pid());
        long[] at1 = split(counts);
        long ours = at1[0] - at0[0];
        long theirs = at1[1] - at0[1];
        long expected = Math.round(wall / 1e9 * FPS) * clients;
        String job = String.format("RTSP server, 1 stream %.0f Mbit/s to %d UDP clients", mbps, clients);
        System.out.printf("| %s | ours (%s) | %d | %d | %d | - | %.3f | %.4f |%n", job, kind, clients, expected, ours,
                oursCpu / (double) wall, oursCpu / (double) wall / clients);
        System.out.printf("| %s | GStreamer rtsp-server (udpsrc ! rtph264depay ! rtph264pay) | %d | %d | %d | - | %.3f | %.4f |%n",
                job, clients, expected, theirs, (g1 - g0) / (double) wall, (g1 - g0) / (double) wall / clients);
        for (TransportSession v : viewers) {
            v.close();
        }
        stop.set(true);
        feeder.join(2000);
        gstFeeder.join(15_000);
        tx.close();
        t.deactivate();
        Peers.stop(gst);
    }

    /** N of ours and N GStreamer receivers at once, fed the same packets. */
    static void receive(List<List<byte[]>> packets, int n, int seconds, double mbps) throws Exception {
        List<Integer> ourPorts = new ArrayList<>();
        List<Integer> gstPorts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ourPorts.add(Peers.freeUdpPort());
            gstPorts.add(Peers.freeUdpPort());
        }
        List<String> cmd = new ArrayList<>(List.of(Peers.GST, "-q"));
        for (int p : gstPorts) {
            cmd.addAll(List.of("udpsrc", "port=" + p, "buffer-size=8388608",
                    "caps=application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96", "!",
                    "rtph264depay", "!", "h264parse", "!", "fakesink", "sync=false"));
        }
        Process gst = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(Path.of(System.getProperty("java.io.tmpdir"), "rtsp-bench-gst.log").toFile()).start();
        List<TransportSession> ours = new ArrayList<>();
        List<long[]> delivered = new ArrayList<>();
        for (int p : ourPorts) {
            long[] count = {0};
            delivered.add(count);
            ours.add(new RtpRxSession(ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(5_184_000))
                    .local(new Endpoint("", p)).build(), app(count), Peers.settings()));
        }
        RtspServerInteropTest.waitFor(() -> gstPorts.stream().allMatch(p -> Ready.udpBound(gst.pid(), p)), 30_000,
                "GStreamer's receivers bound");
        List<Integer> all = new ArrayList<>(ourPorts);
        all.addAll(gstPorts);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Predicate<String> rxThreads = name -> name.startsWith("rtp-h264-rx-");
        Map<Long, Long> cpu0 = cpuByThread(mx, rxThreads);
        long gst0 = procCpuNanos(gst.pid());
        long t0 = System.nanoTime();
        long frames = replay(packets, all, seconds);
        long wall = System.nanoTime() - t0;
        Thread.sleep(300); // the last packets taken in (inside the measurement, as before)
        Map<Long, Long> cpu1 = cpuByThread(mx, rxThreads);
        long gst1 = procCpuNanos(gst.pid());
        long got = delivered.stream().mapToLong(c -> c[0]).sum();
        long lost = ours.stream().mapToLong(s -> s.stats().get("lost")).sum();
        double oursCores = cpuDelta(cpu0, cpu1) / (double) wall;
        double gstCores = (gst1 - gst0) / (double) wall;
        String job = String.format("1080p60 %.0f Mbit/s camera -> app", mbps);
        System.out.printf("| %s | ours (RX session) | %d | %d | %d | %d | %.3f | %.4f |%n", job, n, frames * n, got, lost,
                oursCores, oursCores / n);
        System.out.printf("| %s | GStreamer udpsrc ! rtph264depay ! h264parse | %d | %d | n/a | n/a | %.3f | %.4f |%n", job,
                n, frames * n, gstCores, gstCores / n);
        for (TransportSession s : ours) {
            s.close();
        }
        Peers.stop(gst);
    }

    /** Frames our clients (even indexes) and GStreamer's (odd) delivered so far. */
    static long[] split(List<long[]> counts) {
        long[] r = new long[2];
        for (int i = 0; i < counts.size(); i++) {
            r[i % 2] += counts.get(i)[0];
        }
        return r;
    }

    /** An app that takes every access unit and gives the buffer back at once. */
    static TransportContext app(long[] count) {
        return app(count, 8);
    }

    static TransportContext app(long[] count, int buffers) {
        List<Frame> pool = new ArrayList<>();
        java.util.concurrent.BlockingQueue<Frame> free = new java.util.concurrent.ArrayBlockingQueue<>(buffers);
        for (int i = 0; i < buffers; i++) {
            free.add(new HeapFrame(ByteBuffer.allocateDirect(5_184_000), null));
        }
        pool.addAll(free);
        return new TransportContext() {
            @Override
            public long sessionId() {
                return 1;
            }

            @Override
            public FrameSource frameSource() {
                return new FrameSource() {
                    @Override
                    public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
                        Frame f = free.poll(timeout, unit);
                        return f == null ? null : new HeapFrame(f.data(), g -> free.add(f));
                    }

                    @Override
                    public int frameCapacity() {
                        return 5_184_000;
                    }
                };
            }

            @Override
            public FrameSink output() {
                return f -> {
                    count[0]++;
                    f.release();
                    return true;
                };
            }

            @Override
            public void failed(String reason) {
                System.err.println(reason);
            }
        };
    }

    /** Sends each access unit's packets to every port at its frame time; returns frames sent per port. */
    static long replay(List<List<byte[]>> packets, List<Integer> ports, int seconds) throws Exception {
        List<DatagramChannel> chs = new ArrayList<>();
        for (int p : ports) {
            DatagramChannel ch = DatagramChannel.open();
            ch.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 8 << 20);
            ch.connect(new InetSocketAddress("127.0.0.1", p));
            chs.add(ch);
        }
        long frames = (long) seconds * FPS;
        long start = System.nanoTime();
        int seq = 0;
        ByteBuffer b = ByteBuffer.allocateDirect(2048);
        for (long f = 0; f < frames; f++) {
            long due = start + f * 1_000_000_000L / FPS;
            while (System.nanoTime() < due) {
                Thread.sleep(0, 200_000); // the replay's pace (60 fps)
            }
            List<byte[]> au = packets.get((int) (f % packets.size()));
            int ts = (int) (f * 90_000 / FPS);
            for (byte[] p : au) {
                for (DatagramChannel ch : chs) {
                    b.clear();
                    b.put(p).flip();
                    b.putShort(2, (short) seq);
                    b.putInt(4, ts);
                    try {
                        ch.write(b);
                    } catch (java.net.PortUnreachableException e) {
                        // nobody listens yet (GStreamer's RTSP server opens its udpsrc on the first DESCRIBE)
                    }
                }
                seq++;
            }
        }
        for (DatagramChannel ch : chs) {
            ch.close();
        }
        return frames;
    }

    /** CPU time of the threads whose names match, per thread id (threads that end in between are not counted). */
    static Map<Long, Long> cpuByThread(ThreadMXBean mx, Predicate<String> names) {
        Map<Long, Long> m = new java.util.HashMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && names.test(t.getThreadName())) {
                long c = mx.getThreadCpuTime(t.getThreadId());
                if (c > 0) {
                    m.put(t.getThreadId(), c);
                }
            }
        }
        return m;
    }

    static long cpuDelta(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /** utime + stime of a process in nanoseconds (clock ticks of 10 ms). */
    static long procCpuNanos(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    /** The access units of an h264parse (alignment=au) byte stream: a new one at each picture's first slice. */
    static List<byte[]> accessUnits(byte[] s) {
        List<byte[]> nals = Peers.nals(s);
        List<byte[]> aus = new ArrayList<>();
        java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
        boolean vcl = false;
        for (byte[] n : nals) {
            int t = n[0] & 0x1F;
            boolean firstSlice = (t == 1 || t == 5) && (n[1] & 0x80) != 0;
            if (vcl && (firstSlice || t == 7 || t == 9 || t == 6)) {
                aus.add(cur.toByteArray());
                cur.reset();
                vcl = false;
            }
            cur.writeBytes(new byte[] {0, 0, 0, 1});
            cur.writeBytes(n);
            vcl |= t == 1 || t == 5;
        }
        if (cur.size() > 0) {
            aus.add(cur.toByteArray());
        }
        return aus;
    }

    /** RTP packets per access unit (single NAL unit and FU-A, PT 96, marker on the last). */
    static List<List<byte[]>> packetize(List<byte[]> aus, int mtu) {
        List<List<byte[]>> out = new ArrayList<>();
        for (byte[] au : aus) {
            List<byte[]> nals = Peers.nals(au);
            List<byte[]> pk = new ArrayList<>();
            for (int i = 0; i < nals.size(); i++) {
                byte[] n = nals.get(i);
                boolean lastNal = i == nals.size() - 1;
                if (n.length + 12 <= mtu) {
                    pk.add(rtp(lastNal, n, 0, n.length, null));
                } else {
                    for (byte[] frag : Rtp.fuA(n, mtu - 14)) {
                        boolean end = (frag[1] & 0x40) != 0;
                        pk.add(rtp(lastNal && end, frag, 0, frag.length, null));
                    }
                }
            }
            out.add(pk);
        }
        return out;
    }

    static byte[] rtp(boolean marker, byte[] payload, int off, int len, Map<String, Long> unused) {
        byte[] p = new byte[12 + len];
        p[0] = (byte) 0x80;
        p[1] = (byte) ((marker ? 0x80 : 0) | 96);
        p[8] = 0x12;
        p[9] = 0x34;
        p[10] = 0x56;
        p[11] = 0x78;
        System.arraycopy(payload, off, p, 12, len);
        return p;
    }
}
