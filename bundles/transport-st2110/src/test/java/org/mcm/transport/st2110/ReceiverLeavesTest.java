package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;

/**
 * A unicast receiver that goes away makes the kernel answer with ICMP port unreachable, and the next send on the
 * connected socket fails with ECONNREFUSED. Every sender (each essence, fast path and plain) must count that and
 * go on: a real receiver socket is closed while frames flow, then bound again on the same port, and frames must
 * arrive again without anything done to the sender.
 */
class ReceiverLeavesTest {

    static final VideoFormat VIDEO = new VideoFormat(64, 16, Rational.of(30, 1), PixelFormat.YUV422_10_PGROUP);
    static final VideoFormat JXS_VIDEO = new VideoFormat(64, 16, Rational.of(30, 1), PixelFormat.YUV422P10LE);
    static final AudioFormat AUDIO = new AudioFormat(48_000, 2, 24, PacketTime.PT_1MS);

    /** A sender context that records a failure instead of throwing in the sender's thread. */
    static final class Watch implements TransportContext {
        volatile String failure;
        private final long id;

        Watch() {
            this(7);
        }

        Watch(long id) {
            this.id = id;
        }

        @Override
        public long sessionId() {
            return id;
        }

        @Override
        public FrameSource frameSource() {
            return null;
        }

        @Override
        public FrameSink output() {
            return null;
        }

        @Override
        public void failed(String reason) {
            failure = reason;
        }
    }

    static DatagramChannel receiver(int port) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress("127.0.0.1", port));
        ch.configureBlocking(false);
        return ch;
    }

    /** Feeds frames to tx until until() holds or the time is up; returns whether it held. */
    static boolean pumpUntil(TransportSession tx, byte[] content, java.util.function.BooleanSupplier until,
            long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            tx.input().accept(TestSupport.frameOf(content));
            Thread.sleep(3); // the source's pace: a frame every 3 ms while the condition is watched
            if (until.getAsBoolean()) {
                return true;
            }
        }
        return until.getAsBoolean();
    }

    /** Datagrams waiting on ch (drained). */
    static int drain(DatagramChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(65_536);
        int n = 0;
        while (true) {
            b.clear();
            if (ch.receive(b) == null) {
                return n;
            }
            n++;
        }
    }

    static Transport transport(String kind, String fastPath) {
        org.mcm.transport.st2110.Settings s = TestSupport.settings("none", "127.0.0.1", fastPath);
        switch (kind) {
            case "st2110-20" -> {
                St2110Transports.Video t = new St2110Transports.Video();
                t.activate(s);
                return t;
            }
            case "st2110-22" -> {
                St2110Transports.Jxs t = new St2110Transports.Jxs();
                t.codec = new org.mcm.codec.jpegxs.JpegXsCodec();
                t.activate(s);
                return t;
            }
            case "st2110-30" -> {
                St2110Transports.Audio t = new St2110Transports.Audio();
                t.activate(s);
                return t;
            }
            case "st2110-40" -> {
                St2110Transports.Anc t = new St2110Transports.Anc();
                t.activate(s);
                return t;
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    static ConnectionSpec spec(String kind, int port) {
        ConnectionSpec.Builder b = switch (kind) {
            case "st2110-30" -> ConnectionSpec.builder(Direction.TX, kind, AUDIO);
            case "st2110-40" -> ConnectionSpec.builder(Direction.TX, kind, VIDEO);
            case "st2110-22" -> ConnectionSpec.builder(Direction.TX, kind, JXS_VIDEO);
            default -> ConnectionSpec.builder(Direction.TX, kind, VIDEO);
        };
        if (kind.equals("st2110-22")) {
            b.option("bpp", "4");
        }
        return b.remote(new Endpoint("127.0.0.1", port)).build();
    }

    static byte[] content(String kind) {
        int n = switch (kind) {
            case "st2110-30" -> (int) AUDIO.bufferSize();
            case "st2110-40" -> 100; // user data words of one ANC packet
            case "st2110-22" -> (int) JXS_VIDEO.bufferSize();
            default -> (int) VIDEO.bufferSize();
        };
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        if (kind.equals("st2110-22")) {
            for (int i = 1; i < n; i += 2) {
                b[i] = (byte) (b[i] & 0x03); // 10-bit samples, little-endian
            }
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"st2110-20 auto", "st2110-20 off", "st2110-22 auto", "st2110-22 off", "st2110-30 off",
            "st2110-40 off"})
    void senderGoesOnWhenItsReceiverLeavesAndComesBack(String path) throws Exception {
        String kind = path.split(" ")[0];
        String fastPath = path.split(" ")[1];
        Transport t = transport(kind, fastPath);
        byte[] content = content(kind);
        DatagramChannel rx = receiver(0);
        int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
        Watch watch = new Watch();
        ConnectionSpec spec = spec(kind, port);
        TransportSession tx = t.open(spec, watch);
        try {
            int[] got = {0};
            DatagramChannel first = rx;
            assertTrue(pumpUntil(tx, content, () -> count(first, got) > 0, 5000), "the receiver gets packets");
            if ("auto".equals(fastPath)) {
                assertEquals(NetNative.available() ? 1L : 0L, tx.stats().get("fast_path"), tx.stats().toString());
            }

            rx.close(); // the receiver leaves: ICMP port unreachable answers the next datagrams
            assertTrue(pumpUntil(tx, content, () -> tx.stats().get("icmp_unreachable") > 0, 5000),
                    "refusals are counted: " + tx.stats());
            long framesWhileGone = tx.stats().get("frames");
            assertTrue(pumpUntil(tx, content, () -> tx.stats().get("frames") > framesWhileGone + 3, 5000),
                    "the sender goes on while nobody listens: " + tx.stats());
            assertNull(watch.failure, "the sender must not fail: " + tx.stats());

            rx = receiver(port); // the receiver comes back on the same port
            int[] again = {0};
            DatagramChannel second = rx;
            assertTrue(pumpUntil(tx, content, () -> count(second, again) > 3, 5000),
                    "frames flow again without touching the sender: " + tx.stats());
            assertNull(watch.failure);
            Map<String, Long> st = tx.stats();
            assertEquals(0L, st.get("send_errors"), st.toString());
        } finally {
            tx.close();
            rx.close();
        }
    }

    private static int count(DatagramChannel ch, int[] total) {
        try {
            total[0] += drain(ch);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return total[0];
    }
}
