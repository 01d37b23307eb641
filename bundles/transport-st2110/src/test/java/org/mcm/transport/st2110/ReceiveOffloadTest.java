package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;

/**
 * The fast-path receiver with and without UDP receive offload (GRO): our GSO sender's batches arrive coalesced and
 * are cut back into datagrams; frames are bit-exact either way, and junk among them is counted, not delivered.
 */
@Timeout(120)
class ReceiveOffloadTest {

    static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void framesOf1080p10BitArriveBitExactThroughTheFastPath(boolean offload) throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        VideoFormat vf = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422_10_PGROUP);
        int size = (int) vf.bufferSize();
        int port = freeUdpPort();
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("none", "127.0.0.1", "auto", offload));
        try {
            TestApp app = new TestApp(8, size);
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", vf)
                    .local(new Endpoint("127.0.0.1", port)).build(), app);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", vf)
                    .remote(new Endpoint("127.0.0.1", port)).build(), TestSupport.txContext());
            assertEquals(offload ? 1L : 0L, rx.stats().get("receive_offload"), "offload as configured");
            assertEquals(1L, tx.stats().get("fast_path"));
            List<byte[]> sent = new ArrayList<>();
            Random r = new Random(offload ? 1 : 2);
            for (int i = 0; i < 12; i++) {
                byte[] b = new byte[size];
                r.nextBytes(b);
                sent.add(b);
            }
            for (byte[] b : sent) {
                TestSupport.offer(tx, b);
                byte[] got = app.take(10_000);
                assertNotNull(got, "frame arrives: " + rx.stats());
                assertArrayEquals(b, got);
            }
            Map<String, Long> s = rx.stats();
            assertEquals(0L, s.get("lost"), s.toString());
            assertEquals(0L, s.get("bad_headers"), s.toString());
        } finally {
            t.deactivate();
        }
    }

    @Test
    void junkAndTruncatedRunsAmongCoalescedDatagramsAreCountedAndFramesStillComplete() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        VideoFormat vf = new VideoFormat(640, 480, Rational.of(30, 1), PixelFormat.YUV422_10_PGROUP);
        int size = (int) vf.bufferSize();
        int port = freeUdpPort();
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("none", "127.0.0.1", "auto", true));
        try (DatagramChannel junk = DatagramChannel.open()) {
            TestApp app = new TestApp(8, size);
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", vf)
                    .local(new Endpoint("127.0.0.1", port)).build(), app);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", vf)
                    .remote(new Endpoint("127.0.0.1", port)).build(), TestSupport.txContext());
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            // junk first: a run of same-size garbage datagrams, a short one, an oversized one
            for (int i = 0; i < 20; i++) {
                junk.send(ByteBuffer.wrap(new byte[1220]), to);
            }
            junk.send(ByteBuffer.wrap(new byte[3]), to);
            junk.send(ByteBuffer.allocate(20_000), to);
            byte[] frame = new byte[size];
            new Random(7).nextBytes(frame);
            TestSupport.offer(tx, frame);
            byte[] got = app.take(10_000);
            assertNotNull(got, "the real frame arrives: " + rx.stats());
            assertArrayEquals(frame, got);
            await("the 22 junk datagrams counted").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> rx.stats().get("bad_headers") >= 22);
        } finally {
            t.deactivate();
        }
    }

    /** A coalesced buffer filled to the brim, its last datagram shorter: every datagram comes out whole. */
    @Test
    void aFullCoalescedBufferIsCutIntoAllItsDatagrams() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        int port = freeUdpPort();
        try (BatchReceiver rx = BatchReceiver.open("127.0.0.1", port, "", "127.0.0.1", 1 << 22, true)) {
            assumeTrue(rx.offload(), "the kernel takes UDP_GRO");
            int fd = NetNative.mcmnet_udp_open("127.0.0.1", 0, "127.0.0.1", port, 1, 1 << 22);
            assertTrue(fd >= 0, "sender socket: " + fd);
            try {
                int seg = 1220;
                int total = 53 * seg + 500; // 54 datagrams, 65,160 bytes: the whole 64 KiB slot but for 376 bytes
                ByteBuffer data = ByteBuffer.allocateDirect(total);
                for (int k = 0; k < total; k++) {
                    data.put(k, (byte) (k / seg + 1));
                }
                com.sun.jna.Memory addrs = new com.sun.jna.Memory(8);
                com.sun.jna.Memory lens = new com.sun.jna.Memory(4);
                addrs.setLong(0, NetNative.address(data));
                lens.setInt(0, total);
                assertEquals(total, NetNative.mcmnet_send(fd, addrs, lens, 1, seg));
                int got = 0;
                long deadline = System.currentTimeMillis() + 5000;
                while (got < 54 && System.currentTimeMillis() < deadline) {
                    int n = rx.receive(100);
                    for (int i = 0; i < n; i++, got++) {
                        int len = rx.length(i);
                        assertEquals(got < 53 ? seg : 500, len, "datagram " + got);
                        ByteBuffer v = rx.slot(i);
                        assertEquals((byte) (got + 1), v.get(0));
                        assertEquals((byte) (got + 1), v.get(len - 1));
                    }
                }
                assertEquals(54, got, "every datagram of the batch");
            } finally {
                NetNative.mcmnet_close(fd);
            }
        }
    }
}
