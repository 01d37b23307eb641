package org.mcm.transport.rtsp;

import org.mcm.api.testing.TestApp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportSession;

/**
 * UDP that a firewall eats: the GStreamer RTSP server runs in a network namespace of this test whose policy routing
 * sends every UDP datagram for our address into a dead end (a veth pair inside the namespace; nothing is changed on
 * the host but the test's own veth end), while TCP passes. SETUP over UDP succeeds, PLAY succeeds, and no RTP ever
 * comes: the client's automatic choice must notice and switch to TCP interleaved, and the app must then get the
 * server's stream byte for byte.
 */
class RtspClientFirewalledUdpTest {

    static final long PID = ProcessHandle.current().pid();
    static final String NS = "mcmr" + PID;
    static final String VA = "mrA" + PID % 100000;
    static final String VB = "mrB" + PID % 100000;
    static final int SUBNET = (int) (PID % 250) + 1;
    static final String HOST_IP = "10.216." + SUBNET + ".1";
    static final String NS_IP = "10.216." + SUBNET + ".2";
    static boolean created;

    @TempDir
    Path dir;

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    static int ns(String... cmd) throws IOException, InterruptedException {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = NS;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return sh(full);
    }

    @BeforeAll
    static void createNamespace() throws Exception {
        boolean ok = Files.isExecutable(Path.of("/usr/sbin/ip")) && sh("ip", "netns", "add", NS) == 0;
        Assumptions.assumeTrue(ok, "network namespaces cannot be created here (needs root and iproute2)");
        created = true;
        int rc = 0;
        rc |= ns("ip", "link", "set", "lo", "up");
        rc |= sh("ip", "link", "add", VA, "type", "veth", "peer", "name", VB);
        rc |= sh("ip", "link", "set", VB, "netns", NS);
        rc |= sh("ip", "addr", "add", HOST_IP + "/30", "dev", VA);
        rc |= sh("ip", "link", "set", VA, "up");
        rc |= ns("ip", "addr", "add", NS_IP + "/30", "dev", VB);
        rc |= ns("ip", "link", "set", VB, "up");
        // the firewall, inside the namespace: UDP to our address goes to a veth pair whose far end drops it
        rc |= ns("ip", "link", "add", "fwdrop", "type", "veth", "peer", "name", "fwsink");
        rc |= ns("ip", "link", "set", "fwdrop", "up");
        rc |= ns("ip", "link", "set", "fwsink", "up");
        rc |= ns("ip", "neigh", "add", HOST_IP, "lladdr", "02:00:00:00:00:01", "dev", "fwdrop");
        rc |= ns("ip", "route", "add", HOST_IP + "/32", "dev", "fwdrop", "table", "100");
        rc |= ns("ip", "rule", "add", "ipproto", "udp", "to", HOST_IP, "lookup", "100");
        assertEquals(0, rc, "namespace, veth and the UDP dead end set up");
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (created) {
            sh("ip", "link", "del", VA);
            sh("ip", "netns", "del", NS);
        }
    }

    @Test
    void udpSetUpButSilentFallsBackToTcpInterleaved() throws Exception {
        Peers.require(Peers.PYTHON, "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly");
        Path script = Path.of(RtspClientFirewalledUdpTest.class.getResource("/gst_rtsp_server.py").toURI());
        Path ref = dir.resolve("ref.h264");
        Path log = dir.resolve("server.log");
        int port = 21554;
        Process server = Peers.start(log, "ip", "netns", "exec", NS, Peers.PYTHON, script.toString(),
                Integer.toString(port), "cam", ref.toString(), "--address=" + NS_IP);
        try {
            RtspServerInteropTest.waitFor(() -> {
                try {
                    return Peers.tail(log).contains("ready") || !server.isAlive();
                } catch (IOException e) {
                    return false;
                }
            }, 15_000, "GStreamer RTSP server in the namespace");
            assertTrue(server.isAlive(), Peers.tail(log));
            TestApp app = new TestApp(80, 1 << 20);
            ConnectionSpec spec = ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(5_184_000))
                    .option("url", "rtsp://" + NS_IP + ":" + port + "/cam").build();
            List<byte[]> aus = new java.util.ArrayList<>();
            Map<String, Long> stats;
            long t0 = System.nanoTime();
            try (TransportSession s = new RtspClientSession(spec, app, Peers.settings())) {
                byte[] b;
                while (aus.size() < 60 && (b = app.take(aus.isEmpty() ? 20_000 : 15_000)) != null) {
                    aus.add(Peers.accessUnit(b));
                }
                stats = s.stats();
            }
            long firstAfterMs = (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(300); // the reference file's last buffers
            assertEquals(1L, stats.get("tcp_fallbacks"), stats.toString());
            assertEquals(1L, stats.get("tcp_interleaved"), stats.toString());
            assertEquals(0L, stats.get("reconnects"), "the switch is not a failure: " + stats);
            assertEquals(0L, stats.get("frames_damaged"), stats.toString());
            assertTrue(firstAfterMs >= RtspClientSession.UDP_FIRST_PACKET_MS, "UDP was tried first: " + firstAfterMs);
            new RtspClientInteropTest().assertServersStream(ref, aus, "after the switch to TCP");
        } finally {
            Peers.stop(server);
        }
    }
}
