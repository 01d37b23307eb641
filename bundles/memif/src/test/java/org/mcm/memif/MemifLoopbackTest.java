package org.mcm.memif;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Java server (proxy side) and Java client (SDK side) on a socket in a temp dir. */
@Timeout(120)
class MemifLoopbackTest {

    @TempDir
    Path dir;

    private MemifSocket server;
    private MemifSocket client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private MemifAddress addr() {
        return MemifAddress.path(dir.resolve("memif.sock"));
    }

    static ByteBuffer pattern(int len, int seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(len);
        for (int i = 0; i < len; i++) {
            b.put(i, (byte) (i * 31 + seed));
        }
        return b;
    }

    static void assertPattern(MemifFrame f, int len, int seed) {
        assertEquals(len, f.length());
        ByteBuffer d = f.data();
        for (int i = 0; i < len; i += (len > 100_000 ? 4093 : 1)) {
            if (d.get(i) != (byte) (i * 31 + seed)) {
                throw new AssertionError("byte " + i + " of frame " + seed + " differs");
            }
        }
        if (len > 0) {
            assertEquals((byte) ((len - 1) * 31 + seed), d.get(len - 1));
        }
    }

    private MemifInterface[] pair(InterfaceConfig.Builder serverCfg, InterfaceConfig.Builder clientCfg)
            throws Exception {
        server = MemifSocket.server(addr());
        MemifInterface s = server.createInterface(serverCfg.build());
        client = MemifSocket.client(addr());
        MemifInterface c = client.createInterface(clientCfg.build());
        assertTrue(c.awaitConnected(10, TimeUnit.SECONDS), "client connects");
        assertTrue(s.awaitConnected(10, TimeUnit.SECONDS), "server connects");
        return new MemifInterface[] {s, c};
    }

