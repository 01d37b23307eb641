package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.itests.support.ControlClient;

/**
 * Two appliances on loopback, a sender proxy and a receiver proxy, with SDK apps at both ends: 600 frames of
 * 1080p 4:2:2 10-bit (planar in the apps, RFC 4175 pgroups on the wire) cross ST 2110-20 bit-exact.
 */
public class TwoProxiesIT {

    static final int W = 1920;
    static final int H = 1080;
    static final int FRAME = W * H * 4;

    private static Path homeA;
    private static Path homeB;
    private static Path work;

    @BeforeClass
    public static void setUp() throws IOException {
        homeA = ApplianceProcessIT.copyOfImage();
        homeB = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-2proxies");
    }

    @AfterClass
    public static void tearDown() throws IOException {
        ApplianceProcessIT.delete(homeA);
        ApplianceProcessIT.delete(homeB);
        ApplianceProcessIT.delete(work);
    }

    static ApplianceProcessIT.Proxy start(Path home, int tcp, int grpc, Path memif) throws Exception {
        ApplianceProcessIT.Proxy p = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t", Integer.toString(tcp), "-g",
                Integer.toString(grpc), "--console-port", Integer.toString(Provisioning.freePort()), "--memif-dir",
                memif.toString(), "-i", "127.0.0.1");
        p.line("INFO: TCP Server listening on", 60_000);
        p.line("INFO: gRPC Server listening on", 60_000);
        return p;
    }

    @Test(timeout = 240_000)
    @SuppressWarnings("try") // the resource is held open for the block, not used in it
    public void sixHundred1080pFramesAcrossTwoProxiesOverSt2110_20() throws Exception {
        int tcpA = Provisioning.freePort();
        int grpcA = Provisioning.freePort();
        int tcpB = Provisioning.freePort();
        int grpcB = Provisioning.freePort();
        int media = Provisioning.freePort();
        Path src = work.resolve("src.raw");
        byte[] source = SdkEndToEndIT.sourceFile(src);
        try (ApplianceProcessIT.Proxy a = start(homeA, tcpA, grpcA, work.resolve("memifA"));
                ApplianceProcessIT.Proxy b = start(homeB, tcpB, grpcB, work.resolve("memifB"));
                ControlClient ca = new ControlClient("127.0.0.1", grpcA);
                ControlClient cb = new ControlClient("127.0.0.1", grpcB)) {
            String[] fmt = {"-t", "st2110-20", "-w", Integer.toString(W), "-h", Integer.toString(H), "-x", "yuv422p10le",
                    "-f", "20", "-q"};
            ProcessBuilder rxb = new ProcessBuilder(SdkEndToEndIT.cmd(homeB, "mcm-receiver", fmt, "-P", Integer.toString(tcpB),
                    "-l", "127.0.0.1:" + media, "-n", "600", "-o", "-", "--idle-timeout", "20"));
            rxb.environment().put("JAVA", SdkEndToEndIT.javaBin());
            rxb.redirectError(work.resolve("rx.err").toFile());
            Process rx = rxb.start();
            Polls.waitFor("receiver session on proxy B", () -> cb.connectionCount() >= 1, 20_000);
            // its memif link is up once it prints its session line (the SDK's create waits for the link)
            Polls.waitForText(work.resolve("rx.err"), "mcm-receiver: session", 30_000);
            ProcessBuilder txb = new ProcessBuilder(SdkEndToEndIT.cmd(homeA, "mcm-sender", fmt, "-P", Integer.toString(tcpA),
                    "-r", "127.0.0.1:" + media, "-n", "600", "-i", src.toString(), "--loop", "--no-stamp"));
            txb.environment().put("JAVA", SdkEndToEndIT.javaBin());
            txb.redirectErrorStream(true).redirectOutput(work.resolve("tx.out").toFile());
            Process tx = txb.start();
            byte[] frame = new byte[FRAME];
            try (InputStream in = rx.getInputStream(); DataInputStream d = new DataInputStream(in)) {
                for (int i = 0; i < 600; i++) {
                    d.readFully(frame);
                    int k = i % SdkEndToEndIT.DISTINCT;
                    if (!Arrays.equals(source, k * FRAME, (k + 1) * FRAME, frame, 0, FRAME)) {
                        throw new AssertionError("frame " + i + " not bit-exact; proxy A:\n" + ca.dump() + "proxy B:\n" + cb.dump());
                    }
                }
            } catch (java.io.EOFException e) {
                throw new AssertionError("receiver ended early; rx: " + Files.readString(work.resolve("rx.err")) + " tx: "
                        + Files.readString(work.resolve("tx.out")), e);
            }
            assertTrue(tx.waitFor(60, TimeUnit.SECONDS));
            assertEquals("sender: " + Files.readString(work.resolve("tx.out")), 0, tx.exitValue());
            assertTrue(rx.waitFor(60, TimeUnit.SECONDS));
            assertEquals("receiver: " + Files.readString(work.resolve("rx.err")), 0, rx.exitValue());
        }
    }

}
