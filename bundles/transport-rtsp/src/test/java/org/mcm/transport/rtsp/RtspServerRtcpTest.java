package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportSession;

/**
 * RTCP receiver reports (RFC 3550 6.4.2) from the clients of our RTSP server, by a client written here: loss and
 * jitter per client in the session's stats and description, malformed RTCP counted and ignored, and a UDP client
 * that sends neither RTSP requests nor RTCP for the session timeout (3 s here) is ended while one that keeps
 * sending receiver reports stays (RFC 2326 12.37: RTCP counts as liveness).
 */
class RtspServerRtcpTest {

    final RtspServerProtocolTest rtsp = new RtspServerProtocolTest();

    /** A receiver report about ssrc from reporter, followed by an SDES (a compound packet as clients send it). */
    static byte[] receiverReport(int reporter, int ssrc, int fraction, int cumulative, int highestSeq, int jitter) {
        ByteBuffer b = ByteBuffer.allocate(32 + 12);
        b.put((byte) 0x81).put((byte) 201).putShort((short) 7).putInt(reporter);
        b.putInt(ssrc).putInt((fraction << 24) | (cumulative & 0xFF_FFFF)).putInt(highestSeq).putInt(jitter);
        b.putInt(0).putInt(0);
        b.put((byte) 0x81).put((byte) 202).putShort((short) 2).putInt(reporter).put((byte) 1).put((byte) 1)
                .put((byte) 'x').put((byte) 0);
        return b.array();
    }

    final class Viewer implements AutoCloseable {
        final Socket s;
        final DatagramSocket rtp;
        final DatagramSocket rtcp;
        String session;
        int serverRtcpPort;
        int ssrc;

        Viewer(int rtspPort, String url) throws Exception {
            s = new Socket(InetAddress.getLoopbackAddress(), rtspPort);
            s.setSoTimeout(5000);
            DatagramSocket a;
            DatagramSocket b;
            while (true) { // an even/odd pair, as RTP/RTCP clients use
                a = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                try {
                    b = new DatagramSocket(a.getLocalPort() + 1, InetAddress.getLoopbackAddress());
                    break;
                } catch (java.net.BindException e) {
                    a.close();
                }
            }
            rtp = a;
            rtcp = b;
            rtp.setSoTimeout(3000);
            RtspMessage setup = rtsp.request(s, "SETUP", url + "/trackID=0",
                    "Transport: RTP/AVP;unicast;client_port=" + rtp.getLocalPort() + "-" + rtcp.getLocalPort());
            assertEquals(200, setup.status);
            session = setup.header("Session").split(";")[0];
            assertTrue(setup.header("Session").contains("timeout=3"), setup.header("Session"));
            serverRtcpPort = Integer.parseInt(RtspServerProtocolTest.param(setup.header("Transport"), "server_port")
                    .split("-")[1]);
            assertEquals(200, rtsp.request(s, "PLAY", url, "Session: " + session).status);
        }

        /** The SSRC of the next RTP packet, or null when none comes within ms. */
        Integer nextSsrc(int ms) throws Exception {
            rtp.setSoTimeout(ms);
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                rtp.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return ByteBuffer.wrap(p.getData()).getInt(8);
        }

