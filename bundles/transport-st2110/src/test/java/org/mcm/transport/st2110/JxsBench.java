package org.mcm.transport.st2110;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;
import org.mcm.codec.jpegxs.JpegXsCodec;

/**
 * ST 2110-22 (JPEG XS, 3 bpp) 1080p60 4:2:2 10-bit through the transport on loopback, sender and receiver measured
 * one at a time, as they would run on different machines: the sender encodes and sends paced frames to a plain
 * socket that only counts; the receiver gets a recorded stream replayed at 60 fps (sequence numbers and timestamps
 * rewritten) and decodes it into app buffers. Rows for codec_threads 1, 2 and the default (the codec's answer), or
 * those of {@code -Djxsbench.threads} (e.g. {@code 2/1,d}: TX/RX, d the default). Prints a Markdown table. With a
 * third argument {@code both}, the sender and the receiver run at the same time on the same cores (as one proxy
 * carrying a -22 sender and a -22 receiver would), each measured by the CPU of its own threads.
 * <p>fps: the sender's frames sent from the first after the warm-up to the last, over the time between them (its
 * pacing holds it at 60.0 at most; the app offers frames as fast as they are taken); the receiver's frames delivered to the app from the first after the warm-up to the
 * last, over the time between them (60.0 when it keeps the replay's pace and drops nothing). The replay sends UDP
 * GSO batches as the -22 sender does ({@code -Djxsbench.replay=packets}: one send a packet, as before session 10).
 * Each row also gives the heap bytes a measured frame allocated by each group of the session's threads (TX: encoding,
 * send, {@code jpegxs-enc} helpers; RX: receive, decode, {@code jpegxs-dec}) and the collections that started in the
 * measured window (count, longest pause): run it with the appliance's JVM flags to see the product's collector.
 * Run: see README "Measurements"; arguments: [frames] [raw yuv422p10le 1080p picture, e.g. the hd test vector]
 * [both].
 */
public final class JxsBench {

    /**
     * Frames before the measurement, each side: 2 s, so that the JIT's compilations of the codec's and the session's
     * code (still ~20 a second after 30 frames) and the first collections are behind, as in a proxy that has run a
     * while.
     */
    static final int WARM = 120;

    static final VideoFormat FMT = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        byte[] picture = args.length > 1 ? Files.readAllBytes(Path.of(args[1])) : synthetic();
        if (picture.length != FMT.bufferSize()) {
            throw new IllegalArgumentException("the picture must be 1920x1080 yuv422p10le (" + FMT.bufferSize()
                    + " bytes), not " + picture.length);
        }
        List<String> rows = new ArrayList<>();
        rows.add("| side | codec_threads | frames | wall s | fps | CPU (cores): session threads + codec helpers |"
                + " peer CPU (cores) | frames complete (dropped: no free segment) | lost pkts | encode/decode errors |"
                + " bytes allocated a frame: TX encode / send / jpegxs-enc threads, RX receive / decode / jpegxs-dec | collections (any"
                + " thread): count, longest pause | TX time a measured frame (ms): encode wall / encoder waiting for a frame /"
                + " for a segment; encodes over a period; late ms total, restarts' lost ms | machine: steal % / idle % |");
        rows.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        List<byte[][]> recorded = record(picture, 4);
        boolean both = args.length > 2 && args[2].equals("both");
        for (String row : System.getProperty("jxsbench.threads", "1,2,d").split(",")) {
            // T: codec_threads T both sides; TX/RX: each side its own; d: no option, the codec's answer
            String[] sides = row.trim().split("/");
            int txThreads = threadsOption(sides[0]);
            int rxThreads = threadsOption(sides[sides.length - 1]);
            if (both) {
                rows.addAll(together(picture, recorded, frames, txThreads, rxThreads));
            } else {
                rows.add(sender(picture, frames, txThreads));
                rows.add(receiver(recorded, frames, rxThreads));
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
    }

    /** A row's codec_threads for one side: a number, or d (0: no option, the codec's answer). */
    static int threadsOption(String v) {
        return v.equals("d") ? 0 : Integer.parseInt(v);
    }

    /** The connection with option codec_threads, or without it (the codec's answer) for 0. */
    static ConnectionSpec.Builder threads(ConnectionSpec.Builder b, int threads) {
        return threads > 0 ? b.option("codec_threads", Integer.toString(threads)) : b;
    }

    /** The codec_threads column: the session's, "(default)" when the codec chose. */
    static String threadsColumn(int asked, Map<String, Long> stats) {
        return stats.get("codec_threads") + (asked > 0 ? "" : " (default)");
    }

    static St2110Transports.Jxs transport() {
        St2110Transports.Jxs t = new St2110Transports.Jxs();
        t.codec = new JpegXsCodec();
        t.activate(TestSupport.settings("wide"));
        return t;
    }

    static byte[] synthetic() {
        ByteBuffer b = ByteBuffer.allocate((int) FMT.bufferSize()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        SplittableRandom rnd = new SplittableRandom(7);
        int[] w = {1920, 960, 960};
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 1080; y++) {
                for (int x = 0; x < w[c]; x++) {
                    double v = 512 + 300 * Math.sin(x * 0.02 + c) * Math.cos(y * 0.015) + rnd.nextGaussian() * 8;
                    b.putShort((short) Math.max(0, Math.min(1023, v)));
                }
            }
        }
        return b.array();
    }

