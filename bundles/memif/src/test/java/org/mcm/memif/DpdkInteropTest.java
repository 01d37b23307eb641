package org.mcm.memif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interop with DPDK's net_memif: Debian's dpdk-testpmd (packages dpdk-dev + librte-net-memif23), no hugepages, no
 * NICs, io forwarding on a filesystem socket. Skipped when testpmd or the memif PMD is not installed.
 */
@Timeout(180)
class DpdkInteropTest {

    static Path testpmd;

    @TempDir
    Path dir;

    private Process proc;
    private Path log;
    private MemifSocket socket;

    @BeforeAll
    static void findTestpmd() {
        testpmd = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
                .map(p -> Path.of(p, "dpdk-testpmd")).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(testpmd != null,
                "dpdk-testpmd not installed: skipping DPDK memif interop (apt-get install dpdk-dev librte-net-memif23)");
        boolean pmd = Stream.of("/usr/lib/x86_64-linux-gnu/dpdk", "/usr/lib64/dpdk", "/usr/local/lib/x86_64-linux-gnu/dpdk")
                .map(Path::of).filter(Files::isDirectory).anyMatch(d -> {
                    try (Stream<Path> s = Files.walk(d, 2)) {
                        return s.anyMatch(f -> f.getFileName().toString().startsWith("librte_net_memif.so"));
                    } catch (IOException e) {
                        return false;
                    }
                });
        assumeTrue(pmd, "DPDK memif PMD not installed: skipping DPDK memif interop (apt-get install librte-net-memif23)");
    }

    @AfterEach
    void stop() throws Exception {
        if (proc != null) {
            proc.destroy();
            if (!proc.waitFor(15, TimeUnit.SECONDS)) {
                proc.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (socket != null) {
            socket.close();
        }
    }

    private void startTestpmd(String vdev) throws Exception {
        log = dir.resolve("testpmd.log");
        List<String> cmd = new ArrayList<>(List.of(testpmd.toString(), "-l", "0-1", "--no-huge", "-m", "512",
                "--no-pci", "--file-prefix=mcmjava" + ProcessHandle.current().pid() + "_" + System.nanoTime(),
                "--vdev=" + vdev, "--", "--forward-mode=io", "--port-topology=loop",
                "--total-num-mbufs=16384", "--no-flush-rx", "--auto-start", "--stats-period", "1"));
        proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            String out = Files.readString(log, StandardCharsets.ISO_8859_1);
            if (out.contains("RS bit threshold") || out.contains("Port statistics")) {
                return;
            }
            if (!proc.isAlive()) {
                throw new AssertionError("dpdk-testpmd exited with " + proc.exitValue() + ":\n" + out);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("dpdk-testpmd did not start:\n" + Files.readString(log, StandardCharsets.ISO_8859_1));
    }

    private String testpmdLog() throws IOException {
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }

    /** Sends frames in windows and checks each echoed frame byte for byte. */
    private void echo(MemifInterface i, int frames, int minLen, int maxLen) throws Exception {
        Random r = new Random(42);
        int window = 32;
        for (int base = 0; base < frames; base += window) {
            int n = Math.min(window, frames - base);
            int[] lens = new int[n];
            for (int k = 0; k < n; k++) {
                lens[k] = minLen + r.nextInt(maxLen - minLen + 1);
                assertTrue(i.send(MemifLoopbackTest.pattern(lens[k], base + k), 5, TimeUnit.SECONDS),
                        "send " + (base + k));
            }
            for (int k = 0; k < n; k++) {
                MemifFrame f = i.receive(5, TimeUnit.SECONDS);
                assertNotNull(f, "echo of frame " + (base + k) + " (testpmd alive: " + proc.isAlive() + ")");
                try {
                    MemifLoopbackTest.assertPattern(f, lens[k], base + k);
                } finally {
                    f.release();
                }
            }
        }
        assertTrue(proc.isAlive(), "testpmd still running");
    }

    @ParameterizedTest
    @EnumSource(RxMode.class)
    void testpmdServerJavaClient(RxMode mode) throws Exception {
        Path sock = dir.resolve("memif.sock");
        startTestpmd("net_memif0,role=server,id=0,socket=" + sock + ",socket-abstract=no,secret=mcm");
        socket = MemifSocket.client(MemifAddress.path(sock));
        MemifInterface i = socket.createInterface(InterfaceConfig.builder(0).secret("mcm").rxMode(mode)
                .bufferSize(2048).log2RingSize(10).build());
        assertTrue(i.awaitConnected(20, TimeUnit.SECONDS), "connected to testpmd: " + i.lastDisconnectReason());
        assertTrue(i.peerName().startsWith("DPDK"), i.peerName());
        // up to 3000 bytes: frames above 2048 travel as 2-descriptor chains both ways
        echo(i, 3000, 60, 3000);
        assertEquals(0, i.protocolErrors());
    }

    /** Our side with a shared buffer pool (what the proxy uses for pooled apps) against DPDK as the server. */
    @ParameterizedTest
    @EnumSource(RxMode.class)
    void testpmdServerJavaPooledClient(RxMode mode) throws Exception {
        Path sock = dir.resolve("memif.sock");
        startTestpmd("net_memif0,role=server,id=0,socket=" + sock + ",socket-abstract=no,secret=mcm");
        socket = MemifSocket.client(MemifAddress.path(sock));
        try (BufferPool pool = BufferPool.create("dpdk", 2 * 256 + 64, 2048)) {
            MemifInterface i = socket.createInterface(InterfaceConfig.builder(0).secret("mcm").rxMode(mode)
                    .log2RingSize(8).pool(pool, false).build());
            assertTrue(i.awaitConnected(20, TimeUnit.SECONDS), "connected to testpmd: " + i.lastDisconnectReason());
            // one pool buffer per frame both ways: testpmd fills the buffers we offered and we send from the pool
            echo(i, 3000, 60, 2048);
            assertEquals(0, i.protocolErrors());
            assertEquals(3000L, i.stats().get("rx_frames"));
        }
    }

    @ParameterizedTest
    @EnumSource(RxMode.class)
    void javaServerTestpmdClient(RxMode mode) throws Exception {
        Path sock = dir.resolve("memif.sock");
        socket = MemifSocket.server(MemifAddress.path(sock));
        MemifInterface i = socket.createInterface(InterfaceConfig.builder(0).rxMode(mode).build());
        // bsize=4096: DPDK 22.11 leaves stale NEXT flags on its TX descriptors, so keep its frames unchained
        startTestpmd("net_memif0,role=client,id=0,socket=" + sock + ",socket-abstract=no,bsize=4096");
        assertTrue(i.awaitConnected(20, TimeUnit.SECONDS), "testpmd connected: " + testpmdLog());
        assertTrue(i.peerName().startsWith("DPDK"), i.peerName());
        echo(i, 3000, 60, 4000);
        assertEquals(0, i.protocolErrors());
        assertEquals(3000, i.stats().get("rx_frames"));
    }
}