        void sendRtcp(byte[] b) throws Exception {
            rtcp.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), serverRtcpPort));
        }

        @Override
        public void close() {
            rtp.close();
            rtcp.close();
            try {
                s.close();
            } catch (java.io.IOException e) {
                // closing anyway
            }
        }
    }

    static void put(TransportSession tx, byte[] au, long ts) {
        ByteBuffer b = ByteBuffer.allocateDirect(au.length);
        b.put(0, au);
        HeapFrame f = new HeapFrame(b, null);
        f.length(au.length);
        f.timestamp(ts);
        tx.input().accept(f);
    }

    @Test
    void receiverReportsPerClientAndSilentUdpClientsTimeOut() throws Exception {
        int port = Peers.freeTcpPort();
        RtspTransport t = new RtspTransport();
        t.activate(Peers.settings(port, "", "", 3, true));
        byte[] idr = RtspServerProtocolTest.annexB(RtspServerProtocolTest.SPS, RtspServerProtocolTest.PPS,
                Rtp.nal(5, 3000, 7));
        String url = "rtsp://127.0.0.1:" + port + "/cam";
        try (TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "rtsp", new BlobFormat(1 << 20))
                .option("name", "cam").build(), RtspServerInteropTest.txContext(3));
                Viewer a = new Viewer(port, url);
                Viewer b = new Viewer(port, url)) {
            put(tx, idr, 1000);
            a.ssrc = a.nextSsrc(3000);
            b.ssrc = b.nextSsrc(3000);
            assertFalse(a.ssrc == b.ssrc, "each client its own SSRC");

            // A: 25 % lost in the last interval, 7 in all, jitter 900 (10 ms at 90 kHz)
            a.sendRtcp(receiverReport(0x0A0A0A0A, a.ssrc, 64, 7, 70_000, 900));
            // B: a report about some other stream (not counted as ours) and then garbage
            b.sendRtcp(receiverReport(0x0B0B0B0B, 0x12345678, 255, 99, 1, 1));
            byte[] bad = receiverReport(0x0B0B0B0B, b.ssrc, 0, 0, 0, 0);
            bad[3] = 40; // a length past the datagram
            b.sendRtcp(bad);
            byte[] v1 = receiverReport(0x0B0B0B0B, b.ssrc, 0, 0, 0, 0);
            v1[0] = 0x41; // version 1
            b.sendRtcp(v1);
            try (DatagramSocket stranger = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                byte[] r = receiverReport(1, a.ssrc, 1, 1, 1, 1);
                stranger.send(new DatagramPacket(r, r.length, InetAddress.getLoopbackAddress(), a.serverRtcpPort));
            }
            RtspServerInteropTest.waitFor(() -> tx.stats().get("rtcp_bad") == 2L
                    && tx.stats().get("rtcp_receiver_reports") == 1L, 3000, "the reports read");
            Map<String, Long> st = tx.stats();
            assertEquals(2L, st.get("clients"), st.toString());
            String ka = "client1_"; // clients are numbered in the order they were set up
            String kb = "client2_";
            assertEquals(1L, st.get(ka + "receiver_reports"), st.toString());
            assertEquals(7L, st.get(ka + "lost"));
            assertEquals(64L * 1000 / 256, st.get(ka + "fraction_lost_permille"));
            assertEquals(10_000L, st.get(ka + "jitter_us"));
            assertEquals(0L, st.get(kb + "receiver_reports"), "B's reports were about another SSRC or malformed");
            assertEquals(250L, st.get("clients_worst_fraction_lost_permille"));
            assertEquals(1L, t.server().rtcpUnknown.sum(), "a report from no client of ours");
            assertTrue(tx.description().contains("lost 7 (25%) jitter 10 ms"), tx.description());
            assertTrue(tx.description().contains("no RTCP yet"), tx.description());

            // from now on no RTSP request: A keeps reporting (alive), B stays silent (ends after 3 s)
            long end = System.nanoTime() + 6_500_000_000L;
            long ts = 2000;
            while (System.nanoTime() < end) {
                a.sendRtcp(receiverReport(0x0A0A0A0A, a.ssrc, 0, 7, 70_100, 450));
                put(tx, idr, ts += 1500);
                Thread.sleep(500); // the scenario's pace: A reports every 0.5 s while B stays silent past its timeout
            }
            st = tx.stats();
            assertEquals(1L, st.get("clients"), st.toString());
            assertEquals(1L, st.get("clients_timed_out"));
            assertEquals(450L * 1_000_000 / 90_000, st.get("client1_jitter_us"), "A is the one left");
            while (b.nextSsrc(50) != null) {
                // what was sent before the end
            }
            put(tx, idr, ts += 1500);
            assertEquals(a.ssrc, a.nextSsrc(2000), "A still gets the stream");
            assertNull(b.nextSsrc(500), "B gets nothing after its session ended");
            assertEquals(-1, b.s.getInputStream().read(), "B's idle connection without a session is closed");

            // A stops reporting too: it ends as well
            RtspServerInteropTest.waitFor(() -> tx.stats().get("clients") == 0L, 8000, "A timed out");
            assertEquals(2L, tx.stats().get("clients_timed_out"));
        } finally {
            t.deactivate();
        }
    }
}
