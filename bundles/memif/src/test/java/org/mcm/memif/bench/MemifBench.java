package org.mcm.memif.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.mcm.memif.InterfaceConfig;
import org.mcm.memif.MemifAddress;
import org.mcm.memif.MemifFrame;
import org.mcm.memif.MemifInterface;
import org.mcm.memif.MemifSocket;
import org.mcm.memif.RxMode;

/**
 * memif data-path benchmark (a harness, not a test): one memif pair in this JVM (Java client = SDK side, Java
 * server = proxy side, on a Unix socket in a temp dir), plus a round-trip comparison with DPDK's dpdk-testpmd in
 * the server role with io forwarding.
 *
 * <p>Part 1, one-way client -> server (C2S ring), for each rx mode and frame size:
 * <ul>
 * <li>throughput: the sender acquires the next shared buffer, stamps a sequence number at both ends of the frame
 * (fill in place), sets the length and submits; the receiver gets a view, checks the stamps and releases. Both run
 * flat out on their own threads; buffers/s counts frames received, MB/s is frame bytes handed over.</li>
 * <li>handoff latency: one frame in flight (the sender waits until the receiver has released the previous one,
 * then {@code bench.gapUs} (20) more, so that an interrupt-mode receiver really goes to sleep);
 * the sender writes System.nanoTime() into the frame just before submit, the receiver takes System.nanoTime() as
 * soon as receive returns. Same JVM, so the clocks are the same.</li>
 * </ul>
 * Polling mode busy-spins on both sides (non-blocking acquire/receive in a loop, the peer never writes the
 * eventfd since the receiver set MASK_INT); interrupt mode blocks in receive on the ring's eventfd, written by the
 * sender after every submit. "copied B/buf" counts the payload bytes copied per buffer on the path (zero for
 * acquire/submit/receive-view; the frame length for {@link MemifInterface#send}, shown as extra rows; a received
 * frame that is not a direct view of the shared memory would also count). "alloc B/buf" is the Java heap
 * allocated per buffer by the sending and receiving threads together (ThreadMXBean).
 *
 * <p>Part 2, round trip from the Java client (its rx mode varies): to a Java server echo thread that always polls,
 * as testpmd's forwarding core does (receive view, acquire a TX buffer of the client, copy, submit: a memif server
 * always copies into the client's buffers) and to dpdk-testpmd
 * (net_memif server, io forwarding, copies into an mbuf and out again). Lock-step (one frame in flight) gives the
 * round-trip latency; a window of 32 frames in flight gives the round-trip rate.
 *
 * <p>System properties: {@code bench.measureMs} (default 1500), {@code bench.warmupMs} (500), {@code bench.dpdk}
 * (true; skipped anyway when dpdk-testpmd is not installed), {@code bench.quick} (true: 64 B only).
 */
public final class MemifBench {

