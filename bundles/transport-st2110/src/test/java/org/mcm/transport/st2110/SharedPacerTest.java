package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.frame.HeapFrame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.transport.TransportContext;

/**
 * The pacing thread that all paced ST 2110-20 senders on the kernel fast path share (setting txSharedPacer): every
 * sender's packets arrive whole and in order, the senders cost one wake-up an interval together, one sender that
 * breaks or closes leaves the others' streams untouched, and the thread ends with its last sender.
 */
@Timeout(120)
class SharedPacerTest {

    static final int SENDERS = 3;

    /** The test settings (the defaults) with the shared pacer on. */
    static Settings shared() {
        return TestSupport.with(TestSupport.settings("wide"), "txSharedPacer", true);
    }

    static List<byte[]> frames(int n, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[(int) PacedGroupSendTest.VF.bufferSize()];
            r.nextBytes(b);
            out.add(b);
        }
        return out;
    }

    static VideoTxSession sender(DatagramChannel rx, Settings s, TransportContext ctx) throws Exception {
        int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
        ConnectionSpec spec = ConnectionSpec.builder(Direction.TX, "st2110-20", PacedGroupSendTest.VF)
                .remote(new Endpoint("127.0.0.1", port)).build();
        return new VideoTxSession(spec, ctx, s);
    }

    static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    /** Sends {@code n} frames on each of SENDERS senders at once (frame by frame, round robin); checks every packet. */
    static List<Map<String, Long>> sendOnAll(Settings s, int n) throws Exception {
        List<DatagramChannel> rx = new ArrayList<>();
        List<VideoTxSession> tx = new ArrayList<>();
        List<List<byte[]>> sent = new ArrayList<>();
        try {
            for (int k = 0; k < SENDERS; k++) {
                rx.add(TestSupport.receiver(64 << 20));
                tx.add(sender(rx.get(k), s, new ReceiverLeavesTest.Watch(10 + k)));
                sent.add(frames(n, 100 + k));
            }
            for (int f = 0; f < n; f++) {
                for (int k = 0; k < SENDERS; k++) {
                    TestSupport.offer(tx.get(k), sent.get(k).get(f));
                }
            }
            for (int k = 0; k < SENDERS; k++) {
                PacedGroupSendTest.checkPackets(rx.get(k), sent.get(k));
            }
            List<Map<String, Long>> stats = new ArrayList<>();
            for (VideoTxSession t : tx) {
                stats.add(t.stats());
            }
            return stats;
        } finally {
            for (VideoTxSession t : tx) {
                t.close();
            }
            for (DatagramChannel c : rx) {
                c.close();
            }
        }
    }

    @Test
    void sendersShareOneThreadAndEachStreamArrivesWhole() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        Settings s = shared();
        long before = TxPacer.shared().passes();
        List<Map<String, Long>> st = sendOnAll(s, 4);
        long passes = TxPacer.shared().passes() - before;
        long sends = 0;
        for (Map<String, Long> m : st) {
            assertEquals(1L, m.get("tx_pacer_shared"), m.toString());
            assertEquals((long) SENDERS, m.get("tx_pacer_senders"), "all senders on the one thread: " + m);
            assertEquals(4L * PacedGroupSendTest.PACKETS, m.get("packets"), m.toString());
            assertEquals(4L, m.get("frames"), m.toString());
            sends += m.get("gso_sends");
        }
        System.out.println("shared pacer: " + passes + " wake-ups, " + sends + " sends of " + SENDERS + " senders");
        // the three senders' frames run side by side: one wake-up sends all groups of an interval, so the thread
        // woke far fewer times than the senders sent (a thread each: about one wake-up a send)
        assertTrue(passes < sends * 2 / 3, passes + " wake-ups for " + sends + " sends of " + SENDERS + " senders");
        // and it ends with its last sender
        await("the pacing thread ends").atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("st2110-20-tx-pacer") == 0);
    }

    @Test
    void byDefaultEachSenderHasItsOwnThread() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        assertEquals(false, Settings.class.getMethod("txSharedPacer").getDefaultValue(), "a thread each by default");
        Settings s = TestSupport.settings("wide");
        try (DatagramChannel a = TestSupport.receiver(64 << 20); DatagramChannel b = TestSupport.receiver(64 << 20)) {
            VideoTxSession x = sender(a, s, new ReceiverLeavesTest.Watch(21));
            VideoTxSession y = sender(b, s, new ReceiverLeavesTest.Watch(22));
            try {
                assertEquals(0L, x.stats().get("tx_pacer_shared"));
                assertEquals(1L, x.stats().get("tx_pacer_senders"), "a pacer of its own");
                await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("st2110-20-tx-21") == 1
                        && threadsNamed("st2110-20-tx-22") == 1);
                List<byte[]> fx = frames(2, 5);
                List<byte[]> fy = frames(2, 6);
                for (int i = 0; i < 2; i++) {
                    TestSupport.offer(x, fx.get(i));
                    TestSupport.offer(y, fy.get(i));
                }
                PacedGroupSendTest.checkPackets(a, fx);
                PacedGroupSendTest.checkPackets(b, fy);
            } finally {
                x.close();
                y.close();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("st2110-20-tx-2") == 0);
        }
    }

    /** A frame whose buffer cannot be read once the sender takes it (a broken app-side buffer). */
    static final class BrokenFrame implements Frame {
        final ByteBuffer b = ByteBuffer.allocateDirect((int) PacedGroupSendTest.VF.bufferSize());
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();

        @Override
        public ByteBuffer data() {
            if (reads.incrementAndGet() > 1) {
                throw new IllegalStateException("buffer gone");
            }
            return b;
        }

        @Override
        public int length() {
            return b.capacity();
        }

        @Override
        public void length(int length) {
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public void timestamp(long timestamp) {
        }

        @Override
        public long sequence() {
            return 0;
        }

        @Override
        public void sequence(long sequence) {
        }

        @Override
        public void release() {
            released.incrementAndGet();
        }
    }

    @Test
    void aSenderThatBreaksFailsAloneAndClosingOneLeavesTheOthersWhole() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        Settings s = shared();
        try (DatagramChannel a = TestSupport.receiver(64 << 20); DatagramChannel b = TestSupport.receiver(64 << 20);
                DatagramChannel c = TestSupport.receiver(64 << 20)) {
            ReceiverLeavesTest.Watch bad = new ReceiverLeavesTest.Watch(31);
            ReceiverLeavesTest.Watch fine = new ReceiverLeavesTest.Watch(30);
            VideoTxSession good = sender(a, s, fine);
            VideoTxSession broken = sender(b, s, bad);
            VideoTxSession closing = sender(c, s, new ReceiverLeavesTest.Watch(32));
            try {
                List<byte[]> fa = frames(4, 7);
                List<byte[]> fc = frames(1, 8);
                TestSupport.offer(good, fa.get(0));
                TestSupport.offer(closing, fc.get(0));
                BrokenFrame bf = new BrokenFrame();
                assertTrue(broken.input().accept(bf));
                await("the broken sender fails").atMost(Duration.ofSeconds(5)).until(() -> bad.failure != null);
                assertTrue(bad.failure.contains("buffer gone"), bad.failure);
                assertEquals(1, bf.released.get(), "its frame is given back once");
                assertFalse(broken.input().accept(TestSupport.frameOf(fa.get(0))), "a failed sender refuses frames");
                // the one being closed sends its frame whole, then goes mid-stream of the others
                PacedGroupSendTest.checkPackets(c, fc);
                TestSupport.offer(closing, fc.get(0));
                closing.close();
                for (int i = 1; i < fa.size(); i++) {
                    TestSupport.offer(good, fa.get(i));
                }
                PacedGroupSendTest.checkPackets(a, fa);
                Map<String, Long> st = good.stats();
                assertEquals(1L, st.get("tx_pacer_senders"), "only the good sender is left on the thread: " + st);
                assertEquals(4L, st.get("frames"), st.toString());
                assertNull(fine.failure, "the others did not fail");
            } finally {
                good.close();
                broken.close();
                closing.close();
            }
            await("the pacing thread ends").atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("st2110-20-tx-pacer") == 0);
        }
    }

    @Test
    void theThreadComesBackForTheNextSender() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        Settings s = shared();
        for (int round = 0; round < 2; round++) {
            try (DatagramChannel a = TestSupport.receiver(64 << 20)) {
                VideoTxSession t = sender(a, s, new ReceiverLeavesTest.Watch(40 + round));
                try {
                    List<byte[]> f = frames(1, round);
                    TestSupport.offer(t, f.get(0));
                    PacedGroupSendTest.checkPackets(a, f);
                    assertNotNull(t.stats().get("tx_pacer_wakeups"));
                } finally {
                    t.close();
                }
            }
            await("the pacing thread ends").atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("st2110-20-tx-pacer") == 0);
        }
    }

    /**
     * The frames an app hands over are memif buffers the app waits for: every one comes back exactly once, sent,
     * queued or in the middle of its packets when the session closes, on either kind of pacing thread.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyFrameIsGivenBackOnceWhenTheSenderClosesMidFrame(boolean sharedPacer) throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        Settings s = TestSupport.with(TestSupport.settings("wide"), "txSharedPacer", sharedPacer);
        Map<HeapFrame, AtomicInteger> released = new ConcurrentHashMap<>();
        List<HeapFrame> handed = new ArrayList<>();
        byte[] content = frames(1, 9).get(0);
        try (DatagramChannel a = TestSupport.receiver(64 << 20)) {
            ReceiverLeavesTest.Watch ctx = new ReceiverLeavesTest.Watch(50);
            VideoTxSession t = sender(a, s, ctx);
            try {
                for (int i = 0; i < 6; i++) { // one sent, one in flight, up to four queued, the rest refused
                    ByteBuffer b = ByteBuffer.allocateDirect(content.length);
                    b.put(0, content);
                    HeapFrame f = new HeapFrame(b, x -> released.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet());
                    f.length(content.length);
                    handed.add(f);
                    t.input().accept(f);
                    if (i == 0) {
                        Thread.sleep(20); // the first goes out whole (16 ms)
                    }
                }
                Thread.sleep(5); // the second is in the middle of its packets
            } finally {
                t.close();
            }
            assertNull(ctx.failure, "closing is not a failure");
            for (HeapFrame f : handed) {
                assertEquals(1, released.getOrDefault(f, new AtomicInteger()).get(), "frame " + handed.indexOf(f)
                        + " given back once: " + released.values());
            }
            HeapFrame late = new HeapFrame(ByteBuffer.allocateDirect(content.length),
                    x -> released.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet());
            late.length(content.length);
            assertFalse(t.input().accept(late), "a closed sender takes nothing");
            assertEquals(1, released.get(late).get(), "and gives the frame back");
        }
    }
}
