package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.itests.support.ControlClient;

/**
 * The end-to-end check: the real appliance, and the SDK sample apps as separate JVM processes
 * ({@code bin/mcm-sender}, {@code bin/mcm-receiver} from the image) exchanging 600 frames of 1920x1080 4:2:2
 * 10-bit through the proxy's shared-memory path, compared bit by bit (an app killed with SIGKILL mid-stream:
 * {@link AppKillDrillIT}).
 */
public class SdkEndToEndIT {

    static final int W = 1920;
    static final int H = 1080;
    static final int FRAME = W * H * 4;
    static final int DISTINCT = 8;

    private static Path home;
    private static Path work;

    @BeforeClass
    public static void setUp() throws IOException {
        home = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-e2e");
    }

    @AfterClass
    public static void tearDown() throws IOException {
        ApplianceProcessIT.delete(home);
        ApplianceProcessIT.delete(work);
    }

    static byte[] sourceFile(Path file) throws IOException {
        byte[] all = new byte[FRAME * DISTINCT];
        Random r = new Random(2110);
        // yuv422p10le samples are 10-bit values in 16-bit little-endian words
        for (int i = 0; i < all.length; i += 2) {
            int v = r.nextInt(1024);
            all[i] = (byte) v;
            all[i + 1] = (byte) (v >>> 8);
        }
        Files.write(file, all);
        return all;
    }

