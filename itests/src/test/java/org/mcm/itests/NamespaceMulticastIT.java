package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.api.testing.NetNamespace;

/**
 * Two appliances in two network namespaces (this one and one the test creates), joined by a veth pair: an SDK
 * sender on proxy A sends 600 frames of 1080p 10-bit to a multicast group; proxy B in the other namespace joins it
 * and hands the frames to an SDK receiver there; compared bit by bit. Traffic stays on the test's veth pair.
 * Skipped with a message where namespaces cannot be created (not root, no iproute2).
 */
public class NamespaceMulticastIT {

    static NetNamespace ns;
    static String IP_A;
    static String IP_B;
    static String GROUP;
    private static Path homeA;
    private static Path homeB;
    private static Path work;

    @BeforeClass
    public static void setUp() throws Exception {
        ns = NetNamespace.create("mcmi", 214);
        Assume.assumeTrue(NetNamespace.UNAVAILABLE + ": skipped", ns != null);
        ns.routeMulticast();
        IP_A = ns.hostIp;
        IP_B = ns.nsIp;
        GROUP = "239.214." + ns.subnet + ".5";
        // media receivers want a frame in the socket buffer (namespaces have their own sysctls)
        ns.exec("sysctl", "-q", "-w", "net.core.rmem_max=67108864");
        homeA = ApplianceProcessIT.copyOfImage();
        homeB = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-netns");
    }

    @AfterClass
    public static void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
        ApplianceProcessIT.delete(homeA);
        ApplianceProcessIT.delete(homeB);
        ApplianceProcessIT.delete(work);
    }

    static Process inNamespace(Path image, String program, Path out, List<String> args) throws IOException {
        List<String> cmd = ns.command(image.resolve("bin").resolve(program).toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA", SdkEndToEndIT.javaBin());
        if (out != null) {
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
        }
        return pb.start();
    }

    @Test(timeout = 240_000)
    public void sixHundredFramesMulticastAcrossNamespaces() throws Exception {
        int media = 22000 + ns.subnet;
        Path src = work.resolve("src.raw");
        byte[] source = SdkEndToEndIT.sourceFile(src);
        int tcpA = Provisioning.freePort();
        Path logB = work.resolve("proxyB.log");
        Process proxyB = inNamespace(homeB, "media_proxy", logB, List.of("-i", IP_B, "-t", "18402", "-g", "18401",
                "--console-port", "18480", "--memif-dir", work.resolve("memifB").toString()));
        try (ApplianceProcessIT.Proxy proxyA = new ApplianceProcessIT.Proxy(homeA, "media_proxy", "-i", IP_A, "-t",
                Integer.toString(tcpA), "-g", Integer.toString(Provisioning.freePort()), "--console-port",
                Integer.toString(Provisioning.freePort()), "--memif-dir", work.resolve("memifA").toString())) {
            proxyA.line("INFO: TCP Server listening on", 60_000);
            Polls.waitForText(logB, "INFO: TCP Server listening on", 60_000);
            String[] fmt = {"-t", "st2110-20", "-w", "1920", "-h", "1080", "-x", "yuv422p10le", "-f", "20", "-q"};
            List<String> rxArgs = new ArrayList<>(List.of(fmt));
            rxArgs.addAll(List.of("-P", "18402", "-l", IP_B + ":" + media, "-r", GROUP + ":0", "-n", "600", "-o", "-",
                    "--idle-timeout", "20"));
            Path rxErr = work.resolve("rx.err");
            List<String> cmd = ns.command(homeB.resolve("bin/mcm-receiver").toString());
            cmd.addAll(rxArgs);
            ProcessBuilder rxb = new ProcessBuilder(cmd);
            rxb.environment().put("JAVA", SdkEndToEndIT.javaBin());
            rxb.redirectError(rxErr.toFile());
            Process rx = rxb.start();
            // the receiver prints its session line once its memif link is up (the SDK's create waits for it); its
            // session on proxy B joined the group before the create was answered
            Polls.waitForText(rxErr, "mcm-receiver: session", 30_000);
            ProcessBuilder txb = new ProcessBuilder(SdkEndToEndIT.cmd(homeA, "mcm-sender", fmt, "-P", Integer.toString(tcpA),
                    "-r", GROUP + ":" + media, "-n", "600", "-i", src.toString(), "--loop", "--no-stamp"));
            txb.environment().put("JAVA", SdkEndToEndIT.javaBin());
            txb.redirectErrorStream(true).redirectOutput(work.resolve("tx.out").toFile());
            Process tx = txb.start();
            byte[] frame = new byte[SdkEndToEndIT.FRAME];
            try (InputStream in = rx.getInputStream(); DataInputStream d = new DataInputStream(in)) {
                for (int i = 0; i < 600; i++) {
                    d.readFully(frame);
                    int k = i % SdkEndToEndIT.DISTINCT;
                    assertTrue("frame " + i + " bit-exact", Arrays.equals(source, k * SdkEndToEndIT.FRAME,
                            (k + 1) * SdkEndToEndIT.FRAME, frame, 0, SdkEndToEndIT.FRAME));
                }
            } catch (java.io.EOFException e) {
                throw new AssertionError("receiver ended early; rx: " + Files.readString(rxErr) + " tx: "
                        + Files.readString(work.resolve("tx.out")) + " proxy B: " + Files.readString(logB), e);
            }
            assertTrue(tx.waitFor(60, TimeUnit.SECONDS));
            assertEquals("sender: " + Files.readString(work.resolve("tx.out")), 0, tx.exitValue());
            assertTrue(rx.waitFor(60, TimeUnit.SECONDS));
            assertEquals("receiver: " + Files.readString(rxErr), 0, rx.exitValue());
        } finally {
            proxyB.destroy();
            if (!proxyB.waitFor(20, TimeUnit.SECONDS)) {
                proxyB.destroyForcibly();
            }
        }
    }
}
