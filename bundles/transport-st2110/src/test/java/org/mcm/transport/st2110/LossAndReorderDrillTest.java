package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.testing.TestApp;
import org.mcm.api.transport.TransportSession;

/**
 * Fault drill (issue 17): 1 % packet loss and 1 % reordering between an ST 2110-20 sender and receiver. A relay in
 * the test forwards the sender's datagrams to the receiver, dropping and swapping packets by a seeded random
 * sequence (the same decisions every run). Every frame sent is accounted for (delivered, incomplete or dropped), the
 * receiver's loss and reordering counters equal what the relay did, and every delivered frame is bit for bit the
 * frame that was sent with that index: nothing damaged is delivered as good.
 */
@Timeout(60)
class LossAndReorderDrillTest {

    static final int FRAMES = 200;
    static final double LOSS = 0.01;
    static final double REORDER = 0.01;

    /** Forwards datagrams, dropping some and sending some after their successor. */
    static final class LossyRelay implements AutoCloseable {
        final DatagramChannel in;
        final DatagramChannel out;
        final Random random;
        final AtomicLong received = new AtomicLong();
        final AtomicLong forwarded = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong swapped = new AtomicLong();
        final Thread thread;

        LossyRelay(InetSocketAddress to, long seed) throws Exception {
            random = new Random(seed);
            in = DatagramChannel.open();
            in.setOption(StandardSocketOptions.SO_RCVBUF, 32 << 20);
            in.bind(new InetSocketAddress("127.0.0.1", 0));
            out = DatagramChannel.open();
            out.setOption(StandardSocketOptions.SO_SNDBUF, 32 << 20);
            out.connect(to);
            thread = new Thread(this::run, "lossy-relay");
            thread.start();
        }

        int port() throws Exception {
            return ((InetSocketAddress) in.getLocalAddress()).getPort();
        }

        private void run() {
            ByteBuffer b = ByteBuffer.allocateDirect(65_536);
            ByteBuffer held = null;
            try {
                while (true) {
                    b.clear();
                    in.receive(b);
                    b.flip();
                    received.incrementAndGet();
                    double r = random.nextDouble();
                    if (r < LOSS) {
                        dropped.incrementAndGet();
                        continue;
                    }
                    ByteBuffer copy = ByteBuffer.allocate(b.remaining()).put(b).flip();
                    if (held == null && r < LOSS + REORDER) {
                        held = copy; // goes out after the next packet that is forwarded
                        continue;
                    }
                    out.write(copy);
                    forwarded.incrementAndGet();
                    if (held != null) {
                        out.write(held);
                        forwarded.incrementAndGet();
                        swapped.incrementAndGet();
                        held = null;
                    }
                }
            } catch (ClosedChannelException e) {
                // closed by the test
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws java.io.IOException {
            in.close();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                out.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "auto"})
    void onePercentLossAndReorderingAreCountedAndNoDamagedFrameIsDeliveredAsGood(String fastPath) throws Exception {
        if (fastPath.equals("auto")) {
            assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        }
        // 320x180 4:2:2 10-bit: 144,000 bytes, 103 packets a frame
        VideoFormat vf = new VideoFormat(320, 180, Rational.of(30, 1), PixelFormat.YUV422_10_PGROUP);
        int size = (int) vf.bufferSize();
        int rxPort = ReceiveOffloadTest.freeUdpPort();
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("none", "127.0.0.1", fastPath));
        TestApp app = new TestApp(FRAMES + 2, size);
        try (LossyRelay relay = new LossyRelay(new InetSocketAddress("127.0.0.1", rxPort), 17)) {
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", vf)
                    .local(new Endpoint("127.0.0.1", rxPort)).build(), app);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", vf)
                    .remote(new Endpoint("127.0.0.1", relay.port())).build(), TestSupport.txContext());
            List<byte[]> sent = new ArrayList<>();
            Random content = new Random(4175);
            for (int i = 0; i < FRAMES; i++) {
                byte[] b = new byte[size];
                content.nextBytes(b);
                ByteBuffer.wrap(b).putInt(0, i); // the frame's index in its first bytes
                sent.add(b);
                await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> tx.input().accept(TestSupport.frameOf(b)));
                // one frame in flight at a time: no socket on the way overflows, so the relay alone decides the loss
                long frames = i + 1;
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(() ->
                        tx.stats().get("frames") >= frames && relay.received.get() == tx.stats().get("packets"));
            }
            long packetsSent = tx.stats().get("packets");
            await().atMost(Duration.ofSeconds(5)).until(() -> relay.received.get() == packetsSent);
            await().atMost(Duration.ofSeconds(5)).until(() -> rx.stats().get("packets") == relay.forwarded.get());

            // delivered frames: each one exactly the frame sent with its index, in order
            List<Integer> delivered = new ArrayList<>();
            byte[] got;
            while ((got = app.take(0)) != null) {
                int index = ByteBuffer.wrap(got).getInt(0);
                assertTrue(index >= 0 && index < FRAMES, "delivered frame carries a sent index: " + index);
                assertArrayEquals(sent.get(index), got, "frame " + index + " delivered as good must be intact");
                assertTrue(delivered.isEmpty() || index > delivered.get(delivered.size() - 1), "in order");
                delivered.add(index);
            }
            Map<String, Long> s = rx.stats();
            long complete = s.get("frames");
            long incomplete = s.get("frames_incomplete");
            long droppedFrames = s.get("frames_dropped");
            System.out.printf("loss/reorder drill (fast path %s): %d frames of %d packets sent, relay dropped %d and "
                    + "swapped %d of %d packets; receiver: %d delivered, %d incomplete, %d dropped, lost %d, "
                    + "reordered %d, late %d%n", fastPath, FRAMES, packetsSent / FRAMES, relay.dropped.get(),
                    relay.swapped.get(), packetsSent, complete, incomplete, droppedFrames, s.get("lost"),
                    s.get("reordered"), s.get("late"));
            assertEquals(complete, delivered.size(), "every frame counted complete reached the app: " + s);
            // the last frame is finished by its marker or still open (its marker lost): nothing else goes uncounted
            long open = FRAMES - complete - incomplete - droppedFrames;
            assertTrue(open == 0 || open == 1, "every frame sent is accounted for: " + s);
            assertEquals(relay.swapped.get(), s.get("reordered"), "reordering counted: " + s);
            assertEquals(relay.dropped.get() + relay.swapped.get(), s.get("lost"),
                    "a dropped packet is a gap; a swapped one a gap that is filled late: " + s);
            assertTrue(relay.dropped.get() > 0 && relay.swapped.get() > 0, "the drill did drop and reorder");
            assertTrue(complete > 0 && incomplete > 0, "both outcomes happened: " + s);
            assertEquals(0L, s.get("bad_headers"), s.toString());
            rx.close();
            tx.close();
        } finally {
            t.deactivate();
        }
    }
}