    static final int FRAME_1080P = 5_184_000;
    static final int[] SIZES = {64, 1500, FRAME_1080P};
    static final int RTT_WINDOW = 32;
    static final RxMode[] MODES = {RxMode.POLLING, RxMode.INTERRUPT};
    /** Lock-step latency runs: the sender waits this long after each handoff, so an interrupt receiver sleeps. */
    static final long GAP_NS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("bench.gapUs", 20));

    /** How the frames travel: acquire/submit -> view; the same with the library's blocking wait; send() copy. */
    enum Path_ {
        VIEW("acquire/submit -> view"),
        VIEW_LIBRARY_WAIT("same, receive(timeout) waits"),
        COPY("send() copy -> view");

        final String label;

        Path_(String label) {
            this.label = label;
        }
    }
    /** Same ring depth for every frame size, so buffers/s compares sizes and nothing else. */
    static final int LOG2_RING = 6;

    static final long MEASURE_NS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("bench.measureMs", 1500));
    static final long WARMUP_NS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("bench.warmupMs", 500));

    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Held so the level sticks: connect/disconnect INFO lines would interleave with the table. */
    static final Logger QUIET = Logger.getLogger("org.mcm.memif");

    /** Latency samples, reused by every measurement. */
    static final long[] SAMPLES = new long[4_000_000];

    private final Path dir;
    private int sockets;
    private final List<String> oneWay = new ArrayList<>();
    private final List<String> rtt = new ArrayList<>();

    private MemifBench(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(Level.WARNING);
        Path dir = Files.createTempDirectory("memif-bench");
        long t0 = System.nanoTime();
        try {
            new MemifBench(dir).run();
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
        System.out.printf(Locale.ROOT, "%nbenchmark took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    private void run() throws Exception {
        boolean quick = Boolean.getBoolean("bench.quick");
        int[] sizes = quick ? new int[] {64} : SIZES;
        System.out.println(machine());
        System.out.printf(Locale.ROOT, "warm-up %d ms + measure %d ms per cell; ring %d slots; RTT window %d%n%n",
                WARMUP_NS / 1_000_000, MEASURE_NS / 1_000_000, 1 << LOG2_RING, RTT_WINDOW);

        // JIT warm-up of both paths before anything is recorded
        try (Pair p = pair(RxMode.POLLING, 2048, LOG2_RING)) {
            oneWayRun(p, RxMode.POLLING, 64, Path_.VIEW, false, 2 * WARMUP_NS + MEASURE_NS);
            oneWayRun(p, RxMode.POLLING, 64, Path_.VIEW, true, 2 * WARMUP_NS);
            oneWayRun(p, RxMode.POLLING, 64, Path_.COPY, false, WARMUP_NS);
        }

        for (RxMode mode : MODES) {
            for (int size : sizes) {
                oneWayCell(mode, size, Path_.VIEW);
            }
        }
        // the library's own blocking receive(timeout) in polling mode, and the copying send()
        oneWayCell(RxMode.POLLING, 64, Path_.VIEW_LIBRARY_WAIT);
        for (int size : sizes) {
            oneWayCell(RxMode.POLLING, size, Path_.COPY);
        }
        printOneWay();

        int[] rttSizes = quick ? new int[] {64} : new int[] {64, 1500};
        for (RxMode mode : MODES) {
            // the echo server polls, like testpmd's forwarding core; the client's mode varies
            try (Pair p = new Pair(RxMode.POLLING, mode, 2048, 10)) {
                Thread echo = startEcho(p, RxMode.POLLING);
                for (int size : rttSizes) {
                    rttCell("Java server (polling echo thread)", p.client, mode, size, "1 (echo)");
                }
                p.stopEcho.set();
                echo.join(5000);
            }
        }
        if (Boolean.parseBoolean(System.getProperty("bench.dpdk", "true"))) {
            Path testpmd = findTestpmd();
            if (testpmd == null) {
                rtt.add("| dpdk-testpmd | not installed (apt-get install dpdk-dev librte-net-memif23) | | | | | | | |");
            } else {
                for (RxMode mode : MODES) {
                    dpdk(testpmd, mode, rttSizes);
                }
            }
        }
        printRtt();
    }

    // ------------------------------------------------------------------------------------------- setup

    final class Pair implements AutoCloseable {
        final MemifSocket serverSocket;
        final MemifSocket clientSocket;
        final MemifInterface server;
        final MemifInterface client;
        final BooleanFlag stopEcho = new BooleanFlag();

        Pair(RxMode serverMode, RxMode mode, int bufferSize, int log2) throws Exception {
            MemifAddress a = MemifAddress.path(dir.resolve("bench" + (sockets++) + ".sock"));
            serverSocket = MemifSocket.server(a);
            server = serverSocket.createInterface(InterfaceConfig.builder(0).rxMode(serverMode).build());
            clientSocket = MemifSocket.client(a);
            client = clientSocket.createInterface(InterfaceConfig.builder(0).rxMode(mode).bufferSize(bufferSize)
                    .log2RingSize(log2).build());
            if (!client.awaitConnected(10, TimeUnit.SECONDS) || !server.awaitConnected(10, TimeUnit.SECONDS)) {
                close();
                throw new IllegalStateException("memif pair did not connect: " + client.lastDisconnectReason());
            }
        }

        @Override
        public void close() {
            clientSocket.close();
            serverSocket.close();
        }
    }

    private Pair pair(RxMode mode, int bufferSize, int log2) throws Exception {
        return new Pair(mode, mode, bufferSize, log2);
    }

    // ---------------------------------------------------------------------------------- data path helpers

    /** Next free TX buffer: busy-spins in polling mode, blocks (library wait) in interrupt mode. */
    static MemifFrame acquire(MemifInterface i, RxMode mode, BooleanFlag stop) throws InterruptedException {
        if (mode == RxMode.POLLING) {
            for (;;) {
                MemifFrame f = i.acquire(0, 0, TimeUnit.NANOSECONDS);
                if (f != null || stop.get()) {
                    return f;
                }
                Thread.onSpinWait();
            }
        }
        for (;;) {
            MemifFrame f = i.acquire(0, 100, TimeUnit.MILLISECONDS);
            if (f != null || stop.get()) {
                return f;
            }
        }
    }

    /** Next received frame or null when stopped: busy-spins in polling mode, waits on the eventfd otherwise. */
    static MemifFrame receive(MemifInterface i, RxMode mode, BooleanFlag stop) throws InterruptedException {
        if (mode == RxMode.POLLING) {
            for (;;) {
                MemifFrame f = i.receive(0, 0, TimeUnit.NANOSECONDS);
                if (f != null || stop.get()) {
                    return f;
                }
                Thread.onSpinWait();
            }
        }
        for (;;) {
            MemifFrame f = i.receive(0, 100, TimeUnit.MILLISECONDS);
            if (f != null || stop.get()) {
                return f;
            }
        }
    }

    /** A volatile flag as a tiny object, shared by threads of one run. */
    static final class BooleanFlag {
        private volatile boolean v;

        boolean get() {
            return v;
        }

        void set() {
            v = true;
        }
    }

    // -------------------------------------------------------------------------------------------- one-way

    static final class Result {
        long frames;
        long nanos;
        long samples;
        double copiedPerBuf;
        double allocPerBuf;
        long errors;
    }

    private void oneWayCell(RxMode mode, int size, Path_ path) throws Exception {
        int bsize = Math.max(2048, size);
        Result thr;
        Result lat;
        try (Pair p = pair(mode, bsize, LOG2_RING)) {
            thr = oneWayRun(p, mode, size, path, false, WARMUP_NS);
            lat = oneWayRun(p, mode, size, path, true, WARMUP_NS);
        }
        double secs = thr.nanos / 1e9;
        double bps = thr.frames / secs;
        long[] pct = percentiles(lat.samples, 0.50, 0.99, 0.999);
        String row = String.format(Locale.ROOT, "| %s | %s | %s | %,.0f | %,.0f | %s | %s | %s | %,.0f | %,.1f | %d |",
                mode.name().toLowerCase(), sizeName(size), path.label,
                bps, bps * size / 1e6, us(pct[0]), us(pct[1]), us(pct[2]),
                Math.max(thr.copiedPerBuf, lat.copiedPerBuf), Math.max(thr.allocPerBuf, lat.allocPerBuf),
                thr.errors + lat.errors);
        oneWay.add(row);
        System.out.println(row);
    }

    /**
     * One run client -> server: warm-up for warmNanos, then MEASURE_NS measured. lockstep: one frame in flight,
     * latency recorded.
     */
    private Result oneWayRun(Pair p, RxMode mode, int size, Path_ path, boolean lockstep, long warmNanos)
            throws Exception {
        boolean copyPath = path == Path_.COPY;
        RxMode rxWait = path == Path_.VIEW_LIBRARY_WAIT ? RxMode.INTERRUPT : mode;
        MemifInterface tx = p.client;
        MemifInterface rx = p.server;
        BooleanFlag stop = new BooleanFlag();
        BooleanFlag stopTx = new BooleanFlag();
        AtomicLong received = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        Result r = new Result();
        long[] rxAlloc = new long[1];
        long[] rxCopied = new long[1];
        long[] rxErrors = new long[1];
        // phase: receiver records only while measuring
        BooleanFlag measuring = new BooleanFlag();
        long[] measuredFrames = new long[1];
        long[] samples = new long[1];
        Throwable[] failed = new Throwable[2];

        Thread receiver = new Thread(() -> {
            try {
                long expect = 0;
                boolean counting = false;
                long count = 0;
                long n = 0;
                long copied = 0;
                long errors = 0;
                long allocStart = 0;
                for (;;) {
                    MemifFrame f = receive(rx, rxWait, stop);
                    if (f == null) {
                        break;
                    }
                    long t1 = System.nanoTime();
                    if (!counting && measuring.get()) {
                        counting = true;
                        allocStart = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
                    }
                    ByteBuffer d = f.data();
                    int len = f.length();
                    if (!d.isDirect()) {
                        copied += len; // the library gathered a copy instead of a view
                    }
                    long seq = d.getLong(0);
                    long t0 = d.getLong(8);
                    if (len != size || seq != expect || d.getLong(len - 8) != seq) {
                        errors++;
                    }
                    expect = seq + 1;
                    f.release();
                    if (counting) {
                        count++;
                        if (lockstep && n < SAMPLES.length) {
                            SAMPLES[(int) n++] = t1 - t0;
                        }
                    }
                    received.lazySet(seq + 1);
                }
                if (counting) {
                    rxAlloc[0] = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocStart;
                }
                measuredFrames[0] = count;
                samples[0] = n;
                rxCopied[0] = copied;
                rxErrors[0] = errors;
            } catch (Throwable t) {
                failed[0] = t;
            }
        }, "bench-rx");
        long[] txAlloc = new long[1];
        long[] txCopied = new long[1];
        long[] txCounted = new long[1];
        BooleanFlag txMeasuring = new BooleanFlag();
        Thread sender = new Thread(() -> {
            try {
                ByteBuffer src = copyPath ? ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN) : null;
                long allocStart = 0;
                boolean counting = false;
                long copied = 0;
                long counted = 0;
                for (long seq = 0; !stopTx.get(); seq++) {
                    if (!counting && txMeasuring.get()) {
                        counting = true;
                        allocStart = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
                    }
                    if (copyPath) {
                        src.putLong(0, seq);
                        src.putLong(size - 8, seq);
                        src.putLong(8, System.nanoTime());
                        boolean ok;
                        while (!(ok = tx.send(src, 100, TimeUnit.MILLISECONDS)) && !stopTx.get()) {
                            Thread.onSpinWait();
                        }
                        if (!ok) {
                            break;
                        }
                        if (counting) {
                            copied += size;
                        }
                    } else {
                        MemifFrame f = acquire(tx, mode, stopTx);
                        if (f == null) {
                            break;
                        }
                        ByteBuffer d = f.data();
                        d.putLong(0, seq);
                        d.putLong(size - 8, seq);
                        f.length(size);
                        long t0 = System.nanoTime();
                        d.putLong(8, t0);
                        tx.submit(f);
                    }
                    sent.lazySet(seq + 1);
                    if (counting) {
                        counted++;
                    }
                    if (lockstep) {
                        while (received.get() <= seq && !stopTx.get()) {
                            Thread.onSpinWait();
                        }
                        long until = System.nanoTime() + GAP_NS;
                        while (System.nanoTime() - until < 0) {
                            Thread.onSpinWait();
                        }
                    }
                }
                if (counting) {
                    txAlloc[0] = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocStart;
                }
                txCopied[0] = copied;
                txCounted[0] = counted;
            } catch (Throwable t) {
                failed[1] = t;
            }
        }, "bench-tx");
        receiver.setDaemon(true);
        sender.setDaemon(true);
        receiver.start();
        sender.start();
        sleepNanos(warmNanos);
        long rxBefore = rx.stats().get("rx_frames");
        txMeasuring.set();
        measuring.set();
        long start = System.nanoTime();
        sleepNanos(MEASURE_NS);
        long rxAfter = rx.stats().get("rx_frames");
        long end = System.nanoTime();
        // stop the sender, let the receiver drain the ring so the next run starts empty
        stopTx.set();
        sender.join(5000);
        long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (received.get() < sent.get() && System.nanoTime() - drainEnd < 0) {
            Thread.sleep(1);
        }
        stop.set();
        receiver.join(5000);
        for (Throwable t : failed) {
            if (t != null) {
                throw new IllegalStateException("benchmark thread failed", t);
            }
        }
        r.frames = rxAfter - rxBefore;
        r.nanos = end - start;
        r.samples = samples[0];
        long rxn = Math.max(1, measuredFrames[0]);
        long txn = Math.max(1, txCounted[0]);
        r.copiedPerBuf = (double) rxCopied[0] / rxn + (double) txCopied[0] / txn;
        r.allocPerBuf = (double) rxAlloc[0] / rxn + (double) txAlloc[0] / txn;
        r.errors = rxErrors[0];
        return r;
    }

    // ------------------------------------------------------------------------------------------ round trip

    /** Java server side: receive, copy into the client's next offered buffer, submit. */
    private static Thread startEcho(Pair p, RxMode mode) {
        BooleanFlag stop = p.stopEcho;
        Thread t = new Thread(() -> {
            try {
                for (;;) {
                    MemifFrame in = receive(p.server, mode, stop);
                    if (in == null) {
                        return;
                    }
                    MemifFrame out = acquire(p.server, mode, stop);
                    if (out == null) {
                        in.release();
                        return;
                    }
                    int len = in.length();
                    out.data().put(0, in.data(), 0, len);
                    out.length(len);
                    p.server.submit(out);
                    in.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-echo");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void rttCell(String peer, MemifInterface c, RxMode mode, int size, String copies) throws Exception {
        rttLockstep(c, mode, size, WARMUP_NS, false);
        Result lat = rttLockstep(c, mode, size, MEASURE_NS, true);
        rttWindow(c, mode, size, WARMUP_NS);
        Result win = rttWindow(c, mode, size, MEASURE_NS);
        long[] pct = percentiles(lat.samples, 0.50, 0.99, 0.999);
        String row = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %,.0f | %,.0f | %s | %d |", peer,
                mode.name().toLowerCase(), sizeName(size), us(pct[0]), us(pct[1]), us(pct[2]),
                lat.frames / (lat.nanos / 1e9), win.frames / (win.nanos / 1e9), copies, lat.errors + win.errors);
        rtt.add(row);
        System.out.println(row);
    }

    /** One frame in flight from the client thread; round-trip samples when record. */
    private static Result rttLockstep(MemifInterface c, RxMode mode, int size, long nanos, boolean record)
            throws Exception {
        Result r = new Result();
        BooleanFlag never = new BooleanFlag();
        long end = System.nanoTime() + nanos;
        long start = System.nanoTime();
        long n = 0;
        long seq = 0;
        while (System.nanoTime() - end < 0) {
            MemifFrame f = acquire(c, mode, never);
            ByteBuffer d = f.data();
            d.putLong(0, seq);
            d.putLong(size - 8, seq);
            f.length(size);
            long t0 = System.nanoTime();
            c.submit(f);
            MemifFrame g = receiveWithin(c, mode, 1_000_000_000L);
            long t1 = System.nanoTime();
            if (g == null) {
                r.errors++; // lost
                continue;
            }
            ByteBuffer e = g.data();
            if (g.length() != size || e.getLong(0) != seq || e.getLong(size - 8) != seq) {
                r.errors++;
            }
            g.release();
            if (record && n < SAMPLES.length) {
                SAMPLES[(int) n++] = t1 - t0;
            }
            seq++;
        }
        r.nanos = System.nanoTime() - start;
        r.frames = seq;
        r.samples = n;
        return r;
    }

    /** Up to RTT_WINDOW frames in flight from one client thread: round trips per second. */
    private static Result rttWindow(MemifInterface c, RxMode mode, int size, long nanos) throws Exception {
        Result r = new Result();
        long end = System.nanoTime() + nanos;
        long start = System.nanoTime();
        long sent = 0;
        long got = 0;
        long expect = 0;
        while (System.nanoTime() - end < 0) {
            while (sent - got < RTT_WINDOW) {
                MemifFrame f = c.acquire(0, 0, TimeUnit.NANOSECONDS);
                if (f == null) {
                    break;
                }
                ByteBuffer d = f.data();
                d.putLong(0, sent);
                d.putLong(size - 8, sent);
                f.length(size);
                c.submit(f);
                sent++;
            }
            MemifFrame g = sent - got < RTT_WINDOW && mode == RxMode.POLLING
                    ? c.receive(0, 0, TimeUnit.NANOSECONDS)
                    : receiveWithin(c, mode, 200_000_000L);
            if (g == null) {
                if (sent - got >= RTT_WINDOW) {
                    r.errors += sent - got; // lost in flight: start a new window
                    got = sent;
                    expect = sent;
                }
                continue;
            }
            ByteBuffer e = g.data();
            long seq = e.getLong(0);
            if (g.length() != size || seq != expect || e.getLong(size - 8) != seq) {
                r.errors++;
            }
            expect = seq + 1;
            g.release();
            got++;
        }
        // drain what is still in flight
        while (got < sent) {
            MemifFrame g = receiveWithin(c, mode, 200_000_000L);
            if (g == null) {
                break;
            }
            g.release();
            got++;
        }
        r.nanos = System.nanoTime() - start;
        r.frames = got;
        return r;
    }

    private static MemifFrame receiveWithin(MemifInterface c, RxMode mode, long nanos) throws InterruptedException {
        if (mode == RxMode.INTERRUPT) {
            return c.receive(0, nanos, TimeUnit.NANOSECONDS);
        }
        long end = System.nanoTime() + nanos;
        for (;;) {
            MemifFrame f = c.receive(0, 0, TimeUnit.NANOSECONDS);
            if (f != null || System.nanoTime() - end > 0) {
                return f;
            }
            Thread.onSpinWait();
        }
    }

    // ------------------------------------------------------------------------------------------------- DPDK

    private static Path findTestpmd() {
        Path exe = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
                .map(p -> Path.of(p, "dpdk-testpmd")).filter(Files::isExecutable).findFirst().orElse(null);
        if (exe == null) {
            return null;
        }
        boolean pmd = Stream.of("/usr/lib/x86_64-linux-gnu/dpdk", "/usr/lib64/dpdk").map(Path::of)
                .filter(Files::isDirectory).anyMatch(d -> {
                    try (Stream<Path> s = Files.walk(d, 2)) {
                        return s.anyMatch(f -> f.getFileName().toString().startsWith("librte_net_memif.so"));
                    } catch (IOException e) {
                        return false;
                    }
                });
        return pmd ? exe : null;
    }

    /** testpmd as memif server with io forwarding; the Java client talks to it. One testpmd per mode. */
    private void dpdk(Path testpmd, RxMode mode, int[] sizes) throws Exception {
        Path sock = dir.resolve("dpdk" + (sockets++) + ".sock");
        Path log = dir.resolve("testpmd-" + mode + ".log");
        List<String> cmd = List.of(testpmd.toString(), "-l", "0-1", "--no-huge", "-m", "512", "--no-pci",
                "--file-prefix=mcmbench" + ProcessHandle.current().pid() + "_" + System.nanoTime(),
                "--vdev=net_memif0,role=server,id=0,socket=" + sock + ",socket-abstract=no", "--",
                "--forward-mode=io", "--port-topology=loop", "--total-num-mbufs=16384", "--no-flush-rx",
                "--auto-start", "--stats-period", "60");
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (;;) {
                String out = Files.readString(log, StandardCharsets.ISO_8859_1);
                if (out.contains("RS bit threshold") || out.contains("Port statistics")) {
                    break;
                }
                if (!proc.isAlive() || System.nanoTime() > end) {
                    throw new IllegalStateException("dpdk-testpmd did not start:\n" + out);
                }
                Thread.sleep(50);
            }
            try (MemifSocket s = MemifSocket.client(MemifAddress.path(sock))) {
                MemifInterface c = s.createInterface(InterfaceConfig.builder(0).rxMode(mode).bufferSize(2048)
                        .log2RingSize(10).build());
                if (!c.awaitConnected(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("not connected to testpmd: " + c.lastDisconnectReason());
                }
                for (int size : sizes) {
                    rttCell("dpdk-testpmd server (io fwd)", c, mode, size, "2 (rx to mbuf, mbuf to tx)");
                }
            }
        } finally {
            proc.destroy();
            if (!proc.waitFor(15, TimeUnit.SECONDS)) {
                proc.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- report

    private void printOneWay() {
        System.out.println();
        System.out.println("### One-way handoff, Java client -> Java server (C2S ring, " + (1 << LOG2_RING)
                + " slots)");
        System.out.println();
        System.out.println("| mode | frame | path | buffers/s | MB/s | p50 us | p99 us | p99.9 us | copied B/buf"
                + " | alloc B/buf | errors |");
        System.out.println("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        oneWay.forEach(System.out::println);
        System.out.println();
    }

    private void printRtt() {
        System.out.println();
        System.out.println("### Round trip from the Java client (bufsize 2048, 1024 slots)");
        System.out.println();
        System.out.println("| peer | client mode | frame | RTT p50 us | RTT p99 us | RTT p99.9 us"
                + " | lock-step RT/s | window-" + RTT_WINDOW + " RT/s | payload copies per RT | errors |");
        System.out.println("|---|---|---|--:|--:|--:|--:|--:|---|--:|");
        rtt.forEach(System.out::println);
    }

    static long[] percentiles(long n, double... qs) {
        long[] out = new long[qs.length];
        if (n == 0) {
            Arrays.fill(out, -1);
            return out;
        }
        Arrays.sort(SAMPLES, 0, (int) n);
        for (int i = 0; i < qs.length; i++) {
            int idx = (int) Math.min(n - 1, Math.ceil(qs[i] * n) - 1);
            out[i] = SAMPLES[Math.max(0, idx)];
        }
        return out;
    }

    static String us(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.2f", nanos / 1000.0);
    }

    static String sizeName(int size) {
        return size == FRAME_1080P ? "1080p 5,184,000 B" : size + " B";
    }

    static void sleepNanos(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static String machine() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException e) {
            // keep "?"
        }
        return String.format(Locale.ROOT, "machine: %d cpus (%s), %s %s, Java %s (%s)",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"));
    }
}
