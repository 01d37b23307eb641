package org.mcm.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionFactory;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.itests.support.ControlClient;

/**
 * Fault drills (issue 17) on the built image as a process, with the image's SDK sample apps as processes of their
 * own: an app killed with SIGKILL while frames flow is reclaimed within a second (its session, its memif socket, the
 * proxy's file descriptors), its peer goes on, and a new app takes its place; a network receiver that is killed and
 * comes back leaves its sender running, and the new receiver gets complete frames, bit-exact. Every wait is a
 * readiness poll; the times are measured and printed.
 */
public class AppKillDrillIT {

    static final int W = 320;
    static final int H = 180;
    static final int FRAME = W * H * 4; // yuv422p10le
    static final int DISTINCT = 4;

    private static Path home;
    private static Path work;
    private static ApplianceProcessIT.Proxy proxy;
    private static ControlClient control;
    private static int sdkPort;
    private static final List<SampleApp> apps = new ArrayList<>();

    @BeforeClass
    public static void startProxy() throws Exception {
        home = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-drill");
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        // over loopback UDP (no same-proxy bypass), everything on 127.0.0.1, no RTSP server and no NMOS node
        Files.writeString(deploy.resolve("org.mcm.control.sessions.cfg"), "bypass=off\n");
        Files.writeString(deploy.resolve("org.mcm.control.sdk.cfg"), "bindAddress=127.0.0.1\n");
        Files.writeString(deploy.resolve("org.mcm.control.grpc.cfg"), "bindAddress=127.0.0.1\n");
        Files.writeString(deploy.resolve("org.mcm.transport.rtsp.cfg"), "rtspPort=0\n");
        Files.writeString(deploy.resolve("org.mcm.nmos.cfg"), "enabled=false\n");
        sdkPort = Provisioning.freePort();
        int grpc = Provisioning.freePort();
        proxy = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t", Integer.toString(sdkPort), "-g",
                Integer.toString(grpc), "--console-port", Integer.toString(Provisioning.freePort()), "--memif-dir",
                work.resolve("memif").toString(), "--deploy-dir", deploy.toString());
        proxy.line("INFO: TCP Server listening on", 60_000);
        proxy.line("INFO: gRPC Server listening on", 60_000);
        control = new ControlClient("127.0.0.1", grpc);
    }

    @AfterClass
    public static void stopProxy() throws Exception {
        for (SampleApp a : apps) {
            a.close();
        }
        if (control != null) {
            control.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        ApplianceProcessIT.delete(home);
        ApplianceProcessIT.delete(work);
    }

    private static ConditionFactory poll(long seconds) {
        return await().atMost(Duration.ofSeconds(seconds)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    private static SampleApp app(String name, String program, String transport, String... more) throws IOException {
        List<String> a = new ArrayList<>(List.of("-P", Integer.toString(sdkPort), "-t", transport, "-w",
                Integer.toString(W), "-h", Integer.toString(H), "-x", "yuv422p10le", "-q"));
        a.addAll(List.of(more));
        SampleApp app = SampleApp.start(name, home, program, a);
        apps.add(app);
        return app;
    }

    /** Waits until the app printed its session and the proxy lists it ACTIVE. */
    private static void attached(SampleApp a) {
        poll(30).alias(a.name + " attached").until(() -> {
            if (!a.alive()) {
                throw new AssertionError(a.output() + "\nproxy: " + proxy.out);
            }
            return a.sessionId() > 0 && "ACTIVE".equals(control.state(a.sessionId()));
        });
    }

    private static long stat(long session, String name) {
        String dir = control.listed().getOrDefault(session, new String[] {"RX"})[0];
        return control.connectionStats(dir).getOrDefault(session, Map.of()).getOrDefault(name, 0L);
    }

    /** Measured after a SIGKILL: when the session, the memif socket and the proxy's fds were back, in ms. */
    record Reclaimed(double session, double socket, double fds) {
        double all() {
            return Math.max(session, Math.max(socket, fds));
        }
    }

    /**
     * Kills {@code victim} with SIGKILL and polls (each condition from the kill on) until its session is no longer
     * listed as running, its memif socket file is gone and the proxy's fds are back to {@code fdsBefore} (+-2).
     */
    private static Reclaimed killAndMeasure(SampleApp victim, int fdsBefore) {
        long pid = proxy.process.pid();
        long id = victim.sessionId();
        Path socket = Path.of(victim.socketPath());
        assertTrue(victim.output(), victim.alive());
        long killed = victim.kill();
        double session = since(killed, () -> {
            String s = control.state(id);
            return s.equals("NOT_FOUND") || s.equals("CLOSED");
        });
        double sock = since(killed, () -> !Files.exists(socket));
        double fds = since(killed, () -> Math.abs(SampleApp.fds(pid) - fdsBefore) <= 2);
        return new Reclaimed(session, sock, fds);
    }

    private static double since(long t0, Callable<Boolean> cond) {
        poll(5).until(cond);
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * A local pair streams; the sender is killed: reclaimed within a second, the receiver keeps running and its
     * session stays, a new sender reaches it again.
     */
    @Test(timeout = 120_000)
    public void aKilledSenderIsReclaimedWithinASecondAndItsReceiverTakesANewOne() throws Exception {
        String group = "127.0.0.1:" + Provisioning.freePort();
        SampleApp rx = app("local-rx", "mcm-receiver", "local", "-r", group, "-o", "/dev/null", "--idle-timeout", "0");
        attached(rx);
        int fdsBefore = SampleApp.fds(proxy.process.pid());
        SampleApp tx = app("local-tx", "mcm-sender", "local", "-r", group, "-f", "50");
        attached(tx);
        poll(20).alias("frames flow").until(() -> stat(rx.sessionId(), "frames") >= 25);

        Reclaimed r = killAndMeasure(tx, fdsBefore);
        long atKill = stat(rx.sessionId(), "frames");
        System.out.printf("AppKillDrillIT: SIGKILLed local sender (session %d, 50 fps, %d frames received): session "
                + "ended in %.1f ms, memif socket removed in %.1f ms, proxy fds back to %d (+-2) in %.1f ms%n",
                tx.sessionId(), atKill, r.session(), r.socket(), fdsBefore, r.fds());
        assertTrue("reclaimed within a second: " + r, r.all() <= 1000);
        assertTrue("the receiver keeps running: " + rx.output(), rx.alive());
        assertEquals("ACTIVE", control.state(rx.sessionId()));
        assertTrue(Files.exists(Path.of(rx.socketPath())));

        SampleApp tx2 = app("local-tx2", "mcm-sender", "local", "-r", group, "-f", "50");
        attached(tx2);
        poll(20).alias("the new sender's frames reach the receiver").until(() -> stat(rx.sessionId(), "frames") >= atKill + 25);
        tx2.close();
        rx.close();
        poll(5).alias("sessions gone").until(() -> control.connectionCount() == 0);
    }

    /**
     * An ST 2110-20 sender streams over loopback to a receiver app; the receiver is killed (gone from the network:
     * its socket closes, ICMP port unreachable answers) and is reclaimed within a second; the sender goes on
     * untouched; a new receiver on the same port gets complete frames again, each bit-exact one of the sender's.
     */
    @Test(timeout = 120_000)
    public void aKilledNetworkReceiverLeavesItsSenderRunningAndANewReceiverGetsCompleteFrames() throws Exception {
        int port = Provisioning.freePort();
        byte[] source = SampleApp.frames10(2110, FRAME, DISTINCT);
        Path src = work.resolve("src.raw");
        Files.write(src, source);
        SampleApp tx = app("st2110-tx", "mcm-sender", "st2110-20", "-r", "127.0.0.1:" + port, "-f", "30", "-i",
                src.toString(), "--loop", "--no-stamp");
        attached(tx);
        poll(20).alias("sender on the wire").until(() -> stat(tx.sessionId(), "frames_wire") >= 5);
        int fdsBefore = SampleApp.fds(proxy.process.pid());
        SampleApp rx = app("st2110-rx", "mcm-receiver", "st2110-20", "-l", "127.0.0.1:" + port, "-o", "/dev/null",
                "--idle-timeout", "0");
        attached(rx);
        poll(20).alias("frames arrive").until(() -> stat(rx.sessionId(), "frames") >= 10);
        assertEquals("no same-proxy bypass", 0, stat(tx.sessionId(), "frames_bypass"));

        long unreachableBefore = stat(tx.sessionId(), "icmp_unreachable");
        Reclaimed r = killAndMeasure(rx, fdsBefore);
        System.out.printf("AppKillDrillIT: SIGKILLed ST 2110-20 receiver (session %d): session ended in %.1f ms, "
                + "memif socket removed in %.1f ms, proxy fds back to %d (+-2) in %.1f ms%n", rx.sessionId(), r.session(),
                r.socket(), fdsBefore, r.fds());
        assertTrue("reclaimed within a second: " + r, r.all() <= 1000);
        // the receiver is gone from the network: the sender counts the refusals and goes on
        long wireAtKill = stat(tx.sessionId(), "frames_wire");
        poll(10).alias("the sender counts ICMP unreachable").until(() -> stat(tx.sessionId(), "icmp_unreachable") > unreachableBefore);
        poll(10).alias("the sender goes on").until(() -> stat(tx.sessionId(), "frames_wire") >= wireAtKill + 10);
        assertTrue("the sender app lives: " + tx.output(), tx.alive());
        assertEquals("ACTIVE", control.state(tx.sessionId()));

        // back: a new receiver app on the same port
        Path out = work.resolve("rx2.raw");
        int frames = 15;
        SampleApp rx2 = app("st2110-rx2", "mcm-receiver", "st2110-20", "-l", "127.0.0.1:" + port, "-o", out.toString(),
                "-n", Integer.toString(frames));
        assertTrue("the new receiver got its frames and ended: " + rx2.output(), rx2.process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(rx2.output(), 0, rx2.process.exitValue());
        byte[] got = Files.readAllBytes(out);
        assertEquals("complete frames only", (long) frames * FRAME, got.length);
        for (int i = 0; i < frames; i++) {
            int match = -1;
            for (int k = 0; k < DISTINCT; k++) {
                if (Arrays.equals(source, k * FRAME, (k + 1) * FRAME, got, i * FRAME, (i + 1) * FRAME)) {
                    match = k;
                }
            }
            assertTrue("received frame " + i + " is one of the sender's, bit-exact", match >= 0);
        }
        Map<String, Long> txStats = control.connectionStats("TX").get(tx.sessionId());
        System.out.println("AppKillDrillIT: receiver back: " + frames + " complete frames bit-exact; sender " + txStats);
        assertEquals(txStats.toString(), 0L, (long) txStats.getOrDefault("send_errors", 0L));
        assertTrue("the sender app lives: " + tx.output(), tx.alive());
        assertEquals("ACTIVE", control.state(tx.sessionId()));
        tx.close();
        poll(5).alias("sessions gone").until(() -> control.connectionCount() == 0);
    }
}
