package org.mcm.memif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mcm.memif.internal.Region;
import org.mcm.memif.internal.Ring;

/**
 * Concurrency stress of the memif rings and the buffer pool (the intent of a jcstress test, as a bounded harness in
 * the unit-test build): a producer and a consumer on two threads over real shared memory (a memfd, mapped twice as
 * two processes would, or a live memif link), checking that every descriptor and buffer is seen exactly once, in
 * order, with the contents the producer wrote before publishing it (no lost, duplicated or stale slot across many
 * wraps of the 16-bit head and tail), and that the pool's reference counts come back to zero.
 *
 * <p>Bounded by counts, with a time cap so a loaded machine cannot stretch the build: each case checks at least a
 * floor of hand-overs (several 16-bit wraps) and stops at its count or its cap.
 */
@Timeout(60)
class MemifStressTest {

    /** A case stops after this long even if its count is not reached (a loaded CI machine); its floor must be met. */
    static final long CAP_NANOS = TimeUnit.SECONDS.toNanos(8);

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        closeAfter.add(t);
        return t;
    }

    /** Runs the body on a thread of its own; its failure is kept for {@link #join}. */
    private static Thread spawn(String name, AtomicReference<Throwable> failure, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(AtomicReference<Throwable> failure, Thread... threads) throws Throwable {
        for (Thread t : threads) {
            t.join(TimeUnit.NANOSECONDS.toMillis(CAP_NANOS) + 20_000);
            if (t.isAlive()) {
                t.interrupt();
                throw new AssertionError(t.getName() + " is stuck" + (failure.get() != null ? ": " + failure.get() : ""));
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Spin politely: the machine may have fewer free cores than spinning threads. */
    private static void backOff(int spins) {
        if ((spins & 63) == 63) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    // ---------------------------------------------------------------------------------------- the ring itself

    /**
     * One ring in a memfd mapped twice (two virtual addresses of the same pages, as producer and consumer processes
     * have): the producer writes a descriptor and its buffer with plain stores and publishes them with the head
     * (release), in batches of 1 to 16; the consumer reads the head (acquire), checks each descriptor and buffer is
     * the next one in sequence and fully written, and gives slots back with the tail (release).
     */
    @Test
    void aRingHandsOverEveryDescriptorExactlyOnceInOrderAcrossTwoMappings() throws Throwable {
        int log2 = 4;
        int n = 1 << log2;
        int bufBytes = 64;
        long ringBytes = Ring.bytes(log2);
        long size = ringBytes + (long) n * bufBytes;
        Region a = Region.create("stress-ring", size);
        closeAfter.add(a::close);
        MappedByteBuffer bMap;
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + a.fd()), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            bMap = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
        ByteBuffer memA = a.mem().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer memB = bMap.order(ByteOrder.LITTLE_ENDIAN);
        Ring prod = new Ring(memA, 0, log2);
        prod.init(0);
        Ring cons = new Ring(memB, 0, log2);
        assertEquals(Ring.COOKIE, cons.cookie(), "the second mapping sees the first one's writes");

        long target = 1_000_000;
        long floor = 300_000; // > 4 wraps of the 16-bit indices
        long[] consumed = new long[1];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long end = System.nanoTime() + CAP_NANOS;
        Thread producer = spawn("ring-producer", failure, () -> {
            Random r = new Random(7);
            int head = 0;
            long seq = 0;
            int spins = 0;
            while (seq < target && failure.get() == null) {
                int free = n - ((head - prod.tailAcquire()) & 0xffff);
                if (free == 0) {
                    if (System.nanoTime() - end > 0) {
                        break;
                    }
                    backOff(++spins);
                    continue;
                }
                int batch = Math.min(free, 1 + r.nextInt(n));
                for (int k = 0; k < batch; k++) {
                    int slot = head & (n - 1);
                    long off = ringBytes + (long) slot * bufBytes;
                    memA.putLong((int) off, seq);
                    memA.putLong((int) off + 8, ~seq);
                    memA.putLong((int) off + 56, seq * 31);
                    prod.descRegion(slot, (int) (seq % 5));
                    prod.descOffset(slot, off);
                    prod.descLength(slot, seq & 0xffffffffL);
                    prod.descFlags(slot, (int) (seq & 1));
                    head = (head + 1) & 0xffff;
                    seq++;
                }
                prod.headRelease(head);
            }
        });
        Thread consumer = spawn("ring-consumer", failure, () -> {
            int tail = 0;
            long seq = 0;
            int spins = 0;
            while (seq < target && failure.get() == null) {
                int head = cons.headAcquire();
                int avail = (head - tail) & 0xffff;
                if (avail > n) {
                    throw new AssertionError("head " + head + " is " + avail + " slots past the tail " + tail);
                }
                if (avail == 0) {
                    if (System.nanoTime() - end > 0 && !producer.isAlive()) {
                        break;
                    }
                    backOff(++spins);
                    continue;
                }
                for (int k = 0; k < avail; k++) {
                    int slot = tail & (n - 1);
                    long off = ringBytes + (long) slot * bufBytes;
                    if (cons.descOffset(slot) != off || cons.descRegion(slot) != (int) (seq % 5)
                            || cons.descLength(slot) != (seq & 0xffffffffL) || cons.descFlags(slot) != (int) (seq & 1)) {
                        throw new AssertionError("descriptor of hand-over " + seq + " in slot " + slot + " is stale or torn: region "
                                + cons.descRegion(slot) + " offset " + cons.descOffset(slot) + " length " + cons.descLength(slot));
                    }
                    long got = memB.getLong((int) off);
                    if (got != seq || memB.getLong((int) off + 8) != ~seq || memB.getLong((int) off + 56) != seq * 31) {
                        throw new AssertionError("buffer of hand-over " + seq + " holds " + got + " (lost or duplicated slot)");
                    }
                    tail = (tail + 1) & 0xffff;
                    seq++;
                }
                cons.tailRelease(tail);
            }
            consumed[0] = seq;
        });
        join(failure, producer, consumer);
        assertTrue(consumed[0] >= floor, "only " + consumed[0] + " hand-overs within the cap (floor " + floor + ")");
        System.out.println("ring: " + consumed[0] + " descriptors handed over exactly once, in order");
    }

    // ------------------------------------------------------------------------------------ a live memif link

    private MemifInterface[] pair(RxMode mode, String name) throws Exception {
        MemifAddress addr = MemifAddress.path(dir.resolve(name));
        MemifSocket server = keep(MemifSocket.server(addr));
        MemifInterface s = server.createInterface(InterfaceConfig.builder(0).rxMode(mode).build());
        MemifSocket client = keep(MemifSocket.client(addr));
        MemifInterface c = client.createInterface(InterfaceConfig.builder(0).rxMode(mode).log2RingSize(4)
                .bufferSize(256).build());
        assertTrue(c.awaitConnected(10, TimeUnit.SECONDS), "client connects");
        assertTrue(s.awaitConnected(10, TimeUnit.SECONDS), "server connects");
        return new MemifInterface[] {s, c};
    }

    /**
     * Zero-copy hand-over both ways on a live link (16-slot rings): the producer acquires a buffer, writes its
     * sequence number and submits it; the consumer keeps up to 6 frames outstanding and releases them out of order
     * (a random one now and then, the oldest when 6 are held: slots go back in ring order, so the oldest holds the
     * ring), checking every frame arrives exactly once, in order, and no two outstanding frames share a slot.
     */
    @ParameterizedTest
    @EnumSource(RxMode.class)
    void aLiveLinkDeliversEveryFrameExactlyOnceWithOutOfOrderReleases(RxMode mode) throws Throwable {
        MemifInterface[] p = pair(mode, "link-" + mode + ".sock");
        long c2s = stream(p[1], p[0], 100_000, 70_000);
        long s2c = stream(p[0], p[1], 100_000, 70_000);
        assertEquals(0, p[0].protocolErrors());
        assertEquals(0, p[1].protocolErrors());
        assertEquals(c2s, p[0].stats().get("rx_frames"));
        assertEquals(s2c, p[1].stats().get("rx_frames"));
        System.out.println("link " + mode + ": " + c2s + " frames client -> server, " + s2c
                + " server -> client, each exactly once");
    }

    private static long stream(MemifInterface from, MemifInterface to, long target, long floor) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long end = System.nanoTime() + CAP_NANOS;
        long[] sent = new long[1];
        Thread producer = spawn("link-producer", failure, () -> {
            long seq = 0;
            while (seq < target && failure.get() == null && System.nanoTime() - end < 0) {
                MemifFrame f = from.acquire(0, 100, TimeUnit.MILLISECONDS);
                if (f == null) {
                    continue;
                }
                ByteBuffer d = f.data();
                d.putLong(0, seq);
                d.putLong(8, ~seq);
                f.length(16 + (int) (seq % 200));
                if (!from.submit(f)) {
                    throw new AssertionError("submit " + seq + " failed: link down");
                }
                seq++;
            }
            sent[0] = seq;
        });
        long received = 0;
        Random r = new Random(11);
        List<MemifFrame> held = new ArrayList<>();
        boolean[] slotHeld = new boolean[1 << 16];
        try {
            while (failure.get() == null) {
                MemifFrame f = to.receive(100, TimeUnit.MILLISECONDS);
                if (f == null) {
                    if (!producer.isAlive() && received == sent[0]) {
                        break;
                    }
                    if (!held.isEmpty()) {
                        release(held, 0, slotHeld);
                    }
                    continue;
                }
                ByteBuffer d = f.data();
                long got = d.getLong(0);
                if (got != received || d.getLong(8) != ~received || f.length() != 16 + (int) (received % 200)) {
                    throw new AssertionError("frame " + received + " expected, got " + got + " (length " + f.length() + ")");
                }
                if (slotHeld[f.slot & 0xffff]) {
                    throw new AssertionError("slot " + f.slot + " handed out twice while held");
                }
                slotHeld[f.slot & 0xffff] = true;
                held.add(f);
                received++;
                if (held.size() >= 7) {
                    release(held, 0, slotHeld); // the oldest: the ring gives slots back in order, so it holds the rest
                } else if (r.nextInt(3) == 0) {
                    release(held, r.nextInt(held.size()), slotHeld); // any other: out of order
                }
            }
        } finally {
            for (MemifFrame f : held) {
                f.release();
            }
        }
        join(failure, producer);
        assertEquals(sent[0], received, "every submitted frame received");
        assertTrue(received >= floor, "only " + received + " frames within the cap (floor " + floor + ")");
        return received;
    }

    private static void release(List<MemifFrame> held, int index, boolean[] slotHeld) {
        MemifFrame f = held.remove(index);
        slotHeld[f.slot & 0xffff] = false;
        f.release();
    }

    // ---------------------------------------------------------------------------------------- the buffer pool

    /**
     * Four threads allocate, retain and release pool buffers and pass references to each other through a queue
     * (a reference released on another thread than the one that took it, as a frame forwarded by the proxy is). A
     * mirror of the expected reference counts proves no buffer is handed out while someone holds it; at the end
     * every count is zero and every buffer is free.
     */
    @Test
    void poolReferenceCountsStayExactUnderConcurrentUseAndComeBackToZero() throws Throwable {
        int count = 24;
        BufferPool pool = keep(BufferPool.create("stress", count, 64));
        AtomicIntegerArray mirror = new AtomicIntegerArray(count);
        ConcurrentLinkedQueue<Integer> passed = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long end = System.nanoTime() + CAP_NANOS;
        int threads = 4;
        int ops = 200_000;
        long[] done = new long[threads];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = spawn("pool-" + t, failure, () -> {
                Random r = new Random(100 + id);
                ArrayDeque<Integer> mine = new ArrayDeque<>();
                int i = 0;
                for (; i < ops && failure.get() == null && System.nanoTime() - end < 0; i++) {
                    switch (r.nextInt(5)) {
                        case 0, 1 -> {
                            int b = pool.alloc();
                            if (b >= 0) {
                                if (!mirror.compareAndSet(b, 0, 1)) {
                                    throw new AssertionError("buffer " + b + " allocated while " + mirror.get(b)
                                            + " references are held");
                                }
                                mine.add(b);
                            }
                        }
                        case 2 -> { // share one: a second reference, given to whichever thread takes it
                            Integer b = mine.peekFirst();
                            if (b != null) {
                                mirror.incrementAndGet(b);
                                pool.retain(b);
                                passed.add(b);
                            }
                        }
                        default -> { // release one of ours, or one passed to us
                            Integer b = r.nextBoolean() ? passed.poll() : mine.pollLast();
                            if (b != null) {
                                if (mirror.decrementAndGet(b) < 0) {
                                    throw new AssertionError("buffer " + b + " released more often than taken");
                                }
                                pool.release(b); // after the mirror: a new owner may take it from here on
                            }
                        }
                    }
                }
                for (Integer b; (b = mine.poll()) != null;) {
                    mirror.decrementAndGet(b);
                    pool.release(b);
                }
                done[id] = i;
            });
        }
        join(failure, ts);
        for (Integer b; (b = passed.poll()) != null;) {
            mirror.decrementAndGet(b);
            pool.release(b);
        }
        long total = 0;
        for (long d : done) {
            total += d;
        }
        for (int b = 0; b < count; b++) {
            assertEquals(0, mirror.get(b), "references left on buffer " + b);
        }
        assertEquals(count, pool.available(), "every buffer is free again");
        assertTrue(total >= 200_000, "only " + total + " pool operations within the cap");
        System.out.println("pool: " + total + " operations on " + threads + " threads, every count back to zero");
    }

    /**
     * A pooled link (the proxy's client side brings the pool) streams to an app on two threads: the producer fills
     * pool buffers in place, the app releases each frame after checking it; buffers the app consumed come back
     * through the reclaimer. The pool: 16 buffers offered on the link's receive ring, 12 to send with (the app holds
     * up to 6). Every frame arrives once, and once the link is gone every buffer is free.
     */
    @Test
    void aPooledLinkStreamsEveryBufferOnceAndGivesThemAllBack() throws Throwable {
        BufferPool pool = keep(BufferPool.create("stress-link", 16 + 12, 256));
        MemifAddress addr = MemifAddress.path(dir.resolve("pooled.sock"));
        MemifSocket appSocket = keep(MemifSocket.server(addr));
        MemifInterface app = appSocket.createInterface(InterfaceConfig.builder(0).build());
        MemifSocket proxySocket = MemifSocket.client(addr);
        MemifInterface link = proxySocket.createInterface(InterfaceConfig.builder(0).log2RingSize(4)
                .pool(pool, false).reconnectInterval(Duration.ofMillis(20)).build());
        try {
            assertTrue(link.awaitConnected(10, TimeUnit.SECONDS), "pooled link connects");
            assertTrue(app.awaitConnected(10, TimeUnit.SECONDS));
            long n = stream(link, app, 100_000, 30_000);
            System.out.println("pooled link: " + n + " frames, each exactly once");
            assertEquals(0, link.protocolErrors());
        } finally {
            proxySocket.close();
        }
        assertTrue(MemifLoopbackTest.waitFor(() -> pool.available() == pool.count()),
                "every pool buffer is free once the link is gone: " + pool.available() + " of " + pool.count());
    }
}
