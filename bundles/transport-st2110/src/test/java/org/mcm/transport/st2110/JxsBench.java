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
 * rewritten) and decodes it into app buffers. Rows for codec_threads 1 and 2. Prints a Markdown table. With a
 * third argument {@code both}, the sender and the receiver run at the same time on the same cores (as one proxy
 * carrying a -22 sender and a -22 receiver would), each measured by the CPU of its own threads.
 * Run: see README "Measurements"; arguments: [frames] [raw yuv422p10le 1080p picture, e.g. the hd test vector]
 * [both].
 */
public final class JxsBench {

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
                + " peer CPU (cores) | frames complete | lost pkts | encode/decode errors |");
        rows.add("|---|---|---|---|---|---|---|---|---|---|");
        List<byte[][]> recorded = record(picture, 4);
        boolean both = args.length > 2 && args[2].equals("both");
        for (int threads : new int[] {1, 2}) {
            if (both) {
                rows.addAll(together(picture, recorded, frames, threads));
            } else {
                rows.add(sender(picture, frames, threads));
                rows.add(receiver(recorded, frames, threads));
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
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
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3")
                    .option("codec_threads", Integer.toString(threads)).build(), TestSupport.txContext());
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            // the polls below run inside the measurement: plain sleeps (Awaitility's own thread would be measured too)
            for (int i = 0; i < 30; i++) { // warm-up: the encoder's code compiled
                while (!tx.input().accept(frame(content))) {
                    Thread.sleep(1);
                }
            }
            while (tx.stats().get("frames") < 30) {
                Thread.sleep(2);
            }
            long cpu0 = txCpu(mx);
            long t0 = System.nanoTime();
            int n = 0;
            for (; n < frames && !stop.get(); n++) {
                while (!tx.input().accept(frame(content))) {
                    Thread.sleep(1);
                }
            }
            while (tx.stats().get("frames") < 30 + n) {
                Thread.sleep(2);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long cpu = txCpu(mx) - cpu0;

            Map<String, Long> s = tx.stats();
            t.deactivate();
            return String.format(Locale.ROOT, "| sender (encode + paced send) | %d | %d | %.2f | %.1f | %.2f | 0 (kernel"
                    + " drops) | %d sent | - | %d |", threads, n, secs, n / secs, cpu / 1e9 / secs,
                    s.get("frames") - 30, s.get("encode_errors"));
        }
    }

    /**
     * The sender and the receiver at once, each on its own thread of this JVM: their two rows. The receiver's replay
     * runs frames at 60 fps; the sender stops when the receiver is done, so both rows cover the same time.
     */
    static List<String> together(byte[] picture, List<byte[][]> recorded, int frames, int threads) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            java.util.concurrent.Future<String> tx = pool.submit(() -> sender(picture, frames * 2, threads, stop));
            java.util.concurrent.Future<String> rx = pool.submit(() -> {
                try {
                    return receiver(recorded, frames, threads);
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
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-22", FMT)
                .local(new Endpoint("127.0.0.1", port)).payloadType(114)
                .option("codec_threads", Integer.toString(threads)).build(), app);
        AtomicLong delivered = new AtomicLong();
        Thread drain = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Frame f = app.received.poll(100, TimeUnit.MILLISECONDS);
                    if (f != null) {
                        delivered.incrementAndGet();
                        f.release();
                    }
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        drain.start();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int warm = 30;
        long cpu0 = 0, t0 = 0, deliveredAtWarm = 0, peer0 = 0, peer = 0;
        try (DatagramChannel out = DatagramChannel.open()) {
            out.connect(new InetSocketAddress("127.0.0.1", port));
            ByteBuffer b = ByteBuffer.allocateDirect(65536);
            int seq = 0;
            long start = System.nanoTime();
            for (int i = 0; i < warm + frames; i++) {
                if (i == warm) {
                    cpu0 = rxCpu(mx);
                    peer0 = mx.getCurrentThreadCpuTime();
                    t0 = System.nanoTime();
                    deliveredAtWarm = delivered.get();
                }
                for (byte[] p : recorded.get(i % recorded.size())) {
                    b.clear();
                    b.put(p).flip();
                    b.putShort(2, (short) seq++);
                    b.putInt(4, i * 1500); // 90 kHz at 60 fps
                    out.write(b);
                }
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
        Thread.sleep(100); // the last frame's decode, inside the measured time on purpose (as in the README's figures)
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpu = rxCpu(mx) - cpu0;
        Map<String, Long> s = rx.stats();
        drain.interrupt();
        t.deactivate();
        return String.format(Locale.ROOT, "| receiver (receive + decode) | %d | %d | %.2f | %.1f | %.2f | %.2f (replay)"
                + " | %d of %d | %d | %d |", threads, frames, secs, (delivered.get() - deliveredAtWarm) / secs,
                cpu / 1e9 / secs, peer / 1e9 / secs, s.get("frames"), warm + frames, s.get("lost"),
                s.get("decode_errors"));
    }

    static long txCpu(ThreadMXBean mx) {
        return St2110Bench.cpuOf(mx, "st2110-22-tx-") + St2110Bench.cpuOf(mx, "st2110-22-send-")
                + St2110Bench.cpuOf(mx, "jpegxs-enc");
    }

    static long rxCpu(ThreadMXBean mx) {
        return St2110Bench.cpuOf(mx, "st2110-22-rx-") + St2110Bench.cpuOf(mx, "st2110-22-decode-")
                + St2110Bench.cpuOf(mx, "jpegxs-dec");
    }
}
