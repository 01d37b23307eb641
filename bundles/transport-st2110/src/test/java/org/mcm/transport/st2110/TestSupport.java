package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.testing.TestApp;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;

/** Settings, frames and a sender-side context for running the transports outside OSGi. */
final class TestSupport {

    /**
     * A UDP socket on 127.0.0.1 with a receive buffer of {@code bytes}, for tests that take a whole paced frame (or
     * more) before reading it. Linux caps the buffer at net.core.rmem_max (4 MiB unless raised; .ci/run raises it to
     * 64 MiB): below what is asked, such a test would fail on lost packets, so it fails here and says why.
     */
    static java.nio.channels.DatagramChannel receiver(int bytes) throws java.io.IOException {
        java.nio.channels.DatagramChannel rx = java.nio.channels.DatagramChannel.open();
        rx.setOption(java.net.StandardSocketOptions.SO_RCVBUF, bytes);
        int got = rx.getOption(java.net.StandardSocketOptions.SO_RCVBUF);
        if (got < bytes) {
            rx.close();
            String max;
            try {
                max = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/core/rmem_max")).get(0).trim();
            } catch (java.io.IOException e) {
                max = "unknown";
            }
            throw new AssertionError("this test needs a " + (bytes >> 20) + " MiB UDP receive buffer; the kernel gave "
                    + (got >> 10) + " KiB (net.core.rmem_max = " + max + "): run `sudo sysctl -w"
                    + " net.core.rmem_max=67108864 net.core.wmem_max=67108864` (as .ci/run does) and run the tests again");
        }
        rx.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        return rx;
    }

    private TestSupport() {
    }

    static Settings settings(String pacing) {
        return settings(pacing, "127.0.0.1");
    }

    static Settings settings(String pacing, String ip) {
        return settings(pacing, ip, "auto");
    }

    static Settings settings(String pacing, String ip, String fastPath) {
        return settings(pacing, ip, fastPath, true);
    }

    static Settings settings(String pacing, String ip, String fastPath, boolean receiveOffload) {
        return new Settings() {
            @Override
            public String fastPath() {
                return fastPath;
            }

            @Override
            public boolean receiveOffload() {
                return receiveOffload;
            }

            @Override
            public String device() {
                return "";
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return Settings.class;
            }

            @Override
            public int maxUdpPayload() {
                return 1400;
            }

            @Override
            public String pacing() {
                return pacing;
            }

            @Override
            public int socketBuffer() {
                return 64 << 20;
            }

            @Override
            public int multicastTtl() {
                return 1;
            }

            @Override
            public int txQueueFrames() {
                return 8;
            }

            @Override
            public String txLate() {
                return "catchup";
            }

            @Override
            public double txCatchupSpeedup() {
                return 1.0;
            }

            @Override
            public int txLeadUs() {
                return 0;
            }

            @Override
            public int txPaceGranularityUs() {
                return 500;
            }

            @Override
            public int txRealtimePriority() {
                return 0;
            }

            @Override
            public boolean txSharedPacer() {
                return false;
            }

            @Override
            public int rxWakeIntervalUs() {
                return -1; // the default: auto
            }

            @Override
            public String ip() {
                return ip;
            }

            @Override
            public long maxFrameMiB() {
                return 256;
            }

            @Override
            public long maxSessionMemoryMiB() {
                return 1024;
            }

            @Override
            public long maxMemoryMiB() {
                return 4096;
            }
        };
    }

    /** The settings with one setting ({@code name}, as its method) changed to {@code value}. */
    static Settings with(Settings s, String name, Object value) {
        return (Settings) java.lang.reflect.Proxy.newProxyInstance(Settings.class.getClassLoader(),
                new Class<?>[] {Settings.class}, (p, m, args) -> m.getName().equals(name) ? value : m.invoke(s, args));
    }

    /** The settings with other memory limits (MiB). */
    static Settings withMemoryLimits(Settings s, long frame, long session, long total) {
        return (Settings) java.lang.reflect.Proxy.newProxyInstance(Settings.class.getClassLoader(),
                new Class<?>[] {Settings.class}, (p, m, args) -> switch (m.getName()) {
                    case "maxFrameMiB" -> frame;
                    case "maxSessionMemoryMiB" -> session;
                    case "maxMemoryMiB" -> total;
                    default -> m.invoke(s, args);
                });
    }



    /** A sender-side context (no app attached on the receive side). */
    static TransportContext txContext() {
        return TestApp.txContext(2);
    }

    static Frame frameOf(byte[] content) {
        ByteBuffer b = ByteBuffer.allocateDirect(content.length);
        b.put(0, content);
        HeapFrame f = new HeapFrame(b, null);
        f.length(content.length);
        return f;
    }

    /** Hands {@code content} to the sender {@code tx}, polling while its queue is full (10 s at most). */
    static void offer(TransportSession tx, byte[] content) {
        await("room in the sender's queue").atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(2)).until(() -> tx.input().accept(frameOf(content)));
    }

    /**
     * Offers count frames of size random bytes (from seed) to tx one at a time; each must reach app whole and
     * bit-exact within 10 s (rx's stats in the message otherwise).
     */
    static void roundTrips(TransportSession tx, TransportSession rx, TestApp app, int size, long seed, int count)
            throws InterruptedException {
        java.util.Random rnd = new java.util.Random(seed);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            offer(tx, b);
            byte[] got = app.take(10_000);
            org.junit.jupiter.api.Assertions.assertNotNull(got, "frame " + i + " arrives: " + rx.stats());
            org.junit.jupiter.api.Assertions.assertArrayEquals(b, got, "frame " + i);
        }
    }
}
