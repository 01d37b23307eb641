package org.mcm.itests.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.itests.Provisioning;
import org.mcm.itests.support.ControlClient;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.McmBuffer;
import org.mcm.sdk.McmClient;

/**
 * app → proxy → app through the real appliance (started as a process from the built image): an SDK sender and an
 * SDK receiver in this JVM exchange 1080p 10-bit frames over the proxy's local transport. Prints a Markdown
 * table: frames/s flat out, one-way latency percentiles in lock step, and bytes copied per frame on each leg.
 * Usage (after the build): see README "Measurements".
 */
public final class SdkPathBench {

    static final int W = 1920;
    static final int H = 1080;

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int tcp = Provisioning.freePort();
        try (BenchProxy proxy = BenchProxy.start(tcp, Provisioning.freePort(), Provisioning.freePort(), Map.of())) {
            ControlClient c = proxy.control;
            Path home = proxy.home;
            Path memif = proxy.memif;
            System.out.println("| rings | buffers | frame | frames/s (flat out) | p50 µs | p99 µs | p99.9 µs | bytes copied app→proxy | proxy→app | inside proxy (local transport), per frame |");
            System.out.println("|---|---|---|--:|--:|--:|--:|--:|--:|--:|");
            for (boolean polling : new boolean[] {false, true}) {
                if (polling) {
                    Files.writeString(home.resolve("deploy/org.mcm.control.sdk.cfg"),
                            "port=" + tcp + "\nmemifPolling=true\nmemifDir=" + memif + "\n");
                    Thread.sleep(3000); // FileInstall picks it up, the SDK listener re-binds (no signal to wait on)
                }
                for (boolean pooled : new boolean[] {false, true}) {
                    int p = (polling ? 1 : 0) + (pooled ? 2 : 0);
                    run(tcp, c, polling, pooled, frames, new VideoFormat(W, H, Rational.of(60, 1), PixelFormat.YUV422P10LE), 9300 + p);
                    run(tcp, c, polling, pooled, frames * 5, new org.mcm.api.media.BlobFormat(1024), 9310 + p);
                }
            }
        }
    }

    static void run(int tcp, ControlClient c, boolean polling, boolean pooled, int frames, org.mcm.api.media.MediaFormat fmt,
            int port) throws Exception {
        int size = (int) fmt.bufferSize();
        String group = "127.0.0.1:" + port;
        try (McmClient client = McmClient.connect("127.0.0.1", tcp);
                Connection rx = client.createRx(ConnectionOptions.builder(fmt).transport("local").remote("127.0.0.1",
                        Integer.parseInt(group.substring(group.indexOf(':') + 1))).polling(polling).proxyBuffers(pooled).build());
                Connection tx = client.createTx(ConnectionOptions.builder(fmt).transport("local").remote("127.0.0.1",
                        Integer.parseInt(group.substring(group.indexOf(':') + 1))).polling(polling).proxyBuffers(pooled).build())) {
            rx.awaitConnected(Duration.ofSeconds(10));
            tx.awaitConnected(Duration.ofSeconds(10));
            Thread.sleep(500); // on purpose: the attach work settles before the flat-out measurement
            // flat out: how many frames per second make it through
            AtomicLong got = new AtomicLong();
            CountDownLatch done = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try {
                    while (got.get() < frames) {
                        McmBuffer b = rx.tryGetBuffer(Duration.ofSeconds(2));
                        if (b == null) {
                            break;
                        }
                        got.incrementAndGet();
                        b.release();
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            });
            reader.start();
            long t0 = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                McmBuffer b = tx.getBuffer(Duration.ofSeconds(5));
                b.data().putLong(0, i);
                b.length(size);
                b.send();
            }
            done.await();
            double secs = (System.nanoTime() - t0) / 1e9;
            double fps = got.get() / secs;

            // lock step: one frame in flight; the sender stamps System.nanoTime() into the frame just before send
            int n = Math.min(frames, 1000);
            long[] lat = new long[n];
            for (int i = 0; i < n; i++) {
                McmBuffer b = tx.getBuffer(Duration.ofSeconds(5));
                b.length(size);
                b.data().putLong(8, System.nanoTime());
                b.send();
                McmBuffer r = rx.getBuffer(Duration.ofSeconds(5));
                lat[i] = System.nanoTime() - r.data().getLong(8);
                r.release();
                Thread.sleep(0, 200_000); // the sender's pace in the latency run
            }
            Arrays.sort(lat);
            Map<String, Long> txStats = tx.memifStats();
            long copied = 0;
            long delivered = 0;
            for (Map<String, Long> m : c.connectionStats("RX").values()) {
                for (Map.Entry<String, Long> e : m.entrySet()) {
                    if (e.getKey().endsWith("bytes_copied")) {
                        copied += e.getValue();
                    } else if (e.getKey().endsWith("frames") && !e.getKey().contains("_frames")) {
                        delivered += e.getValue();
                    }
                }
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %s (%d B) | %.0f (%d/%d) | %.1f | %.1f | %.1f | 0 (view) | 0 (view) | %s |%n",
                    polling ? "polling" : "interrupt", pooled ? "proxy pool (pooled mode)" : "each app's own (upstream layout)",
                    fmt instanceof VideoFormat ? "1080p yuv422p10le" : "blob", size, fps, got.get(), frames,
                    lat[n / 2] / 1e3, lat[(int) (n * 0.99)] / 1e3, lat[Math.min(n - 1, (int) (n * 0.999))] / 1e3,
                    delivered == 0 ? "?" : Long.toString(copied / delivered));
            if (txStats.getOrDefault("tx_frames", 0L) < frames) {
                System.out.println("(sender memif stats: " + txStats + ")");
            }
        }
    }

    static Path copyImage() throws Exception {
        java.lang.reflect.Method m = Class.forName("org.mcm.itests.ApplianceProcessIT").getDeclaredMethod("copyOfImage");
        m.setAccessible(true);
        return (Path) m.invoke(null);
    }

    static final class ProxyUp {
        static boolean canConnect(int port) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 300);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }
    }
}