    /** A socket on a free loopback port that counts what arrives; close() stops it. */
    static final class Counter implements AutoCloseable {
        final DatagramChannel ch;
        final AtomicLong packets = new AtomicLong();
        final List<byte[]> keep;
        final Thread thread;
        final AtomicBoolean stop = new AtomicBoolean();

        Counter(List<byte[]> keep) throws Exception {
            this.keep = keep;
            ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 64 << 20);
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            thread = new Thread(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(65536);
                while (!stop.get()) {
                    try {
                        b.clear();
                        ch.receive(b);
                        b.flip();
                        if (keep != null) {
                            byte[] p = new byte[b.remaining()];
                            b.get(p);
                            keep.add(p);
                        }
                        packets.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "bench-counter");
            thread.start();
        }

        int port() throws Exception {
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws java.io.IOException {
            stop.set(true);
            ch.close();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static HeapFrame frame(ByteBuffer content) {
        HeapFrame f = new HeapFrame(content.duplicate(), null);
        f.length(content.capacity());
        return f;
    }

    static String sender(byte[] picture, int frames, int threads) throws Exception {
        return sender(picture, frames, threads, new AtomicBoolean());
    }

    /** The sender's row; it stops early (after fewer than frames) when stop is set. */
    static String sender(byte[] picture, int frames, int threads, AtomicBoolean stop) throws Exception {
        ByteBuffer content = ByteBuffer.allocateDirect(picture.length);
        content.put(0, picture);
        St2110Transports.Jxs t = transport();
        // the peer: a socket nobody reads (the kernel drops what does not fit), so that no receiving thread takes
        // CPU from the sender on this machine; the sender's own counters say what went out
        try (DatagramChannel sink = DatagramChannel.open()) {
            sink.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 16);
            sink.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) sink.getLocalAddress()).getPort();
            TransportSession tx = t.open(threads(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3"), threads).build(),
                    TestSupport.txContext());
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            // one frame object offered again and again (its release does nothing), as an app's pooled buffers are:
            // a new one at every try of a full queue was the bench's own steady garbage
            HeapFrame app = frame(content);
            // the polls below run inside the measurement: plain sleeps (Awaitility's own thread would be measured too)
            for (int i = 0; i < WARM; i++) { // warm-up: the encoder's code compiled
                while (!tx.input().accept(app)) {
                    Thread.sleep(1);
                }
            }
            while (tx.stats().get("frames") < WARM) {
                Thread.sleep(2);
            }
            long cpu0 = txCpu(mx);
            long[] stat0 = procStat();
            Map<String, Long> s0 = tx.stats(); // the lateness counters from here on: the measured frames'
            long[] alloc0 = allocated(TX_THREADS);
            long gc0 = GcPauses.now();
            long t0 = System.nanoTime();
            // when the measured frames went out: the sent-frames counter polled every millisecond on a thread of its
            // own (its CPU is not the session's), its first and last change after the warm-up
            long[] sentAt = new long[4]; // first count and its time, last count and its time
            AtomicBoolean done = new AtomicBoolean();
            AtomicBoolean offered = new AtomicBoolean(); // the app gave its last frame: the last one goes out next
            Thread watch = new Thread(() -> {
                long last = WARM;
                while (!done.get()) {
                    long f = tx.stats().get("frames");
                    if (f > last) {
                        long now = System.nanoTime();
                        if (sentAt[1] == 0) {
                            sentAt[0] = f;
                            sentAt[1] = now;
                        }
                        sentAt[2] = f;
                        sentAt[3] = now;
                        last = f;
                    }
                    try {
                        // every millisecond around the first and the last measured frame; 50 ms in between, as
                        // each stats() snapshot is garbage (at 1 ms ~1 kB a poll, the bench's own collections, whose
                        // pauses held up the encoder, were most of the young generation's work)
                        Thread.sleep(sentAt[1] != 0 && !offered.get() ? 50 : 1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-sent-watch");
            watch.start();
            int n = 0;
            for (; n < frames && !stop.get(); n++) {
                while (!tx.input().accept(app)) {
                    Thread.sleep(1);
                }
            }
            offered.set(true);
            while (tx.stats().get("frames") < WARM + n) {
                Thread.sleep(2);
            }
            Thread.sleep(5); // the watch sees the last frame
            done.set(true);
            watch.join();
            double secs = (System.nanoTime() - t0) / 1e9;
            long cpu = txCpu(mx) - cpu0;
            long[] stat1 = procStat();
            long[] alloc1 = allocated(TX_THREADS);
            String gcs = GcPauses.between(gc0, GcPauses.now());
            // 60.0 when every frame goes out on its period (the pacing holds it there)
            double fps = sentAt[2] > sentAt[0] ? (sentAt[2] - sentAt[0]) / ((sentAt[3] - sentAt[1]) / 1e9) : 0;

            Map<String, Long> s = tx.stats();
            t.deactivate();
            return String.format(Locale.ROOT, "| sender (encode + paced send) | %s | %d | %.2f | %.1f | %.2f | 0 (kernel"
                    + " drops) | %d sent (%s late, %s restarts) | - | %d | %s | %s | %s | %s |", threadsColumn(threads, s), n, secs, fps,
                    cpu / 1e9 / secs, s.get("frames") - WARM, since(s0, s, "frames_started_late"),
                    since(s0, s, "schedule_restarts"), s.get("encode_errors"), perFrame(alloc0, alloc1, n), gcs,
                    txTimes(s0, s, n), machine(stat0, stat1));
        }
    }

    /** A counter's growth between two stats snapshots, or "-" where the session has no such counter. */
    static String since(Map<String, Long> before, Map<String, Long> after, String key) {
        Long a = before.get(key), b = after.get(key);
        return a == null || b == null ? "-" : Long.toString(b - a);
    }

    /**
     * The sender and the receiver at once, each on its own thread of this JVM: their two rows. The receiver's replay
     * runs frames at 60 fps; the sender stops when the receiver is done, so both rows cover the same time.
     */
    static List<String> together(byte[] picture, List<byte[][]> recorded, int frames, int txThreads, int rxThreads)
            throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            java.util.concurrent.Future<String> tx = pool.submit(() -> sender(picture, frames * 2, txThreads, stop));
            java.util.concurrent.Future<String> rx = pool.submit(() -> {
                try {
                    return receiver(recorded, frames, rxThreads);
                } finally {
                    stop.set(true);
                }
            });
            return List.of(tx.get().replace("| sender (", "| sender, receiver beside it ("),
                    rx.get().replace("| receiver (", "| receiver, sender beside it ("));
        } finally {
            pool.shutdown();
        }
    }

    /** The packets of n frames as the sender makes them (one list per frame, split at the RTP marker bit). */
    static List<byte[][]> record(byte[] picture, int n) throws Exception {
        ByteBuffer content = ByteBuffer.allocateDirect(picture.length);
        content.put(0, picture);
        List<byte[]> packets = java.util.Collections.synchronizedList(new ArrayList<>());
        St2110Transports.Jxs t = transport();
        try (Counter counter = new Counter(packets)) {
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", counter.port())).option("bpp", "3").build(),
                    TestSupport.txContext());
            for (int i = 0; i < n; i++) {
                while (!tx.input().accept(frame(content))) {
                    Thread.sleep(1); // the sender's queue is full: try again
                }
            }
            org.awaitility.Awaitility.await("the sender's " + n + " frames recorded").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> tx.stats().get("frames") >= n && counter.packets.get() >= tx.stats().get("packets"));
            t.deactivate();
        }
        List<byte[][]> out = new ArrayList<>();
        List<byte[]> cur = new ArrayList<>();
        for (byte[] p : packets) {
            cur.add(p);
            if ((p[1] & 0x80) != 0) {
                out.add(cur.toArray(new byte[0][]));
                cur.clear();
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("nothing recorded");
        }
        return out;
    }

    static String receiver(List<byte[][]> recorded, int frames, int threads) throws Exception {
        St2110Transports.Jxs t = transport();
        TestApp app = new TestApp(8, (int) FMT.bufferSize());
        int port = St2110Bench.freeUdpPort();
        TransportSession rx = t.open(threads(ConnectionSpec.builder(Direction.RX, "st2110-22", FMT)
                .local(new Endpoint("127.0.0.1", port)).payloadType(114), threads).build(), app);
        AtomicLong delivered = new AtomicLong();
        int warm = WARM;
        long[] at = new long[warm + frames + 64]; // when each frame reached the app (drain thread; read after join)
        Thread drain = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Frame f = app.received.poll(100, TimeUnit.MILLISECONDS);
                    if (f != null) {
                        long k = delivered.getAndIncrement();
                        if (k < at.length) {
                            at[(int) k] = System.nanoTime();
                        }
                        f.release();
                    }
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        drain.start();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpu0 = 0, t0 = 0, peer0 = 0, peer = 0, gc0 = 0, dropped0 = 0;
        long[] alloc0 = null;
        long[] stat0 = null;
        Replay replay = Replay.of(recorded, port);
        try (replay) {
            long start = System.nanoTime();
            for (int i = 0; i < warm + frames; i++) {
                if (i == warm) {
                    alloc0 = allocated(RX_THREADS);
                    stat0 = procStat();
                    gc0 = GcPauses.now();
                    cpu0 = rxCpu(mx);
                    dropped0 = rx.stats().get("frames_dropped");
                    peer0 = mx.getCurrentThreadCpuTime();
                    t0 = System.nanoTime();
                }
                replay.frame(i);
                if (i == warm + frames - 1) {
                    peer = mx.getCurrentThreadCpuTime() - peer0;
                }
                long next = start + (i + 1) * 16_666_667L;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the replay's pace (60 fps)
                }
            }
        }
        // the frames still decoding: until all arrived or none came for 300 ms
        long seen = -1;
        while (delivered.get() != seen && delivered.get() < warm + frames) {
            seen = delivered.get();
            Thread.sleep(300);
        }
        long cpu = rxCpu(mx) - cpu0;
        long[] stat1 = procStat();
        long[] alloc1 = allocated(RX_THREADS);
        String gcs = GcPauses.between(gc0, GcPauses.now());
        Map<String, Long> s = rx.stats();
        drain.interrupt();
        drain.join();
        t.deactivate();
        // the rate at which frames reached the app from the first delivered after the warm-up to the last one: 60.0
        // when the receiver keeps the replay's pace and loses none (a frame dropped or delivered late lowers it)
        int n = (int) Math.min(delivered.get(), at.length);
        int first = 0;
        while (first < n && at[first] < t0) {
            first++;
        }
        int got = n - first;
        double span = got > 1 ? (at[n - 1] - at[first]) / 1e9 : Double.NaN;
        double fps = got > 1 ? (got - 1) / span : 0;
        double secs = got > 1 ? (at[n - 1] - t0) / 1e9 : (System.nanoTime() - t0) / 1e9;
        return String.format(Locale.ROOT, "| receiver (receive + decode) | %s | %d | %.2f | %.1f | %.2f | %.2f (replay"
                + replay.how() + ") | %d of %d (%d dropped after the warm-up) | %d | %d | %s | %s | - | %s |", threadsColumn(threads, s), frames, secs, fps, cpu / 1e9 / secs,
                peer / 1e9 / secs, s.get("frames"), warm + frames, s.get("frames_dropped") - dropped0, s.get("lost"), s.get("decode_errors"),
                perFrame(alloc0, alloc1, frames), gcs, machine(stat0, stat1));
    }

    /**
     * The replay of a recorded stream, as the remote sender would put it on the wire: by default in UDP GSO batches
     * (what the -22 sender itself sends with the fast path, one system call for up to ~50 packets), with
     * {@code -Djxsbench.replay=packets} (or without the native helpers) one send a packet. Each frame's packets go
     * out at once; sequence numbers and timestamps are rewritten as a continuous stream.
     */
    static final class Replay implements AutoCloseable {
        private final List<byte[][]> recorded;
        private final DatagramChannel out;
        private final GsoSender gso;
        private final ByteBuffer b = ByteBuffer.allocateDirect(65536);
        private final ByteBuffer[] payloads; // gso: each recorded frame's payloads, packet k at k * dataLen
        private final long[] addrs;
        private final int hdr = Rtp.HEADER + Rfc9134.PAYLOAD_HEADER;
        private int seq;

        private Replay(List<byte[][]> recorded, DatagramChannel out, GsoSender gso) {
            this.recorded = recorded;
            this.out = out;
            this.gso = gso;
            this.payloads = new ByteBuffer[recorded.size()];
            this.addrs = new long[gso == null ? 1 : gso.batch()];
            if (gso != null) {
                int dataLen = recorded.get(0)[0].length - hdr;
                for (int f = 0; f < recorded.size(); f++) {
                    byte[][] p = recorded.get(f);
                    payloads[f] = ByteBuffer.allocateDirect(p.length * dataLen);
                    for (int k = 0; k < p.length; k++) {
                        if (k < p.length - 1 && p[k].length != hdr + dataLen) {
                            throw new IllegalStateException("recorded packets of unequal sizes: the GSO replay needs"
                                    + " codestream mode");
                        }
                        payloads[f].put(k * dataLen, p[k], hdr, p[k].length - hdr);
                    }
                }
            }
        }

        static Replay of(List<byte[][]> recorded, int port) throws java.io.IOException {
            int segment = recorded.get(0)[0].length;
            GsoSender g = "packets".equals(System.getProperty("jxsbench.replay")) ? null
                    : GsoSender.open("127.0.0.1", 0, "127.0.0.1", port, 1, 4 << 20, Rtp.HEADER + Rfc9134.PAYLOAD_HEADER,
                            segment);
            if (g != null) {
                return new Replay(recorded, null, g);
            }
            DatagramChannel ch = DatagramChannel.open();
            ch.connect(new InetSocketAddress("127.0.0.1", port));
            return new Replay(recorded, ch, null);
        }

        String how() {
            return gso != null ? ", GSO batches" : ", one send a packet";
        }

        /** Sends frame i (recorded frame i mod their number) at once. */
        void frame(int i) throws java.io.IOException {
            byte[][] packets = recorded.get(i % recorded.size());
            if (gso == null) {
                for (byte[] p : packets) {
                    b.clear();
                    b.put(p).flip();
                    b.putShort(2, (short) seq++);
                    b.putInt(4, i * 1500); // 90 kHz at 60 fps
                    out.write(b);
                }
                return;
            }
            ByteBuffer data = payloads[i % recorded.size()];
            long base = NetNative.address(data);
            int dataLen = packets[0].length - hdr;
            ByteBuffer h = gso.headers();
            for (int k = 0; k < packets.length;) {
                int n = Math.min(gso.batch(), packets.length - k);
                for (int j = 0; j < n; j++) {
                    h.put(j * hdr, packets[k + j], 0, hdr);
                    h.putShort(j * hdr + 2, (short) seq++);
                    h.putInt(j * hdr + 4, i * 1500);
                    addrs[j] = base + (long) (k + j) * dataLen;
                }
                k += n;
                gso.send(addrs, n, packets[k - 1].length - hdr);
            }
        }

        @Override
        public void close() throws java.io.IOException {
            if (gso != null) {
                gso.close();
            } else {
                out.close();
            }
        }
    }

    /** The sender's time a measured frame (its stats' µs counters between two snapshots), or "-" without them. */
    static String txTimes(Map<String, Long> a, Map<String, Long> b, int n) {
        if (!b.containsKey("encode_us") || n == 0) {
            return "-";
        }
        java.util.function.ToDoubleFunction<String> d = k -> (b.get(k) - a.get(k)) / 1000.0;
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f; %s; %.0f, %.0f", d.applyAsDouble("encode_us") / n,
                d.applyAsDouble("encoder_wait_frame_us") / n, d.applyAsDouble("encoder_wait_segment_us") / n,
                since(a, b, "encodes_over_period"), d.applyAsDouble("late_us"), d.applyAsDouble("restart_us"));
    }

    /** The machine's jiffies from /proc/stat's cpu line: user..steal, or empty where it cannot be read. */
    static long[] procStat() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long[] v = new long[8];
            for (int i = 0; i < 8 && i + 1 < f.length; i++) {
                v[i] = Long.parseLong(f[i + 1]);
            }
            return v;
        } catch (java.io.IOException | RuntimeException e) {
            return new long[0];
        }
    }