    private static void exchange(MemifInterface from, MemifInterface to, int frames, int minLen, int maxLen,
            long seed) throws Exception {
        Random r = new Random(seed);
        int[] lens = new int[frames];
        for (int i = 0; i < frames; i++) {
            lens[i] = minLen + r.nextInt(maxLen - minLen + 1);
        }
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; i < frames; i++) {
                    if (!from.send(pattern(lens[i], i), 10, TimeUnit.SECONDS)) {
                        throw new AssertionError("send " + i + " failed");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sender.start();
        for (int i = 0; i < frames; i++) {
            MemifFrame f = to.receive(10, TimeUnit.SECONDS);
            assertNotNull(f, "frame " + i);
            try {
                assertPattern(f, lens[i], i);
            } finally {
                f.release();
            }
        }
        sender.join(10_000);
    }

    @ParameterizedTest
    @EnumSource(RxMode.class)
    void chained2KiBFramesBothDirections(RxMode mode) throws Exception {
        MemifInterface[] p = pair(InterfaceConfig.builder(0).rxMode(mode),
                InterfaceConfig.builder(0).rxMode(mode).bufferSize(2048).log2RingSize(6));
        exchange(p[1], p[0], 2000, 1, 9000, 1); // client -> server, up to 5 descriptors per frame
        exchange(p[0], p[1], 2000, 1, 9000, 2); // server -> client
        assertEquals(2000, p[0].stats().get("rx_frames"));
        assertEquals(0, p[0].protocolErrors());
        assertEquals(0, p[1].protocolErrors());
    }

    /** Interrupt mode must wake on the eventfd (not on a timeout): 2000 round trips well under the poll cap. */
    @ParameterizedTest
    @EnumSource(RxMode.class)
    void pingPongLatency(RxMode mode) throws Exception {
        MemifInterface[] p = pair(InterfaceConfig.builder(0).rxMode(mode), InterfaceConfig.builder(0).rxMode(mode));
        ByteBuffer msg = pattern(64, 0);
        Thread echo = new Thread(() -> {
            try {
                for (int i = 0; i < 2000; i++) {
                    MemifFrame f = p[0].receive(2, TimeUnit.SECONDS);
                    if (f == null) {
                        return;
                    }
                    f.release();
                    p[0].send(msg, 1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        echo.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            assertTrue(p[1].send(msg, 1, TimeUnit.SECONDS));
            MemifFrame g = p[1].receive(2, TimeUnit.SECONDS);
            assertNotNull(g, "reply " + i);
            g.release();
        }
        echo.join(5000);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 20_000, "2000 round trips took " + ms + " ms");
        System.out.println(mode + ": 2000 round trips in " + ms + " ms");
    }

    @Test
    void chainedFrameSegmentsAreZeroCopyViews() throws Exception {
        MemifInterface[] p = pair(InterfaceConfig.builder(0), InterfaceConfig.builder(0).bufferSize(2048));
        assertTrue(p[1].send(pattern(5000, 7), 1, TimeUnit.SECONDS));
        MemifFrame f = p[0].receive(5, TimeUnit.SECONDS);
        assertNotNull(f);
        assertEquals(3, f.segmentCount());
        assertEquals(2048, f.segment(0).capacity());
        assertEquals(5000 - 4096, f.segment(2).capacity());
        assertTrue(f.data().isDirect(), "adjacent buffers give one view of the shared memory");
        assertPattern(f, 5000, 7);
        f.release();
    }

    @ParameterizedTest
    @EnumSource(RxMode.class)
    void eightMegabyteFramesInOneDescriptor(RxMode mode) throws Exception {
        int size = 8 << 20;
        MemifInterface[] p = pair(InterfaceConfig.builder(3).rxMode(mode),
                InterfaceConfig.builder(3).rxMode(mode).bufferSize(size).log2RingSize(2));
        for (int i = 0; i < 6; i++) {
            assertTrue(p[1].send(pattern(size, i), 5, TimeUnit.SECONDS));
            MemifFrame f = p[0].receive(5, TimeUnit.SECONDS);
            assertNotNull(f);
            assertEquals(1, f.segmentCount());
            assertTrue(f.data().isDirect());
            assertPattern(f, size, i);
            // echo back zero-copy: server fills the client's offered buffer in place
            MemifFrame out = p[0].acquire(0, 5, TimeUnit.SECONDS);
            assertNotNull(out);
            assertEquals(size, out.data().capacity());
            out.data().put(0, f.data(), 0, size);
            out.length(size);
            f.release();
            assertTrue(p[0].submit(out));
            MemifFrame back = p[1].receive(5, TimeUnit.SECONDS);
            assertNotNull(back);
            assertEquals(1, back.segmentCount());
            assertPattern(back, size, i);
            back.release();
        }
    }

    @Test
    void clientZeroCopyTxAndFrameSinkSource() throws Exception {
        MemifInterface[] p = pair(InterfaceConfig.builder(0), InterfaceConfig.builder(0));
        var src = p[1].source(0);
        var sink = p[1].sink(0);
        for (int i = 0; i < 3000; i++) {
            var f = src.acquire(5, TimeUnit.SECONDS);
            assertNotNull(f);
            f.data().putInt(0, i);
            f.length(4);
            assertTrue(sink.accept(f));
            MemifFrame r = p[0].receive(5, TimeUnit.SECONDS);
            assertEquals(i, r.data().getInt(0));
            r.release();
        }
        assertEquals(3000, p[1].stats().get("tx_frames"));
        assertNull(p[0].receive(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void outOfOrderReleaseReturnsSlotsInOrder() throws Exception {
        MemifInterface[] p = pair(InterfaceConfig.builder(0), InterfaceConfig.builder(0).log2RingSize(3));
        for (int round = 0; round < 20; round++) {
            MemifFrame[] held = new MemifFrame[6];
            for (int i = 0; i < 6; i++) {
                assertTrue(p[1].send(pattern(100, i), 1, TimeUnit.SECONDS));
            }
            for (int i = 0; i < 6; i++) {
                held[i] = p[0].receive(1, TimeUnit.SECONDS);
                assertPattern(held[i], 100, i);
            }
            for (int i = 5; i >= 0; i--) {
                held[i].release();
            }
        }
    }

    @Test
    void severalInterfacesOnOneSocketAndSecrets() throws Exception {
        server = MemifSocket.server(addr());
        MemifInterface s1 = server.createInterface(InterfaceConfig.builder(1).secret("s3cr3t").build());
        MemifInterface s2 = server.createInterface(InterfaceConfig.builder(2).build());
        client = MemifSocket.client(addr());
        MemifInterface bad = client.createInterface(InterfaceConfig.builder(1).secret("wrong").build());
        MemifInterface c2 = client.createInterface(InterfaceConfig.builder(2).build());
        MemifInterface none = client.createInterface(InterfaceConfig.builder(9).build());
        assertTrue(c2.awaitConnected(5, TimeUnit.SECONDS));
        assertFalse(bad.awaitConnected(700, TimeUnit.MILLISECONDS));
        assertEquals("peer disconnected: Incorrect secret", bad.lastDisconnectReason());
        assertEquals("peer disconnected: ID not found", none.lastDisconnectReason());
        bad.close();
        MemifInterface c1 = client.createInterface(InterfaceConfig.builder(1).secret("s3cr3t").build());
        assertTrue(c1.awaitConnected(5, TimeUnit.SECONDS));
        assertTrue(s1.awaitConnected(5, TimeUnit.SECONDS));
        exchange(c1, s1, 100, 10, 3000, 3);
        exchange(c2, s2, 100, 10, 3000, 4);
        exchange(s1, c1, 100, 10, 3000, 5);
    }

    @Test
    void disconnectWithReasonAndReconnect() throws Exception {
        MemifInterface[] p = pair(InterfaceConfig.builder(5),
                InterfaceConfig.builder(5).reconnectInterval(Duration.ofMillis(100)));
        MemifInterface s = p[0];
        MemifInterface c = p[1];
        for (int cycle = 0; cycle < 5; cycle++) {
            assertTrue(c.awaitConnected(5, TimeUnit.SECONDS));
            assertTrue(s.awaitConnected(5, TimeUnit.SECONDS));
            exchange(c, s, 50, 1, 5000, cycle);
            // a frame held across the disconnect keeps its memory mapped until released
            assertTrue(c.send(pattern(64, 1), 1, TimeUnit.SECONDS));
            MemifFrame held = s.receive(1, TimeUnit.SECONDS);
            String why = "maintenance " + cycle;
            s.disconnect(why);
            assertTrue(waitFor(() -> c.lastDisconnectReason().equals("peer disconnected: " + why)));
            assertPattern(held, 64, 1);
            held.release();
        }
        assertTrue(c.awaitConnected(5, TimeUnit.SECONDS));
        assertTrue(c.stats().get("connects") >= 6);
        assertEquals(0, s.protocolErrors());
        // server socket closing: the client sees the reason and keeps retrying
        server.close();
        assertTrue(waitFor(() -> !c.isConnected()));
        assertEquals("peer disconnected: socket closed", c.lastDisconnectReason());
        server = MemifSocket.server(addr());
        MemifInterface s2 = server.createInterface(InterfaceConfig.builder(5).build());
        assertTrue(c.awaitConnected(5, TimeUnit.SECONDS));
        assertTrue(s2.awaitConnected(5, TimeUnit.SECONDS));
        exchange(s2, c, 20, 1, 100, 9);
    }

    /**
     * Two apps started at once in direct mode: the client connects between the server's listen and its first
     * createInterface. It waits in the backlog (no HELLO while the server has no interface) and then connects; before,
     * it was greeted at once and its INIT refused "ID not found", a protocol error and a WARN line for a peer that did
     * nothing wrong (seen as a stray line of mcm-receiver in SampleAppsTest).
     */
    @Test
    void aPeerThatConnectsBeforeTheFirstInterfaceWaitsForIt() throws Exception {
        server = MemifSocket.server(addr());
        try (RawPeer p = new RawPeer(addr())) {
            assertEquals(-1, p.recv(300), "greeted while the server had no interface to offer");
            server.createInterface(InterfaceConfig.builder(0).build());
            p.connect(0);
            assertEquals(0, server.protocolErrors());
        }
    }

    @Test
    void abstractNamespaceSocket() throws Exception {
        MemifAddress a = MemifAddress.abstractName("mcm-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        server = MemifSocket.server(a);
        MemifInterface s = server.createInterface(InterfaceConfig.builder(0).build());
        client = MemifSocket.client(a);
        MemifInterface c = client.createInterface(InterfaceConfig.builder(0).build());
        assertTrue(c.awaitConnected(5, TimeUnit.SECONDS));
        exchange(c, s, 10, 1, 100, 1);
    }

    /** Whether {@code cond} came to hold within 5 s (polled every 10 ms). */
    static boolean waitFor(java.util.function.BooleanSupplier cond) {
        try {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(cond::getAsBoolean);
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }
}
