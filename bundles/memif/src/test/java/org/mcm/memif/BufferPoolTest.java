package org.mcm.memif;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.frame.FrameSink;

/**
 * The shared-pool layout: the "apps" are memif servers, the "proxy" is the client on both sides and announces one
 * pool as the buffer region of every interface, so a received frame is sent on by handing over its descriptor.
 */
@Timeout(120)
class BufferPoolTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        closeAfter.add(t);
        return t;
    }

    /** An app-side server interface at dir/name. */
    private MemifInterface app(String name, int log2) throws Exception {
        MemifSocket s = keep(MemifSocket.server(MemifAddress.path(dir.resolve(name))));
        return s.createInterface(InterfaceConfig.builder(0).name("app-" + name).log2RingSize(log2).build());
    }

    /** The proxy-side client interface to the app at dir/name, drawing from the pool. */
    private MemifInterface link(String name, BufferPool pool, boolean readOnly, int log2) throws Exception {
        MemifSocket s = keep(MemifSocket.client(MemifAddress.path(dir.resolve(name))));
        MemifInterface i = s.createInterface(InterfaceConfig.builder(0).name("proxy-" + name).log2RingSize(log2)
                .pool(pool, readOnly).reconnectInterval(Duration.ofMillis(20)).build());
        assertTrue(i.awaitConnected(10, TimeUnit.SECONDS), "link " + name + " connects");
        return i;
    }

    private static void fill(ByteBuffer b, int len, int seed) {
        for (int i = 0; i < len; i += 8) {
            b.putLong(i, i * 0x9E3779B97F4A7C15L + seed);
        }
    }

    private static void check(MemifFrame f, int len, int seed) {
        assertEquals(len, f.length());
        ByteBuffer d = f.data();
        for (int i = 0; i < len; i += 8) {
            if (d.getLong(i) != i * 0x9E3779B97F4A7C15L + seed) {
                throw new AssertionError("frame " + seed + ": long at " + i + " differs");
            }
        }
    }

    /** Forwards every frame the TX link receives to the RX links, zero copy, on a thread of its own. */
    private Thread pump(MemifInterface from, List<MemifInterface> to, AtomicReference<Throwable> failure) {
        List<FrameSink> sinks = new ArrayList<>();
        for (MemifInterface t : to) {
            sinks.add(t.sink(0));
        }
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    MemifFrame f = from.receive(100, TimeUnit.MILLISECONDS);
                    if (f == null) {
                        continue;
                    }
                    try {
                        for (FrameSink s : sinks) {
                            if (!s.canShare(f)) {
                                throw new AssertionError("a frame of the pool is not shareable");
                            }
                            if (!s.acceptShared(f, 5, TimeUnit.SECONDS)) {
                                throw new AssertionError("no room within 5 s");
                            }
                        }
                    } finally {
                        f.release();
                    }
                }
            } catch (InterruptedException e) {
                // done
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "pool-pump");
        t.start();
        return t;
    }

    @Test
    void framesCrossTheProxyWithoutACopyToTwoReceiversAndEveryBufferComesBack() throws Exception {
        int size = 1 << 20;
        int log2 = 2;
        BufferPool pool = keep(BufferPool.create("t1", 3 * 4 + 2, size));
        MemifInterface appTx = app("tx.sock", log2);
        MemifInterface appRx1 = app("rx1.sock", log2);
        MemifInterface appRx2 = app("rx2.sock", log2);
        MemifInterface linkTx = link("tx.sock", pool, false, log2);
        MemifInterface linkRx1 = link("rx1.sock", pool, true, log2);
        MemifInterface linkRx2 = link("rx2.sock", pool, true, log2);
        assertTrue(appTx.awaitConnected(5, TimeUnit.SECONDS));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread pump = pump(linkTx, List.of(linkRx1, linkRx2), failure);
        int frames = 200;
        Thread receiver2 = new Thread(() -> {
            try {
                for (int n = 0; n < frames; n++) {
                    MemifFrame f = appRx2.receive(10, TimeUnit.SECONDS);
                    assertNotNull(f, "receiver 2, frame " + n);
                    check(f, size - 8 * n, n);
                    f.release();
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        receiver2.start();
        try {
            for (int n = 0; n < frames; n++) {
                MemifFrame out = appTx.acquire(0, 10, TimeUnit.SECONDS);
                assertNotNull(out, "a pool buffer for frame " + n);
                assertEquals(size, out.data().capacity());
                fill(out.data(), size - 8 * n, n);
                out.length(size - 8 * n);
                assertTrue(appTx.submit(out));
                MemifFrame in = appRx1.receive(10, TimeUnit.SECONDS);
                assertNotNull(in, "receiver 1, frame " + n);
                check(in, size - 8 * n, n);
                assertTrue(in.data().isReadOnly(), "receivers map the pool read only");
                assertThrows(ReadOnlyBufferException.class, () -> in.data().put(0, (byte) 1));
                in.release();
            }
            receiver2.join(30_000);
        } finally {
            pump.interrupt();
            pump.join(5000);
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(frames, linkRx1.stats().get("tx_shared"));
        assertEquals(frames, linkRx2.stats().get("tx_shared"));
        assertEquals(0L, linkRx1.stats().get("tx_copied_bytes"), "no byte copied by the proxy");
        assertEquals(0L, linkRx2.stats().get("tx_copied_bytes"));
        assertEquals(0L, linkTx.protocolErrors() + linkRx1.protocolErrors() + linkRx2.protocolErrors());

        // the RX links hold their last descriptors until reclaimed; the TX link keeps 4 buffers offered
        for (MemifInterface l : List.of(linkRx1, linkRx2)) {
            l.close();
        }
        linkTx.close();
        await("every buffer back in the pool once the links are gone").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10)).until(() -> pool.available() == pool.count());
    }

    @Test
    void aSmallPoolIsReclaimedFromConsumedDescriptorsInsteadOfStalling() throws Exception {
        int size = 4096;
        int log2 = 2; // 4 slots: the TX ring alone takes 4 of the 6 buffers
        BufferPool pool = keep(BufferPool.create("t2", 6, size));
        MemifInterface appTx = app("tx.sock", log2);
        MemifInterface appRx = app("rx.sock", log2);
        MemifInterface linkTx = link("tx.sock", pool, false, log2);
        MemifInterface linkRx = link("rx.sock", pool, true, log2);
        assertTrue(appTx.awaitConnected(5, TimeUnit.SECONDS));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread pump = pump(linkTx, List.of(linkRx), failure);
        try {
            for (int n = 0; n < 500; n++) {
                MemifFrame out = appTx.acquire(0, 10, TimeUnit.SECONDS);
                assertNotNull(out, "buffer for frame " + n + " (pool " + pool.available() + " free)");
                fill(out.data(), size, n);
                out.length(size);
                assertTrue(appTx.submit(out));
                MemifFrame in = appRx.receive(10, TimeUnit.SECONDS);
                assertNotNull(in, "frame " + n);
                check(in, size, n);
                in.release();
            }
        } finally {
            pump.interrupt();
            pump.join(5000);
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(500L, linkRx.stats().get("tx_shared"));
    }

    @Test
    void aFrameFromOutsideThePoolIsCopiedIntoAPoolBufferAndCounted() throws Exception {
        BufferPool pool = keep(BufferPool.create("t3", 8, 4096));
        MemifInterface appRx = app("rx.sock", 2);
        MemifInterface linkRx = link("rx.sock", pool, true, 2);
        FrameSink sink = linkRx.sink(0);
        org.mcm.api.frame.HeapFrame foreign = new org.mcm.api.frame.HeapFrame(ByteBuffer.allocate(4096), f -> { });
        fill(foreign.data(), 4000, 7);
        foreign.length(4000);
        assertFalse(sink.canShare(foreign), "a heap frame is not in the pool");
        assertTrue(sink.accept(foreign));
        MemifFrame in = appRx.receive(5, TimeUnit.SECONDS);
        assertNotNull(in);
        check(in, 4000, 7);
        in.release();
        assertEquals(4000L, linkRx.stats().get("tx_copied_bytes"));
        assertEquals(0L, linkRx.stats().get("tx_shared"));
    }

    @Test
    void aSenderThatMovesAPoolBufferIsDisconnectedAndTheBuffersComeBack() throws Exception {
        int log2 = 2;
        BufferPool pool = keep(BufferPool.create("t5", 3 * 4 + 2, 4096));
        MemifInterface appTx = app("tx.sock", log2);
        MemifInterface linkTx = link("tx.sock", pool, false, log2);
        assertTrue(appTx.awaitConnected(5, TimeUnit.SECONDS));
        MemifFrame out = appTx.acquire(0, 5, TimeUnit.SECONDS);
        assertNotNull(out);
        // a hostile sender points the descriptor at another buffer of the pool (one it was not offered)
        Connection c = appTx.active;
        org.mcm.memif.internal.Ring ring = c.ring(c.s2c.get(0));
        ring.descOffset(out.slot & ring.mask(), ring.descOffset(out.slot & ring.mask()) + 4096L * 5);
        out.length(100);
        appTx.submit(out);
        assertNull(linkTx.receive(200, TimeUnit.MILLISECONDS), "nothing is delivered from a moved buffer");
        await("the moved buffer counted as a protocol error").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10)).until(() -> linkTx.protocolErrors() > 0);
        assertEquals(1, linkTx.protocolErrors());
        assertTrue(linkTx.lastDisconnectReason().contains("moved"), linkTx.lastDisconnectReason());
        // the link comes back by itself and offers its ring again; nothing leaked from the broken connection
        assertTrue(linkTx.awaitConnected(5, TimeUnit.SECONDS));
        await("only the 4 slots of the new connection holding buffers").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10)).until(() -> pool.available() == pool.count() - 4);
    }

    @Test
    void aTransportFillsPoolBuffersInPlaceForAReceivingApp() throws Exception {
        // e.g. an ST 2110 receiver writing straight into the buffers a pooled RX app will read
        BufferPool pool = keep(BufferPool.create("t6", 3 * 4 + 2, 8192));
        MemifInterface appRx = app("rx.sock", 2);
        MemifInterface linkRx = link("rx.sock", pool, true, 2);
        org.mcm.api.frame.FrameSource source = linkRx.source(0);
        FrameSink sink = linkRx.sink(0);
        for (int n = 0; n < 40; n++) {
            org.mcm.api.frame.Frame f = source.acquire(5, TimeUnit.SECONDS);
            assertNotNull(f, "a pool buffer for frame " + n + " (" + pool.available() + " free)");
            assertEquals(8192, f.data().capacity());
            fill(f.data(), 8000, n);
            f.length(8000);
            assertTrue(sink.accept(f));
            MemifFrame in = appRx.receive(5, TimeUnit.SECONDS);
            assertNotNull(in, "frame " + n);
            check(in, 8000, n);
            in.release();
        }
        assertEquals(0L, linkRx.stats().get("tx_copied_bytes"), "filled in place");
        assertEquals(40L, linkRx.stats().get("tx_frames"));
        // an acquired buffer that is dropped goes back to the pool
        org.mcm.api.frame.Frame dropped = source.acquire(1, TimeUnit.SECONDS);
        int free = pool.available();
        dropped.release();
        assertEquals(free + 1, pool.available());
    }

    @Test
    void aPoolIsOnlyForTheSideThatBringsTheMemory() throws Exception {
        BufferPool pool = keep(BufferPool.create("t4", 2, 4096));
        MemifSocket s = keep(MemifSocket.server(MemifAddress.path(dir.resolve("x.sock"))));
        assertThrows(MemifException.class,
                () -> s.createInterface(InterfaceConfig.builder(0).pool(pool, false).build()));
    }
}
