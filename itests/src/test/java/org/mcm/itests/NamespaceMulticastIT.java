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

/**
 * Two appliances in two network namespaces (this one and one the test creates), joined by a veth pair: an SDK
 * sender on proxy A sends 600 frames of 1080p 10-bit to a multicast group; proxy B in the other namespace joins it
 * and hands the frames to an SDK receiver there; compared bit by bit. Traffic stays on the test's veth pair.
 * Skipped with a message where namespaces cannot be created (not root, no iproute2).
 */
public class NamespaceMulticastIT {

    static final long PID = ProcessHandle.current().pid();
    static final String NS = "mcmi" + PID;
    static final String VA = "mcia" + PID % 100000;
    static final String VB = "mcib" + PID % 100000;
    static final int SUBNET = (int) (PID % 250) + 1;
    static final String IP_A = "10.214." + SUBNET + ".1";
    static final String IP_B = "10.214." + SUBNET + ".2";
    static final String GROUP = "239.214." + SUBNET + ".5";
    static boolean created;
    private static Path homeA;
    private static Path homeB;
    private static Path work;

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @BeforeClass
    public static void setUp() throws Exception {
        boolean ok = Files.isExecutable(Path.of("/usr/sbin/ip")) && sh("ip", "netns", "add", NS) == 0;
        Assume.assumeTrue("network namespaces cannot be created here (needs root and iproute2): skipped", ok);
        created = true;
        int rc = 0;
        rc |= sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
        rc |= sh("ip", "link", "add", VA, "type", "veth", "peer", "name", VB);
        rc |= sh("ip", "link", "set", VB, "netns", NS);
        rc |= sh("ip", "addr", "add", IP_A + "/30", "dev", VA);
        rc |= sh("ip", "link", "set", VA, "up");
        rc |= sh("ip", "netns", "exec", NS, "ip", "addr", "add", IP_B + "/30", "dev", VB);
        rc |= sh("ip", "netns", "exec", NS, "ip", "link", "set", VB, "up");
        rc |= sh("ip", "netns", "exec", NS, "ip", "route", "add", "224.0.0.0/4", "dev", VB);
        // media receivers want a frame in the socket buffer (namespaces have their own sysctls)
        sh("ip", "netns", "exec", NS, "sysctl", "-q", "-w", "net.core.rmem_max=67108864");
        assertEquals("namespace and veth set up", 0, rc);
        homeA = ApplianceProcessIT.copyOfImage();
        homeB = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-netns");
    }

    @AfterClass
    public static void tearDown() throws Exception {
        if (created) {
            sh("ip", "link", "del", VA);
            sh("ip", "netns", "del", NS);
        }
        ApplianceProcessIT.delete(homeA);
        ApplianceProcessIT.delete(homeB);
        ApplianceProcessIT.delete(work);
    }

    static Process inNamespace(Path image, String program, Path out, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", NS, image.resolve("bin").resolve(program).toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA", SdkEndToEndIT.javaBin());
        if (out != null) {
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
        }
        return pb.start();
    }

    static void waitForText(Path file, String text, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' not in " + file + ": " + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }

    @Test(timeout = 240_000)
    public void sixHundredFramesMulticastAcrossNamespaces() throws Exception {
        int media = 22000 + SUBNET;
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
            waitForText(logB, "INFO: TCP Server listening on", 60_000);
            String[] fmt = {"-t", "st2110-20", "-w", "1920", "-h", "1080", "-x", "yuv422p10le", "-f", "20", "-q"};
            List<String> rxArgs = new ArrayList<>(List.of(fmt));
            rxArgs.addAll(List.of("-P", "18402", "-l", IP_B + ":" + media, "-r", GROUP + ":0", "-n", "600", "-o", "-",
                    "--idle-timeout", "20"));
            Path rxErr = work.resolve("rx.err");
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", NS, homeB.resolve("bin/mcm-receiver").toString()));
            cmd.addAll(rxArgs);
            ProcessBuilder rxb = new ProcessBuilder(cmd);
            rxb.environment().put("JAVA", SdkEndToEndIT.javaBin());
            rxb.redirectError(rxErr.toFile());
            Process rx = rxb.start();
            waitForText(rxErr, "session", 30_000);
            Thread.sleep(1500);
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