    /** Steal and idle (with iowait) as percentages of the machine's time between two {@link #procStat} readings. */
    static String machine(long[] a, long[] b) {
        if (a.length < 8 || b.length < 8) {
            return "-";
        }
        long total = 0;
        for (int i = 0; i < 8; i++) {
            total += b[i] - a[i];
        }
        if (total <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f / %.1f", 100.0 * (b[7] - a[7]) / total,
                100.0 * (b[3] - a[3] + b[4] - a[4]) / total);
    }

    static long txCpu(ThreadMXBean mx) {
        return St2110Bench.cpuOf(mx, "st2110-22-tx-") + St2110Bench.cpuOf(mx, "st2110-22-send-")
                + St2110Bench.cpuOf(mx, "jpegxs-enc");
    }

    static long rxCpu(ThreadMXBean mx) {
        return St2110Bench.cpuOf(mx, "st2110-22-rx-") + St2110Bench.cpuOf(mx, "st2110-22-decode-")
                + St2110Bench.cpuOf(mx, "jpegxs-dec");
    }

    /**
     * The collections of this JVM as they end (JMX notifications): start (JVM uptime, ms) and duration (ms) of each,
     * to report the pauses that fell inside a measured window.
     */
    static final class GcPauses {
        private static final List<long[]> SEEN = java.util.Collections.synchronizedList(new ArrayList<>());
        static {
            for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc).addNotificationListener((n, hb) -> {
                    if (com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                            .equals(n.getType())) {
                        com.sun.management.GcInfo i = com.sun.management.GarbageCollectionNotificationInfo
                                .from((javax.management.openmbean.CompositeData) n.getUserData()).getGcInfo();
                        SEEN.add(new long[] {i.getStartTime(), i.getDuration()});
                    }
                }, null, null);
            }
        }

        static long now() {
            return ManagementFactory.getRuntimeMXBean().getUptime();
        }

        /** "count, max ms" of the collections that started in [from, to] (uptime ms). */
        static String between(long from, long to) {
            int n = 0;
            long max = 0;
            synchronized (SEEN) {
                for (long[] c : SEEN) {
                    if (c[0] >= from && c[0] <= to) {
                        n++;
                        max = Math.max(max, c[1]);
                    }
                }
            }
            return n + ", " + max + " ms";
        }
    }

    static final String[] TX_THREADS = {"st2110-22-tx-", "st2110-22-send-", "jpegxs-enc"};
    static final String[] RX_THREADS = {"st2110-22-rx-", "st2110-22-decode-", "jpegxs-dec"};

    /** Heap bytes allocated so far by the live threads whose names start with one of the prefixes, per prefix. */
    static long[] allocated(String... prefixes) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] sum = new long[prefixes.length];
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            for (int i = 0; i < prefixes.length; i++) {
                if (th.getName().startsWith(prefixes[i])) {
                    long a = mx.getThreadAllocatedBytes(th.getId());
                    if (a > 0) {
                        sum[i] += a;
                    }
                }
            }
        }
        return sum;
    }

    /** Bytes a frame allocated by each group of threads between two {@link #allocated} readings: "a / b / c". */
    static String perFrame(long[] before, long[] after, long frames) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < before.length; i++) {
            b.append(i == 0 ? "" : " / ").append(frames > 0 ? (after[i] - before[i]) / frames : 0);
        }
        return b.toString();
    }
}
