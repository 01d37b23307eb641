package org.mcm.transport.rtsp;

import static org.awaitility.Awaitility.await;
import org.mcm.api.testing.TestApp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The RTSP server's two UDP senders give the same datagrams: the batched one (one sendmmsg for an access unit to
 * every client, each client's equal-size packets as one UDP GSO message, through the native fragment) and the plain
 * Java one (a send per packet and client). Each client's datagrams must be RFC 6184 packets of its own SSRC,
 * consecutive sequence numbers from its own start, its own timestamp, the marker on the last one, and depacketize
 * back to the access unit sent, byte for byte.
 */
class UdpRtpSenderTest {

    static final byte[] SPS = Rtp.nal(7, 12, 1);
    static final byte[] PPS = Rtp.nal(8, 5, 2);
    static final byte[] SEI = Rtp.nal(6, 40, 3);
    // slices as x264's sliced threads make them: several FU-A runs, each ending in a shorter fragment
    static final byte[] SLICE1 = Rtp.nal(5, 9_001, 4);
    static final byte[] SLICE2 = Rtp.nal(5, 1_388, 5); // exactly one packet's payload: a single NAL unit packet
    static final byte[] SLICE3 = Rtp.nal(5, 120_000, 6); // more than 64 segments and 65 000 bytes: several messages

    @Test
    void batchedAndPlainSendTheSameDatagrams() throws Exception {
        assertTrue(RtpNative.available(), "the native fragment is on the test class path: "
                + RtpNative.unavailableReason());
        byte[] au = RtspServerProtocolTest.annexB(SPS, PPS, SEI, SLICE1, SLICE2, SLICE3);
        InetAddress lo = InetAddress.getLoopbackAddress();
        List<List<byte[]>> batched;
        List<List<byte[]>> plain;
        try (UdpRtpSender b = UdpRtpSender.open(lo, 0, 8 << 20, true)) {
            assertEquals("sendmmsg+gso", b.kind(), "the kernel's UDP GSO on loopback");
            batched = sendAndReceive(b, au);
        }
        try (UdpRtpSender p = UdpRtpSender.open(lo, 0, 8 << 20, false)) {
            assertEquals("java", p.kind());
            plain = sendAndReceive(p, au);
        }
        assertEquals(3, batched.size());
        for (int c = 0; c < 3; c++) {
            assertEquals(plain.get(c).size(), batched.get(c).size(), "client " + c + ": datagram count");
            for (int i = 0; i < plain.get(c).size(); i++) {
                assertArrayEquals(plain.get(c).get(i), batched.get(c).get(i), "client " + c + " datagram " + i);
            }
            assertClientStream(batched.get(c), c, au);
        }
    }

    /** Three clients with their own SSRC, sequence start and timestamp; returns each one's datagrams in order. */
    static List<List<byte[]>> sendAndReceive(UdpRtpSender sender, byte[] au) throws Exception {
        List<DatagramChannel> rx = new ArrayList<>();
        try {
            RtpBatch batch = new RtpBatch();
            ByteBuffer data = ByteBuffer.allocateDirect(au.length + 7);
            data.put(7, au); // not at the buffer's start: offsets are honoured
            int[] offs = new int[16];
            int[] lens = new int[16];
            int n = H264Stream.nals(data, 7, 7 + au.length, offs, lens);
            batch.reset(data);
            for (int i = 0; i < n; i++) {
                batch.addNal(offs[i], lens[i], data.get(offs[i]) & 0xFF, 1388);
            }
            for (int c = 0; c < 3; c++) {
                DatagramChannel ch = DatagramChannel.open();
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                rx.add(ch);
                int row = batch.addDest((InetSocketAddress) ch.getLocalAddress(), null);
                batch.writeHeaders(row, 96, 65_530 + c, 0xFFFF_FFF0L + c, 0x5000_0000 + c, true); // seq wraps
            }
            assertEquals(0, sender.send(batch), "nothing failed");
            List<List<byte[]>> out = new ArrayList<>();
            for (DatagramChannel ch : rx) {
                List<byte[]> got = new ArrayList<>();
                ch.configureBlocking(false);
                ByteBuffer b = ByteBuffer.allocate(65_536);
                await("the batch's datagrams on " + ch.getLocalAddress()).atMost(Duration.ofSeconds(5))
                        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                            b.clear();
                            while (got.size() < batch.packets && ch.receive(b) != null) {
                                byte[] d = new byte[b.position()];
                                b.flip().get(d);
                                got.add(d);
                                b.clear();
                            }
                            return got.size() >= batch.packets;
                        });
                assertEquals(batch.packets, got.size(), "datagrams received");
                out.add(got);
            }
            return out;
        } finally {
            for (DatagramChannel ch : rx) {
                ch.close();
            }
        }
    }

    static void assertClientStream(List<byte[]> datagrams, int c, byte[] au) throws Exception {
        for (int i = 0; i < datagrams.size(); i++) {
            ByteBuffer d = ByteBuffer.wrap(datagrams.get(i));
            assertTrue(d.remaining() <= 1400, "within the packet size");
            assertEquals(0x80, d.get(0) & 0xFF);
            assertEquals(96 | (i == datagrams.size() - 1 ? 0x80 : 0), d.get(1) & 0xFF, "marker on the last only");
            assertEquals((65_530 + c + i) & 0xFFFF, d.getShort(2) & 0xFFFF);
            assertEquals((0xFFFF_FFF0L + c) & 0xFFFF_FFFFL, d.getInt(4) & 0xFFFF_FFFFL);
            assertEquals(0x5000_0000 + c, d.getInt(8));
        }
        TestApp app = new TestApp(2, 1 << 20);
        H264Depacketizer dep = new H264Depacketizer(96, app.frameSource(), app.output(), new RtpCounters());
        ByteBuffer pkt = ByteBuffer.allocate(65_536);
        // the depacketizer starts after an access-unit boundary: show it one (a marker packet just before)
        ByteBuffer first = ByteBuffer.wrap(datagrams.get(0));
        pkt.put(0, (byte) 0x80).put(1, (byte) 0xE0).putShort(2, (short) (first.getShort(2) - 1))
                .putInt(4, first.getInt(4) - 1500).putInt(8, first.getInt(8)).put(12, (byte) 0x61);
        dep.accept(pkt, 13);
        for (byte[] d : datagrams) {
            pkt.clear();
            pkt.put(0, d);
            dep.accept(pkt, d.length);
        }
        byte[] got = app.take(2000);
        assertTrue(got != null, "client " + c + ": the access unit was delivered");
        List<byte[]> sent = Peers.nals(au);
        List<byte[]> received = Peers.nals(Peers.accessUnit(got));
        assertEquals(sent.size(), received.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), received.get(i), "client " + c + " NAL unit " + i);
        }
    }
}
