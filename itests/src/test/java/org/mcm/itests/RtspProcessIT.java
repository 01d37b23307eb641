package org.mcm.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.api.media.BlobFormat;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.McmBuffer;
import org.mcm.sdk.McmClient;

/**
 * The RTSP issue's done check with the real appliance as a process: a camera (GStreamer, RTP push) streams into two
 * apps through the proxy (upstream payload type 5): {@code bin/mcm-receiver -t rtsp} writing a .h264 file, and an
 * app on the Java SDK that puts every access unit it gets into a TX session, which the proxy's RTSP server serves to
 * FFmpeg. Both ends must hold the camera's elementary stream: every NAL unit equal and in order.
 */
public class RtspProcessIT {

    private static Path home;
    private static Path work;

    @BeforeClass
    public static void setUp() throws IOException {
        home = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-rtsp");
    }

    @AfterClass
    public static void tearDown() throws IOException {
        ApplianceProcessIT.delete(home);
        ApplianceProcessIT.delete(work);
    }

    @Test(timeout = 180_000)
    public void cameraIntoAppsThroughTheProxyAndOutToFfmpegByteEqual() throws Exception {
        H264Camera.require(H264Camera.GST);
        H264Camera.require("/usr/bin/ffmpeg");
        int tcp = Provisioning.freePort();
        int rtspPort = Provisioning.freePort();
        int camToReceiver = Provisioning.freePort();
        int camToForwarder = Provisioning.freePort();
        int txName = Provisioning.freePort();
        Files.writeString(home.resolve("deploy/org.mcm.transport.rtsp.cfg"), "rtspPort=" + rtspPort + "\n");
        Path received = work.resolve("mcm-receiver.h264");
        Path served = work.resolve("ffmpeg.h264");
        List<Process> procs = new ArrayList<>();
        try (ApplianceProcessIT.Proxy proxy = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t", Integer.toString(tcp),
                "-g", Integer.toString(Provisioning.freePort()), "--console-port", Integer.toString(Provisioning.freePort()),
                "--memif-dir", work.resolve("memif").toString())) {
            proxy.line("INFO: TCP Server listening on", 60_000);
            Polls.waitFor("RTSP server on " + rtspPort, () -> answers(rtspPort), 30_000);

            ProcessBuilder rxb = new ProcessBuilder(SdkEndToEndIT.cmd(home, "mcm-receiver", new String[] {"-P",
                    Integer.toString(tcp), "-t", "rtsp", "-l", "127.0.0.1:" + camToReceiver, "-o", received.toString(),
                    "--idle-timeout", "4", "-q"}));
            rxb.environment().put("JAVA", SdkEndToEndIT.javaBin());
            rxb.redirectErrorStream(true).redirectOutput(work.resolve("rx.out").toFile());
            Process rx = rxb.start();
            procs.add(rx);

            McmClient client = McmClient.connect("127.0.0.1", tcp);
            Connection in = client.createRx(ConnectionOptions.builder(new BlobFormat(5_184_000)).transport("rtsp")
                    .local("127.0.0.1", camToForwarder).build());
            Connection out = client.createTx(ConnectionOptions.builder(new BlobFormat(5_184_000)).transport("rtsp")
                    .local("", txName).build());
            AtomicLong forwarded = new AtomicLong();
            Thread app = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        McmBuffer b = in.tryGetBuffer(Duration.ofMillis(200));
                        if (b == null) {
                            continue;
                        }
                        McmBuffer t = out.getBuffer(Duration.ofSeconds(2));
                        ByteBuffer src = b.data().duplicate();
                        src.clear().limit(b.length());
                        t.data().duplicate().clear().put(src);
                        t.length(b.length());
                        t.send();
                        b.release();
                        forwarded.incrementAndGet();
                    }
                } catch (Exception e) {
                    // connection closed at the end
                }
            }, "rtsp-it-app");
            app.start();
            // in and out are attached (the SDK's create waits for the memif link); the receiver app says so when it is
            Polls.waitForText(work.resolve("rx.out"), "mcm-receiver: session", 30_000);

            H264Camera camera = H264Camera.start(work, "camera", 640, 360, 30, 15, 1500, 240, camToReceiver,
                    camToForwarder);
            Process cam = camera.process;
            procs.add(cam);
            // the camera's first access unit went through the app into the TX session (parameter sets for DESCRIBE)
            Polls.waitFor("an access unit forwarded to the RTSP server", () -> forwarded.get() > 0, 20_000);
            String url = "rtsp://127.0.0.1:" + rtspPort + "/" + txName;
            Process ff = new ProcessBuilder("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning",
                    "-rtsp_transport", "tcp", "-i", url, "-c", "copy", "-f", "h264", served.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("ffmpeg.log").toFile()).start();
            procs.add(ff);
            assertTrue("camera ends", cam.waitFor(60, TimeUnit.SECONDS));
            // the last access units reach the app and go out: its count stays put for 0.3 s
            org.awaitility.Awaitility.await("the app forwarding the camera's last access units").dontCatchUncaughtExceptions()
                    .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(org.mcm.api.testing.Ready.settled(forwarded::get, 3));
            out.close(); // the TX session ends: FFmpeg's connection closes
            assertTrue("ffmpeg ends: " + Files.readString(work.resolve("ffmpeg.log")), ff.waitFor(30, TimeUnit.SECONDS));
            app.interrupt();
            app.join(5000);
            in.close();
            client.close();
            assertTrue("mcm-receiver ends", rx.waitFor(30, TimeUnit.SECONDS));
            assertEquals("mcm-receiver: " + Files.readString(work.resolve("rx.out")), 0, rx.exitValue());

            List<byte[]> src = H264Camera.nals(Files.readAllBytes(camera.reference()));
            List<byte[]> got = H264Camera.nals(Files.readAllBytes(received));
            int at = H264Camera.indexOf(src, got);
            assertTrue("mcm-receiver's " + got.size() + " NAL units are a run of the camera's " + src.size(), at > 0);
            assertEquals("... up to the camera's last", src.size(), at + got.size());
            assertTrue("most of the stream: " + got.size() + " of " + src.size(), got.size() > src.size() * 3 / 4);

            List<byte[]> srcSlices = src.stream().filter(n -> (n[0] & 0x1F) != 7 && (n[0] & 0x1F) != 8).toList();
            List<byte[]> ffAll = H264Camera.nals(Files.readAllBytes(served));
            List<byte[]> ffSlices = ffAll.stream().filter(n -> (n[0] & 0x1F) != 7 && (n[0] & 0x1F) != 8).toList();
            assertTrue("ffmpeg wrote " + ffSlices.size() + " NAL units", ffSlices.size() > 100);
            assertTrue("ffmpeg's NAL units are a run of the camera's", H264Camera.indexOf(srcSlices, ffSlices) >= 0);
            byte[] sps = src.stream().filter(n -> (n[0] & 0x1F) == 7).findFirst().orElseThrow();
            assertArrayEquals(sps, ffAll.stream().filter(n -> (n[0] & 0x1F) == 7).findFirst().orElseThrow());
            assertTrue("the app forwarded " + forwarded.get(), forwarded.get() > 150);
        } finally {
            for (Process p : procs) {
                p.destroyForcibly();
            }
        }
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] b = s.getInputStream().readNBytes(15);
            return new String(b, StandardCharsets.US_ASCII).startsWith("RTSP/1.0 200");
        } catch (IOException e) {
            return false;
        }
    }
}
