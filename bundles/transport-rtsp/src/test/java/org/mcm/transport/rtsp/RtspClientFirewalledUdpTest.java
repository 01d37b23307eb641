package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.testing.NetNamespace;
import org.mcm.api.testing.TestApp;
import org.mcm.api.transport.TransportSession;

/**
 * UDP that a firewall eats: the GStreamer RTSP server runs in a network namespace of this test whose policy routing
 * sends every UDP datagram for our address into a dead end (a veth pair inside the namespace; nothing is changed on
 * the host but the test's own veth end), while TCP passes. SETUP over UDP succeeds, PLAY succeeds, and no RTP ever
 * comes: the client's automatic choice must notice and switch to TCP interleaved, and the app must then get the
 * server's stream byte for byte.
 */
class RtspClientFirewalledUdpTest {

    static NetNamespace ns;
    static String HOST_IP;
    static String NS_IP;

    @TempDir
    Path dir;

    @BeforeAll
    static void createNamespace() throws Exception {
        ns = NetNamespace.create("mcmr", 216);
        Assumptions.assumeTrue(ns != null, NetNamespace.UNAVAILABLE);
        HOST_IP = ns.hostIp;
        NS_IP = ns.nsIp;
        int rc = 0;
        // the firewall, inside the namespace: UDP to our address goes to a veth pair whose far end drops it
        rc |= ns.exec("ip", "link", "add", "fwdrop", "type", "veth", "peer", "name", "fwsink");
        rc |= ns.exec("ip", "link", "set", "fwdrop", "up");
        rc |= ns.exec("ip", "link", "set", "fwsink", "up");
        rc |= ns.exec("ip", "neigh", "add", HOST_IP, "lladdr", "02:00:00:00:00:01", "dev", "fwdrop");
        rc |= ns.exec("ip", "route", "add", HOST_IP + "/32", "dev", "fwdrop", "table", "100");
        rc |= ns.exec("ip", "rule", "add", "ipproto", "udp", "to", HOST_IP, "lookup", "100");
        assertEquals(0, rc, "the UDP dead end set up in the namespace");
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void udpSetUpButSilentFallsBackToTcpInterleaved() throws Exception {
        Peers.require(Peers.PYTHON, "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly");
        Path script = Path.of(RtspClientFirewalledUdpTest.class.getResource("/gst_rtsp_server.py").toURI());
        Path ref = dir.resolve("ref.h264");
        Path log = dir.resolve("server.log");
        int port = 21554;
        Process server = Peers.start(log, ns.command(Peers.PYTHON, script.toString(),
                Integer.toString(port), "cam", ref.toString(), "--address=" + NS_IP).toArray(String[]::new));
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
            assertEquals(1L, stats.get("tcp_fallbacks"), stats.toString());
            assertEquals(1L, stats.get("tcp_interleaved"), stats.toString());
            assertEquals(0L, stats.get("reconnects"), "the switch is not a failure: " + stats);
            assertEquals(0L, stats.get("frames_damaged"), stats.toString());
            assertTrue(firstAfterMs >= RtspClientSession.UDP_FIRST_PACKET_MS, "UDP was tried first: " + firstAfterMs);
            new RtspClientInteropTest().awaitServersStream(ref, aus, "after the switch to TCP");
        } finally {
            Peers.stop(server);
        }
    }
}
