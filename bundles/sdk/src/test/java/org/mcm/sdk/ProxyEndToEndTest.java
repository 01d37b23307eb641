package org.mcm.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.memif.MemifFrame;

/** The SDK end to end against the in-test proxy double: TCP protocol, memif data path, errors. */
@Timeout(120)
class ProxyEndToEndTest {

    static final VideoFormat P1080_422_10 = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);
    static final int FRAME = 8_294_400;

    @TempDir
    Path dir;

    ProxyDouble proxy;
    McmClient client;

    @BeforeEach
    void start() throws Exception {
        proxy = new ProxyDouble(dir);
        client = proxy.client();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        proxy.close();
    }

    private static ConnectionOptions.Builder video() {
        return ConnectionOptions.builder(P1080_422_10).transport("st2110-20").remote("239.1.1.1", 20000)
                .local("", 20001).payloadType(112).closeLinger(Duration.ZERO);
    }

    @Test
    void txFramesOf1080p10BitArriveBitExactInOneDescriptor() throws Exception {
        int frames = 24;
        try (Connection tx = client.createTx(video().build())) {
            assertEquals(1, tx.sessionId());
            assertEquals(FRAME, tx.bufferSize());
            assertTrue(tx.viaProxy());
            // the bytes on the wire are exactly the golden images
            byte[] golden = Golden.videoParam(0, "", "20001", "239.1.1.1", "20000", 1, 0, 1920, 1080, 60.0, 2, 112);
            ProxyDouble.Request create = proxy.requestsOf(1).get(0);
            assertArrayEquals(Golden.request(1, golden), concat(create.header(), create.payload()));
            ProxyDouble.Request query = proxy.requestsOf(5).get(0);
            assertArrayEquals(Golden.request(5, Golden.u32(1)), concat(query.header(), query.payload()));

            ProxyDouble.Session s = proxy.awaitSession(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread sink = new Thread(() -> {
                try {
                    for (int i = 0; i < frames; i++) {
                        MemifFrame f = s.iface.receive(10, TimeUnit.SECONDS);
                        assertNotNull(f, "frame " + i + " at the proxy");
                        try {
                            assertEquals(1, f.segmentCount(), "one descriptor per frame");
                            assertEquals(FRAME, f.length());
                            assertEquals(-1, Patterns.mismatch(f.data(), FRAME, i), "frame " + i + " bit-exact");
                        } finally {
                            f.release();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            sink.start();
            for (int i = 0; i < frames; i++) {
                McmBuffer b = tx.getBuffer(Duration.ofSeconds(5));
                assertEquals(FRAME, b.capacity());
                assertEquals(FRAME, b.length(), "TX length defaults to the frame size");
                assertEquals(i, b.sequence());
                Patterns.fill(b.data(), FRAME, i);
                b.send();
            }
            sink.join(30_000);
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(frames, tx.buffers());
            assertEquals((long) frames * FRAME, tx.bytes());
        }
        // close sent DESTROY for the session and the proxy tore it down
        proxy.awaitRequests(2, 1);
        ProxyDouble.Request destroy = proxy.requestsOf(2).get(0);
        assertArrayEquals(Golden.request(2, Golden.u32(1)), concat(destroy.header(), destroy.payload()));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> proxy.sessions.get(1L).destroyed);
    }

    @Test
    void rxFramesArriveBitExactAndGoBackToTheRing() throws Exception {
        int frames = 20;
        try (Connection rx = client.createRx(video().build())) {
            assertEquals(1, Golden.le(proxy.requestsOf(1).get(0).payload()).getInt(0), "type is_rx");
            ProxyDouble.Session s = proxy.awaitSession(rx.sessionId());
            assertTrue(s.iface.awaitConnected(5, TimeUnit.SECONDS));
            Thread source = new Thread(() -> {
                try {
                    for (int i = 0; i < frames; i++) {
                        ProxyDouble.sendPattern(s.iface, FRAME, 1000 + i);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            source.start();
            for (int i = 0; i < frames; i++) {
                McmBuffer b = rx.getBuffer(Duration.ofSeconds(10));
                assertEquals(FRAME, b.length());
                assertEquals(FRAME, b.data().remaining());
                assertEquals(-1, Patterns.mismatch(b.data(), FRAME, 1000 + i), "frame " + i);
                rx.putBuffer(b);
            }
            source.join(10_000);
            assertEquals(frames, rx.buffers());
            assertEquals(0, rx.outstandingBuffers());
        }
    }

    @Test
    void rxHoldsSeveralBuffersAndReleasesThemOutOfOrder() throws Exception {
        proxy.bufferSize = 4096;
        BlobFormat blob = new BlobFormat(4096);
        try (Connection rx = client.createRx(ConnectionOptions.builder(blob).remote("group-a", 0).build())) {
            ProxyDouble.Session s = proxy.awaitSession(rx.sessionId());
            for (int i = 0; i < 3; i++) {
                assertTrue(ProxyDouble.sendPattern(s.iface, 100 + i, i));
            }
            McmBuffer a = rx.getBuffer(Duration.ofSeconds(5));
            McmBuffer b = rx.getBuffer(Duration.ofSeconds(5));
            McmBuffer c = rx.getBuffer(Duration.ofSeconds(5));
            assertEquals(3, rx.outstandingBuffers());
            assertEquals(101, b.length());
            b.release();
            c.release();
            assertEquals(-1, Patterns.mismatch(a.data(), 100, 0));
            a.release();
            a.release(); // idempotent
            assertEquals(0, rx.outstandingBuffers());
            // all slots are back: the proxy can fill the whole ring again
            for (int i = 0; i < 4; i++) {
                assertTrue(ProxyDouble.sendPattern(s.iface, 64, 10 + i));
            }
            for (int i = 0; i < 4; i++) {
                rx.getBuffer(Duration.ofSeconds(5)).release();
            }
        }
    }

    @Test
    void rxGetBufferTimesOut() throws Exception {
        try (Connection rx = client.createRx(video().build())) {
            long t0 = System.nanoTime();
            McmException e = assertThrows(McmException.class, () -> rx.getBuffer(Duration.ofMillis(300)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ErrorCode.TIMEOUT, e.errorCode());
            assertTrue(ms >= 290 && ms < 2000, "waited " + ms + " ms");
            assertNull(rx.tryGetBuffer(Duration.ZERO));
            assertEquals(2, rx.timeouts());
        }
    }

    @Test
    void txGetBufferTimesOutWhenTheProxyDoesNotDrainTheRing() throws Exception {
        proxy.bufferSize = 1024;
        BlobFormat blob = new BlobFormat(1024);
        try (Connection tx = client.createTx(ConnectionOptions.builder(blob).remote("g", 1).closeLinger(Duration.ZERO)
                .build())) {
            for (int i = 0; i < 4; i++) { // log2 ring 2 = 4 slots
                McmBuffer b = tx.getBuffer(Duration.ofSeconds(2));
                b.length(10);
                tx.putBuffer(b);
            }
            McmException e = assertThrows(McmException.class, () -> tx.getBuffer(Duration.ofMillis(200)));
            assertEquals(ErrorCode.TIMEOUT, e.errorCode());
            // the proxy drains one; a buffer is free again
            MemifFrame f = proxy.awaitSession(tx.sessionId()).iface.receive(2, TimeUnit.SECONDS);
            assertEquals(10, f.length());
            f.release();
            tx.getBuffer(Duration.ofSeconds(2)).release();
        }
    }

    @Test
    void controlTimeoutWhenTheProxyNeverAnswers() throws Exception {
        proxy.misbehave = ProxyDouble.Misbehave.SILENT_ON_CREATE;
        McmClient c = McmClient.builder().address("127.0.0.1", proxy.port()).controlTimeout(Duration.ofMillis(300))
                .build();
        McmException e = assertThrows(McmException.class, () -> c.createTx(video().build()));
        assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    }

    @Test
    void proxyClosingInsteadOfReplyingFailsAtOnce() throws Exception {
        for (ProxyDouble.Misbehave m : new ProxyDouble.Misbehave[] {ProxyDouble.Misbehave.CLOSE_ON_CREATE,
                ProxyDouble.Misbehave.CLOSE_ON_QUERY}) {
            proxy.misbehave = m;
            long t0 = System.nanoTime();
            McmException e = assertThrows(McmException.class, () -> client.createRx(video().build()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ErrorCode.PROXY_REFUSED, e.errorCode(), m.name());
            assertTrue(e.getMessage().contains("closed the connection instead of answering"), e.getMessage());
            assertTrue(ms < 1000, m + " took " + ms + " ms");
        }
    }

    @Test
    void unreachableProxyIsConnectionFailed() throws Exception {
        proxy.close();
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // nobody listens here once this closes
        }
        McmException e = assertThrows(McmException.class, () -> McmClient.connect("127.0.0.1", port)
                .createTx(video().build()));
        assertEquals(ErrorCode.CONNECTION_FAILED, e.errorCode());
    }

    @Test
    void pooledModeAsksWithCommand17AndTheUpstreamPayloadAndAProxyWithoutItFailsClearly() throws Exception {
        // the double speaks upstream 24.09 only: it closes the connection on a command it does not know
        McmException e = assertThrows(McmException.class, () -> client.createTx(video().proxyBuffers(true).build()));
        assertEquals(ErrorCode.PROXY_REFUSED, e.errorCode());
        ProxyDouble.Request create = proxy.requestsOf(17).get(0);
        byte[] golden = Golden.videoParam(0, "", "20001", "239.1.1.1", "20000", 1, 0, 1920, 1080, 60.0, 2, 112);
        assertArrayEquals(Golden.request(17, golden), concat(create.header(), create.payload()));
        assertTrue(proxy.requestsOf(1).isEmpty());
    }

    @Test
    void localTransportHasCommandsOfItsOwnThatAnUpstreamProxyIgnores() throws Exception {
        // upstream 24.09 reads an unknown command and stays silent: nothing is created there, the SDK times out
        proxy.misbehave = ProxyDouble.Misbehave.UPSTREAM_2409;
        McmClient c = McmClient.builder().address("127.0.0.1", proxy.port()).controlTimeout(Duration.ofMillis(300))
                .build();
        VideoFormat f = new VideoFormat(64, 32, Rational.of(30, 1), PixelFormat.YUV422P10LE);
        McmException e = assertThrows(McmException.class, () -> c.createTx(ConnectionOptions.builder(f)
                .transport("local").remote("127.0.0.1", 9001).build()));
        assertEquals(ErrorCode.TIMEOUT, e.errorCode());
        assertEquals(1, proxy.awaitRequests(18, 1));
        assertTrue(proxy.requestsOf(1).isEmpty(), "never upstream's create: an upstream proxy would make an ST 2110-20 sender of it");
        assertTrue(proxy.sessions.isEmpty());
        // pooled local: command 19 with the same struct
        assertThrows(McmException.class, () -> c.createRx(ConnectionOptions.builder(f).transport("local")
                .remote("127.0.0.1", 9001).proxyBuffers(true).build()));
        byte[] golden = Golden.videoParam(1, "", "", "127.0.0.1", "9001", 0, 0, 64, 32, 30.0, 2, 0);
        ProxyDouble.Request pooled = proxy.requestsOf(19).get(0);
        assertArrayEquals(Golden.request(19, golden), concat(pooled.header(), pooled.payload()));
        assertTrue(proxy.requestsOf(1).isEmpty());
    }

    @Test
    void rdmaIsNotOffered() {
        VideoFormat f = new VideoFormat(64, 32, Rational.of(30, 1), PixelFormat.YUV422P10LE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionOptions.builder(f).transport("rdma").remote("10.0.0.2", 9000).build());
        assertTrue(e.getMessage().contains("no RDMA transport"), e.getMessage());
        assertFalse(ConnectionOptions.TRANSPORTS.contains("rdma"));
    }

    @Test
    void badMemifParametersAreProtocolErrors() throws Exception {
        proxy.misbehave = ProxyDouble.Misbehave.MASTER_FLAG;
        McmException e = assertThrows(McmException.class, () -> client.createTx(video().build()));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.errorCode());
        assertTrue(e.getMessage().contains("master"), e.getMessage());

        proxy.misbehave = ProxyDouble.Misbehave.NONE;
        proxy.bufferSize = FRAME - 1;
        e = assertThrows(McmException.class, () -> client.createTx(video().build()));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.errorCode());
        assertTrue(e.getMessage().contains("cannot hold"), e.getMessage());
    }

    @Test
    void memifThatNeverComesUpIsConnectionFailedAndTheSessionIsDestroyed() throws Exception {
        proxy.misbehave = ProxyDouble.Misbehave.NO_MEMIF_SERVER;
        McmException e = assertThrows(McmException.class,
                () -> client.createTx(video().connectTimeout(Duration.ofMillis(400)).build()));
        assertEquals(ErrorCode.CONNECTION_FAILED, e.errorCode());
        assertEquals(1, proxy.awaitRequests(2, 1), "DESTROY sent for the half-made session");
    }

    @Test
    void interfaceIdAndSecretFromTheReplyAreUsed() throws Exception {
        proxy.interfaceId = 7;
        proxy.secret = "s3cret";
        try (Connection tx = client.createTx(video().build())) {
            ProxyDouble.Session s = proxy.awaitSession(tx.sessionId());
            assertTrue(s.iface.awaitConnected(5, TimeUnit.SECONDS));
            assertEquals(7, s.iface.id());
        }
    }

    @Test
    void proxyEndingTheDataPathFailsGetBufferPromptly() throws Exception {
        Connection rx = client.createRx(video().build());
        ProxyDouble.Session s = proxy.awaitSession(rx.sessionId());
        s.end();
        long t0 = System.nanoTime();
        McmException e = assertThrows(McmException.class, () -> {
            for (;;) {
                rx.getBuffer(Duration.ofSeconds(5));
            }
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(ErrorCode.CONNECTION_CLOSED, e.errorCode());
        assertTrue(ms < 1000, "took " + ms + " ms");
        rx.close();
    }

    @Test
    void closeWakesABlockedGetBufferAndReleasesEverything() throws Exception {
        Connection rx = client.createRx(video().build());
        assertEquals(1, client.connections().size());
        AtomicReference<McmException> got = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                rx.getBuffer(Duration.ofSeconds(-1));
            } catch (McmException e) {
                got.set(e);
            }
        });
        t.start();
        // the reader is inside the blocking getBuffer (waiting for a frame) before the close, not merely started
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> java.util.Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("receive") && f.getClassName().endsWith("RxQueue")));
        assertTrue(t.isAlive() && got.get() == null, "blocked, no frame, no error yet");
        rx.close();
        t.join(3000);
        assertFalse(t.isAlive());
        assertEquals(ErrorCode.CONNECTION_CLOSED, got.get().errorCode());
        assertTrue(client.connections().isEmpty());
        assertEquals(1, proxy.awaitRequests(2, 1));
        assertTrue(proxy.sessions.get(1L).iface.awaitDisconnected(5, TimeUnit.SECONDS), "memif link gone");
        McmException e = assertThrows(McmException.class, () -> rx.getBuffer(Duration.ZERO));
        assertEquals(ErrorCode.CONNECTION_CLOSED, e.errorCode());
        rx.close(); // idempotent
    }

    @Test
    void audioAndLocalRequestsCarryTheUpstreamFields() throws Exception {
        proxy.bufferSize = 288;
        AudioFormat pcm24 = new AudioFormat(48_000, 2, 24, PacketTime.PT_1MS);
        try (Connection rx = client.createRx(ConnectionOptions.builder(pcm24).remote("239.0.0.5", 0).local("", 30000)
                .build())) {
            assertEquals(288, rx.bufferSize());
        }
        byte[] golden = Golden.audioParam(1, "239.0.0.5", "30000", 2, 2, 0, 0);
        assertArrayEquals(golden, proxy.requestsOf(1).get(0).payload());

        proxy.bufferSize = 4096;
        try (Connection tx = client.createTx(ConnectionOptions.builder(new BlobFormat(4096)).transport("local")
                .remote("studio-a", 5).closeLinger(Duration.ZERO).build())) {
            assertEquals(1, proxy.requestsOf(1).size(), "a local connection is not created with upstream's command 1");
            byte[] p = proxy.requestsOf(18).get(0).payload();
            assertEquals(0, Golden.le(p).getInt(228), "payload_type NONE (not read: command 18 says local)");
            assertEquals("studio-a", Golden.text(p, 60, 46));
            assertEquals("5", Golden.text(p, 106, 6));
            assertEquals(4096, Golden.le(p).getLong(240), "blob size as rdma transfer_size");
            assertEquals(0, Golden.le(p).getShort(248), "no audio channels: a blob");
            assertEquals(0, Golden.le(p).getInt(264));
        }
    }

    @Test
    void pollingModeAndClientCloseEndEverything() throws Exception {
        proxy.bufferSize = 2048;
        BlobFormat blob = new BlobFormat(2048);
        Connection rx = client.createRx(ConnectionOptions.builder(blob).remote("g", 2).polling(true).build());
        Connection tx = client.createTx(ConnectionOptions.builder(blob).remote("g", 3).build());
        ProxyDouble.Session s = proxy.awaitSession(rx.sessionId());
        for (int i = 0; i < 100; i++) {
            assertTrue(ProxyDouble.sendPattern(s.iface, 1 + i, i));
            McmBuffer b = rx.getBuffer(Duration.ofSeconds(5));
            assertEquals(1 + i, b.length());
            assertEquals(-1, Patterns.mismatch(b.data(), 1 + i, i));
            b.release();
        }
        assertEquals(2, client.connections().size());
        client.close();
        assertTrue(rx.isClosed());
        assertTrue(tx.isClosed());
        assertTrue(client.connections().isEmpty());
        assertEquals(2, proxy.awaitRequests(2, 2), "both sessions destroyed");
        McmException e = assertThrows(McmException.class, () -> client.createRx(video().build()));
        assertEquals(ErrorCode.CONNECTION_CLOSED, e.errorCode());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