    @Test(timeout = 240_000)
    public void sixHundredFramesOf1080pThroughTheApplianceBitExact() throws Exception {
        int tcp = Provisioning.freePort();
        int grpc = Provisioning.freePort();
        Path memifDir = work.resolve("memif");
        Path src = work.resolve("src.raw");
        byte[] source = sourceFile(src);
        try (ApplianceProcessIT.Proxy proxy = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t", Integer.toString(tcp),
                "-g", Integer.toString(grpc), "--console-port", Integer.toString(Provisioning.freePort()),
                "--memif-dir", memifDir.toString());
                ControlClient c = new ControlClient("127.0.0.1", grpc)) {
            proxy.line("INFO: TCP Server listening on", 60_000);
            proxy.line("INFO: gRPC Server listening on", 60_000);
            String[] common = {"-P", Integer.toString(tcp), "-t", "local", "-r", "127.0.0.1:9100", "-w", Integer.toString(W),
                    "-h", Integer.toString(H), "-x", "yuv422p10le", "-f", "20", "-q"};

            // receiver writes frames to its stdout; this test compares them as they come
            ProcessBuilder rxb = new ProcessBuilder(cmd(home, "mcm-receiver", common, "-n", "600", "-o", "-",
                    "--idle-timeout", "20"));
            rxb.environment().put("JAVA", javaBin());
            rxb.redirectError(work.resolve("rx.err").toFile());
            Process rx = rxb.start();
            try {
                Polls.waitFor("receiver session", () -> c.connectionCount() >= 1 || !rx.isAlive(), 30_000);
            } finally {
                if (!rx.isAlive() || c.connectionCount() < 1) {
                    throw new AssertionError("receiver has no session (alive " + rx.isAlive() + "): "
                            + Files.readString(work.resolve("rx.err")) + "\nproxy: " + proxy.out);
                }
            }
            // the receiver prints its session line once its memif link is up (the SDK's create waits for it)
            Polls.waitForText(work.resolve("rx.err"), "mcm-receiver: session", 30_000);

            ProcessBuilder txb = new ProcessBuilder(cmd(home, "mcm-sender", common, "-n", "600", "-i", src.toString(),
                    "--loop", "--no-stamp"));
            txb.environment().put("JAVA", javaBin());
            txb.redirectErrorStream(true).redirectOutput(work.resolve("tx.out").toFile());
            Process tx = txb.start();

            byte[] frame = new byte[FRAME];
            try (InputStream in = rx.getInputStream(); DataInputStream d = new DataInputStream(in)) {
                for (int i = 0; i < 600; i++) {
                    d.readFully(frame);
                    int k = i % DISTINCT;
                    assertTrue("frame " + i + " bit-exact", Arrays.equals(source, k * FRAME, (k + 1) * FRAME, frame, 0, FRAME));
                }
                assertEquals("nothing after the 600th frame", -1, in.read());
            } catch (java.io.EOFException e) {
                throw new AssertionError("receiver ended early; rx: " + Files.readString(work.resolve("rx.err"))
                        + " tx: " + Files.readString(work.resolve("tx.out")), e);
            }
            assertTrue(tx.waitFor(60, TimeUnit.SECONDS));
            assertEquals("sender exit: " + Files.readString(work.resolve("tx.out")), 0, tx.exitValue());
            assertTrue(rx.waitFor(60, TimeUnit.SECONDS));
            assertEquals("receiver exit: " + Files.readString(work.resolve("rx.err")), 0, rx.exitValue());

            // an app killed mid-stream (SIGKILL): AppKillDrillIT
            Polls.waitFor("sessions of finished apps gone", () -> c.connectionCount() == 0, 10_000);
        }
    }

    /**
     * The SDK's pooled mode: both apps attach to buffers the proxy allocates from one pool of their local group, so
     * the receiver reads the very buffer the sender filled. 1080p frames arrive bit-exact, the local transport
     * hands every one over without copying a byte, and the receiver cannot write into the shared frames. An
     * upstream-layout receiver in the same group still gets its copy.
     */
    @Test(timeout = 180_000)
    public void pooledAppsExchange1080pFramesWithoutAnyCopy() throws Exception {
        int tcp = Provisioning.freePort();
        int grpc = Provisioning.freePort();
        Path memifDir = work.resolve("memif-pooled");
        org.mcm.api.media.VideoFormat fmt = new org.mcm.api.media.VideoFormat(W, H, org.mcm.api.media.Rational.of(60, 1),
                org.mcm.api.media.PixelFormat.YUV422P10LE);
        int size = (int) fmt.bufferSize();
        int frames = 120;
        try (ApplianceProcessIT.Proxy proxy = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t", Integer.toString(tcp),
                "-g", Integer.toString(grpc), "--console-port", Integer.toString(Provisioning.freePort()),
                "--memif-dir", memifDir.toString());
                ControlClient c = new ControlClient("127.0.0.1", grpc)) {
            proxy.line("INFO: TCP Server listening on", 60_000);
            try {
                pooledExchange(c, tcp, memifDir, fmt, size, frames);
                Polls.waitFor("sessions gone", () -> c.connectionCount() == 0, 10_000);
                pooledSenderKilled(c, tcp, fmt);
                Polls.waitFor("sessions gone", () -> c.connectionCount() == 0, 10_000);
                pooledOverSt2110(c, tcp);
            } catch (Exception | AssertionError e) {
                throw new AssertionError(e + "\nproxy: " + proxy.out, e);
            }
            Polls.waitFor("sessions gone", () -> c.connectionCount() == 0, 10_000);
            Polls.waitFor("the apps' socket files removed", () -> socketNames(memifDir).isEmpty(), 5_000);
        }
    }

    private static void pooledExchange(ControlClient c, int tcp, Path memifDir, org.mcm.api.media.VideoFormat fmt, int size,
            int frames) throws Exception {
        {
            try (org.mcm.sdk.McmClient client = org.mcm.sdk.McmClient.connect("127.0.0.1", tcp);
                    org.mcm.sdk.Connection rx = client.createRx(org.mcm.sdk.ConnectionOptions.builder(fmt).transport("local")
                            .remote("127.0.0.1", 9120).proxyBuffers(true).build());
                    org.mcm.sdk.Connection copyRx = client.createRx(org.mcm.sdk.ConnectionOptions.builder(fmt).transport("local")
                            .remote("127.0.0.1", 9120).build());
                    org.mcm.sdk.Connection tx = client.createTx(org.mcm.sdk.ConnectionOptions.builder(fmt).transport("local")
                            .remote("127.0.0.1", 9120).proxyBuffers(true).build())) {
                assertTrue(socketNames(memifDir).stream().anyMatch(n -> n.matches("media_proxy_rx_\\d+_[0-9a-f]{16}\\.sock")));
                for (String n : socketNames(memifDir)) {
                    if (n.matches("media_proxy_.._\\d+_[0-9a-f]{16}\\.sock")) {
                        assertEquals("a pooled app's socket lets the proxy's group connect", "rw-rw----",
                                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(memifDir.resolve(n))));
                    }
                }
                Thread copier = new Thread(() -> {
                    try {
                        for (int i = 0; i < frames; i++) {
                            org.mcm.sdk.McmBuffer b = copyRx.getBuffer(java.time.Duration.ofSeconds(20));
                            check(b.data(), b.length(), i, size);
                            b.release();
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                java.util.concurrent.atomic.AtomicReference<Throwable> copyFailure = new java.util.concurrent.atomic.AtomicReference<>();
                copier.setUncaughtExceptionHandler((t, e) -> copyFailure.set(e));
                copier.start();
                for (int i = 0; i < frames; i++) {
                    org.mcm.sdk.McmBuffer b = tx.getBuffer(java.time.Duration.ofSeconds(20));
                    java.nio.ByteBuffer d = b.data();
                    for (int k = 0; k < size; k += 8) {
                        d.putLong(k, k * 0x9E3779B97F4A7C15L + i);
                    }
                    b.length(size);
                    b.send();
                    org.mcm.sdk.McmBuffer r = rx.getBuffer(java.time.Duration.ofSeconds(20));
                    check(r.data(), r.length(), i, size);
                    assertTrue("a pooled receiver maps the frames read only", r.data().isReadOnly());
                    r.release();
                }
                copier.join(60_000);
                if (copyFailure.get() != null) {
                    throw new AssertionError("upstream-layout receiver: " + copyFailure.get(), copyFailure.get());
                }
                Map<Long, Map<String, Long>> rxStats = c.connectionStats("RX");
                assertEquals(c.dump(), 2, rxStats.size());
                long shared = 0;
                long copied = 0;
                for (Map<String, Long> m : rxStats.values()) {
                    shared += sum(m, "frames_shared");
                    copied += sum(m, "bytes_copied");
                }
                assertEquals("frames handed over without a copy: " + c.dump(), frames, shared);
                assertEquals("only the upstream-layout receiver's frames were copied: " + c.dump(), (long) frames * size, copied);
            }
        }
    }

    /**
     * A pooled sender app (the image's mcm-sender) killed with SIGKILL mid-stream: its session goes within a second,
     * the pooled receiver stays attached, and a new sender in the same group reaches it again through the pool.
     */
    private static void pooledSenderKilled(ControlClient c, int tcp, org.mcm.api.media.VideoFormat fmt) throws Exception {
        try (org.mcm.sdk.McmClient client = org.mcm.sdk.McmClient.connect("127.0.0.1", tcp);
                org.mcm.sdk.Connection rx = client.createRx(org.mcm.sdk.ConnectionOptions.builder(fmt).transport("local")
                        .remote("127.0.0.1", 9121).proxyBuffers(true).build())) {
            ProcessBuilder txb = new ProcessBuilder(cmd(home, "mcm-sender", new String[] {"-P", Integer.toString(tcp), "-t",
                    "local", "-r", "127.0.0.1:9121", "-w", Integer.toString(W), "-h", Integer.toString(H), "-x", "yuv422p10le",
                    "-f", "30", "-q", "--proxy-buffers"}));
            txb.environment().put("JAVA", javaBin());
            txb.redirectErrorStream(true).redirectOutput(work.resolve("pooled-tx.out").toFile());
            Process tx = txb.start();
            try {
                for (int i = 0; i < 10; i++) {
                    org.mcm.sdk.McmBuffer b = rx.tryGetBuffer(java.time.Duration.ofSeconds(20));
                    if (b == null) {
                        throw new AssertionError("no frame from the pooled mcm-sender: " + Files.readString(work.resolve("pooled-tx.out")));
                    }
                    assertEquals(fmt.bufferSize(), b.length());
                    b.release();
                }
                new ProcessBuilder("kill", "-KILL", Long.toString(tx.pid())).start().waitFor();
                long killed = System.nanoTime();
                Polls.waitFor("killed pooled sender's session reclaimed", () -> c.connectionCount() == 1, 5_000);
                long reclaimMs = (System.nanoTime() - killed) / 1_000_000;
                assertTrue("reclaimed within a second: " + reclaimMs + " ms", reclaimMs <= 1000);
            } finally {
                tx.destroyForcibly();
            }
            for (org.mcm.sdk.McmBuffer b; (b = rx.tryGetBuffer(java.time.Duration.ofMillis(100))) != null; ) {
                b.release(); // frames still in the ring
            }
            try (org.mcm.sdk.Connection tx2 = client.createTx(org.mcm.sdk.ConnectionOptions.builder(fmt).transport("local")
                    .remote("127.0.0.1", 9121).proxyBuffers(true).build())) {
                org.mcm.sdk.McmBuffer b = tx2.getBuffer(java.time.Duration.ofSeconds(20));
                b.data().putLong(0, 0x5EED);
                b.length((int) fmt.bufferSize());
                b.send();
                org.mcm.sdk.McmBuffer r = rx.getBuffer(java.time.Duration.ofSeconds(20));
                assertEquals("the receiver gets the new sender's frame", 0x5EED, r.data().getLong(0));
                r.release();
            }
        }
    }

    /**
     * Pooled apps on a network transport: each link gets a pool of its own, the ST 2110-20 sender reads the TX
     * app's buffers and the receiver writes into the RX app's, over loopback on the same proxy.
     */
    /**
     * Pooled apps on an ST 2110-20 pair of this proxy (the sender's destination is the receiver's port on loopback):
     * the same-proxy bypass hands the sender's very buffers over, nothing is copied.
     */
    private static void pooledOverSt2110(ControlClient c, int tcp) throws Exception {
        org.mcm.api.media.VideoFormat v = new org.mcm.api.media.VideoFormat(640, 480, org.mcm.api.media.Rational.of(30, 1),
                org.mcm.api.media.PixelFormat.YUV422P10LE);
        int size = (int) v.bufferSize();
        int port = 20000 + new Random().nextInt(20000) * 2;
        try (org.mcm.sdk.McmClient client = org.mcm.sdk.McmClient.connect("127.0.0.1", tcp);
                org.mcm.sdk.Connection rx = client.createRx(org.mcm.sdk.ConnectionOptions.builder(v).transport("st2110-20")
                        .local("127.0.0.1", port).proxyBuffers(true).build());
                org.mcm.sdk.Connection tx = client.createTx(org.mcm.sdk.ConnectionOptions.builder(v).transport("st2110-20")
                        .remote("127.0.0.1", port).proxyBuffers(true).build())) {
            Random r = new Random(22);
            for (int i = 0; i < 10; i++) {
                org.mcm.sdk.McmBuffer b = tx.getBuffer(java.time.Duration.ofSeconds(10));
                byte[] frame = new byte[size];
                for (int k = 0; k < size; k += 2) { // 10-bit samples in 16-bit words
                    int s = r.nextInt(1024);
                    frame[k] = (byte) s;
                    frame[k + 1] = (byte) (s >>> 8);
                }
                b.data().put(0, frame);
                b.length(size);
                b.send();
                org.mcm.sdk.McmBuffer got = rx.getBuffer(java.time.Duration.ofSeconds(10));
                byte[] in = new byte[got.length()];
                got.data().get(0, in);
                got.release();
                assertTrue("frame " + i + " over ST 2110-20 between pooled apps", Arrays.equals(frame, in));
            }
            Map<Long, Map<String, Long>> rxStats = c.connectionStats("RX");
            Map<String, Long> m = rxStats.get(rx.sessionId());
            assertNotNull(c.dump(), m);
            assertEquals(c.dump(), Long.valueOf(10), m.get("frames_bypass"));
            assertEquals("the sender's buffers themselves: " + c.dump(), Long.valueOf(10), m.get("bypass_frames_shared"));
            assertEquals(c.dump(), Long.valueOf(0), m.get("bypass_bytes_copied"));
        }
    }

    private static long sum(Map<String, Long> stats, String suffix) {
        return stats.entrySet().stream().filter(e -> e.getKey().endsWith(suffix)).mapToLong(Map.Entry::getValue).sum();
    }

    private static void check(java.nio.ByteBuffer d, int len, int i, int size) {
        assertEquals("length of frame " + i, size, len);
        for (int k = 0; k < size; k += 8) {
            if (d.getLong(k) != k * 0x9E3779B97F4A7C15L + i) {
                throw new AssertionError("frame " + i + " differs at byte " + k);
            }
        }
    }

    static List<String> socketNames(Path dir) {
        try (Stream<Path> socks = Files.list(dir)) {
            return socks.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of("(unreadable: " + e + ")");
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> cmd(Path image, String program, String[] common, String... more) {
        List<String> c = new java.util.ArrayList<>();
        c.add(image.resolve("bin").resolve(program).toString());
        c.addAll(List.of(common));
        c.addAll(List.of(more));
        return c;
    }
}
