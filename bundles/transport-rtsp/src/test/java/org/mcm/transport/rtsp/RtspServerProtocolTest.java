package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mcm.api.testing.TestApp;

/**
 * Our RTSP server seen by a client written here from RFC 2326 / RFC 3550 / RFC 6184: the SDP's parameter sets, a
 * client joining mid-stream getting its first packet at the next IDR with the parameter sets in front, with the
 * sequence number and RTP time PLAY announced in RTP-Info; RTCP sender reports with the stream's SSRC; the same over
 * TCP interleaved; TEARDOWN ends the client.
 */
class RtspServerProtocolTest {

    static final byte[] SPS = Rtp.nal(7, 10, 1);
    static final byte[] PPS = Rtp.nal(8, 4, 2);

    static byte[] annexB(byte[]... nals) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] n : nals) {
            o.writeBytes(new byte[] {0, 0, 0, 1});
            o.writeBytes(n);
        }
        return o.toByteArray();
    }

    static void put(Publication p, byte[] au, long ts) {
        ByteBuffer b = ByteBuffer.allocateDirect(au.length);
        b.put(0, au);
        p.publish(b, 0, au.length, ts);
    }

    int cseq;

    RtspMessage request(Socket s, String method, String uri, String... headers) throws Exception {
        StringBuilder b = new StringBuilder(method + " " + uri + " RTSP/1.0\r\nCSeq: " + (++cseq) + "\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        OutputStream o = s.getOutputStream();
        o.write(b.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        o.flush();
        InputStream in = s.getInputStream();
        RtspMessage m;
        do {
            m = RtspMessage.read(in);
        } while (m != null && m.isInterleaved());
        assertNotNull(m);
        assertEquals(cseq, m.cseq());
        return m;
    }

    static String param(String header, String key) {
        for (String part : header.split("[;,]")) {
            String p = part.trim();
            if (p.startsWith(key + "=")) {
                return p.substring(key.length() + 1);
            }
        }
        return null;
    }

    @Test
    void udpClientJoinsAtTheNextIdrGetsSenderReportsAndTearsDown() throws Exception {
        try (RtspServer server = new RtspServer("127.0.0.1", 0, "", "", 1 << 20, 1400);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                DatagramSocket rtp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(5000);
            rtp.setSoTimeout(5000);
            DatagramSocket rtcp = new DatagramSocket(rtp.getLocalPort() + 1, InetAddress.getLoopbackAddress());
            rtcp.setSoTimeout(5000);
            Publication p = server.publish("cam");
            String url = "rtsp://127.0.0.1:" + server.port() + "/cam";
            byte[] idr = Rtp.nal(5, 5000, 3);
            put(p, annexB(SPS, PPS, idr), 1000); // parameter sets known before DESCRIBE
            RtspMessage d = request(s, "DESCRIBE", url);
            assertEquals(200, d.status);
            String sdp = d.bodyText();
            assertTrue(sdp.contains("a=rtpmap:96 H264/90000"), sdp);
            assertTrue(sdp.contains("sprop-parameter-sets=" + Base64.getEncoder().encodeToString(SPS) + ","
                    + Base64.getEncoder().encodeToString(PPS)), sdp);
            assertTrue(sdp.contains(String.format("profile-level-id=%02x%02x%02x", SPS[1], SPS[2], SPS[3])), sdp);
            RtspMessage setup = request(s, "SETUP", url + "/trackID=0",
                    "Transport: RTP/AVP;unicast;client_port=" + rtp.getLocalPort() + "-" + rtcp.getLocalPort());
            assertEquals(200, setup.status);
            String session = setup.header("Session").split(";")[0];
            String transport = setup.header("Transport");
            int serverRtp = Integer.parseInt(param(transport, "server_port").split("-")[0]);
            RtspMessage play = request(s, "PLAY", url, "Session: " + session);
            assertEquals(200, play.status);
            String info = play.header("RTP-Info");
            int seq = Integer.parseInt(param(info, "seq"));
            long rtptime = Long.parseLong(param(info, "rtptime"));

            byte[] slice = Rtp.nal(1, 3000, 4);
            put(p, annexB(slice), 2500); // not an IDR: the new client does not get it
            byte[] idr2 = Rtp.nal(5, 4000, 5);
            put(p, annexB(idr2), 4000); // an IDR without parameter sets: they are sent first
            put(p, annexB(slice), 5500);

            TestApp app = new TestApp(4, 1 << 16);
            H264Depacketizer dep = new H264Depacketizer(96, app.frameSource(), app.output(), new RtpCounters());
            DatagramPacket pk = new DatagramPacket(new byte[2048], 2048);
            rtp.receive(pk);
            ByteBuffer first = ByteBuffer.wrap(pk.getData(), 0, pk.getLength());
            assertEquals(serverRtp, pk.getPort(), "from the announced server port");
            assertEquals(seq, first.getShort(2) & 0xFFFF, "first packet has RTP-Info's seq");
            assertEquals(rtptime, first.getInt(4) & 0xFFFFFFFFL, "first packet has RTP-Info's rtptime");
            assertEquals(7, first.get(12) & 0x1F, "parameter sets first");
            int ssrc = first.getInt(8);
            int lastSeq = seq;
            List<byte[]> aus = new ArrayList<>();
            ByteBuffer scratch = ByteBuffer.allocate(2048);
            // the depacketizer starts after an access-unit boundary: show it one (the packet before, with a marker)
            byte[] prime = java.util.Arrays.copyOf(pk.getData(), 13);
            prime[1] = (byte) 0xE0;
            ByteBuffer.wrap(prime).putShort(2, (short) (seq - 1)).putInt(4, (int) (rtptime - 1500));
            prime[12] = 0x61;
            scratch.put(0, prime);
            dep.accept(scratch, prime.length);
            scratch.put(0, pk.getData(), 0, pk.getLength());
            acceptAll(dep, scratch, pk.getLength());
            while (aus.size() < 2) {
                rtp.receive(pk);
                ByteBuffer b = ByteBuffer.wrap(pk.getData(), 0, pk.getLength());
                assertEquals((lastSeq + 1) & 0xFFFF, b.getShort(2) & 0xFFFF, "consecutive sequence numbers");
                assertEquals(ssrc, b.getInt(8));
                lastSeq = b.getShort(2) & 0xFFFF;
                scratch.put(0, pk.getData(), 0, pk.getLength());
                acceptAll(dep, scratch, pk.getLength());
                byte[] au;
                while ((au = app.take(0)) != null) {
                    aus.add(Peers.accessUnit(au));
                }
            }
            assertEquals(List.of(SPS, PPS, idr2).size(), Peers.nals(aus.get(0)).size());
            assertArrayEquals(SPS, Peers.nals(aus.get(0)).get(0));
            assertArrayEquals(PPS, Peers.nals(aus.get(0)).get(1));
            assertArrayEquals(idr2, Peers.nals(aus.get(0)).get(2));
            assertArrayEquals(slice, Peers.nals(aus.get(1)).get(0));

            DatagramPacket sr = new DatagramPacket(new byte[1500], 1500);
            rtcp.receive(sr); // within 2 s
            ByteBuffer r = ByteBuffer.wrap(sr.getData(), 0, sr.getLength());
            assertEquals(0x80, r.get(0) & 0xC0, "RTCP version 2");
            assertEquals(200, r.get(1) & 0xFF, "a sender report");
            assertEquals(ssrc, r.getInt(4), "the stream's SSRC");
            assertTrue((r.getInt(8) & 0xFFFFFFFFL) > 3_900_000_000L, "NTP seconds (after 2023)");
            assertEquals(202, r.get(29) & 0xFF, "then SDES");

            assertEquals(1, p.clients.size());
            assertEquals(200, request(s, "TEARDOWN", url, "Session: " + session).status);
            assertEquals(0, p.clients.size());
            rtcp.close();
        }
    }

    private static void acceptAll(H264Depacketizer dep, ByteBuffer pkt, int len) {
        dep.accept(pkt, len);
    }

    @Test
    void tcpInterleavedClientGetsItsChannel() throws Exception {
        try (RtspServer server = new RtspServer("127.0.0.1", 0, "", "", 1 << 20, 1400);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(5000);
            Publication p = server.publish("cam");
            String url = "rtsp://127.0.0.1:" + server.port() + "/cam";
            put(p, annexB(SPS, PPS, Rtp.nal(5, 100, 1)), 1000);
            RtspMessage setup = request(s, "SETUP", url + "/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=4-5");
            assertEquals(200, setup.status);
            assertEquals("4", param(setup.header("Transport"), "interleaved").split("-")[0]);
            String session = setup.header("Session").split(";")[0];
            assertEquals(200, request(s, "PLAY", url, "Session: " + session).status);
            byte[] idr = Rtp.nal(5, 3000, 9);
            put(p, annexB(SPS, PPS, idr), 2000);
            InputStream in = s.getInputStream();
            RtspMessage m = RtspMessage.read(in);
            assertTrue(m.isInterleaved());
            assertEquals(4, m.channel);
            assertArrayEquals(SPS, java.util.Arrays.copyOfRange(m.body, 12, m.body.length));
            // the IDR is FU-A fragmented (3000 bytes > 1388): its fragments follow on the same channel
            int fragments = 0;
            for (int i = 0; i < 4; i++) {
                RtspMessage f = RtspMessage.read(in);
                assertEquals(4, f.channel);
                if ((f.body[12] & 0x1F) == 28) {
                    fragments++;
                }
            }
            assertTrue(fragments >= 2, "FU-A fragments");
        }
    }
}
