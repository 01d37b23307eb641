package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.NetNamespace;
import org.mcm.api.testing.TestApp;

/**
 * ST 2110-20 multicast across a network namespace the test creates: a veth pair joins this (root) namespace and
 * a private one where GStreamer runs. Traffic stays on that pair. Skipped with a message where namespaces cannot
 * be created (not root, no iproute2) or GStreamer is missing outside CI.
 */
class MulticastNamespaceTest {

    static NetNamespace ns;
    static String VB;
    static int SUBNET;
    static String IP_A;

    @TempDir
    Path tmp;

    @BeforeAll
    static void createNamespace() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(GStreamerInteropTest.GST)) || "true".equals(System.getenv("CI")),
                "GStreamer not installed");
        ns = NetNamespace.create("mcmt", 213);
        Assumptions.assumeTrue(ns != null, NetNamespace.UNAVAILABLE + ": multicast test skipped");
        ns.routeMulticast();
        VB = ns.nsIf;
        SUBNET = ns.subnet;
        IP_A = ns.hostIp;
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    static String caps(int w, int h) {
        return "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)RAW,"
                + "sampling=(string)YCbCr-4:2:2,depth=(string)10,width=(string)" + w + ",height=(string)" + h
                + ",colorimetry=(string)BT709-2,payload=(int)112,a-framerate=(string)30";
    }

    @Test
    void javaSendsMulticastIntoTheNamespaceGStreamerReceives() throws Exception {
        int w = 640;
        int h = 480;
        int frames = 15;
        PixelFormat pf = PixelFormat.YUV422_10_PGROUP;
        int size = (int) pf.frameSize(w, h);
        String group = "239.213." + SUBNET + ".1";
        int port = 20000 + SUBNET;
        Path out = tmp.resolve("ns-rx.raw");
        Path log = tmp.resolve("ns-rx.log");
        Process rx = new ProcessBuilder(ns.command(GStreamerInteropTest.GST, "-q", "-e", "udpsrc",
                "multicast-group=" + group, "port=" + port, "multicast-iface=" + VB, "buffer-size=33554432",
                "caps=" + caps(w, h), "!", "rtpvrawdepay", "!", "video/x-raw,format=UYVP", "!", "filesink",
                "location=" + out)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GStreamerInteropTest.awaitListening(rx, port, group, log);
        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(5);
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("wide", IP_A));
        try {
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-20", new VideoFormat(w, h, Rational.of(30, 1), pf))
                    .remote(new Endpoint(group, port)).build(), TestSupport.txContext());
            assertTrue(tx.description().contains("a=source-filter: incl IN IP4 " + group + " " + IP_A), tx.description());
            for (int i = 0; i < frames; i++) {
                byte[] b = new byte[size];
                r.nextBytes(b);
                sent.add(b);
                TestSupport.offer(tx, b);
            }
            GStreamerInteropTest.awaitSentAndTaken(tx, "frames", frames, rx, port);
        } finally {
            t.deactivate();
        }
        GStreamerInteropTest.interruptAndWait(rx, log);
        byte[] all = Files.readAllBytes(out);
        assertEquals((long) size * frames, all.length, "GStreamer in the namespace got every frame");
        for (int i = 0; i < frames; i++) {
            assertArrayEquals(sent.get(i), Arrays.copyOfRange(all, i * size, (i + 1) * size), "frame " + i);
        }
    }

    @Test
    void gstreamerSendsMulticastFromTheNamespaceJavaJoinsAndReceives() throws Exception {
        int w = 640;
        int h = 480;
        int frames = 15;
        PixelFormat pf = PixelFormat.YUV422_10_PGROUP;
        int size = (int) pf.frameSize(w, h);
        String group = "239.213." + SUBNET + ".2";
        int port = 21000 + SUBNET;
        String raw = "video/x-raw,format=UYVP,width=" + w + ",height=" + h + ",framerate=30/1,colorimetry=bt709";
        Path ref = tmp.resolve("ref.raw");
        GStreamerInteropTest.run(tmp.resolve("ref.log"), "videotestsrc", "pattern=smpte", "num-buffers=" + frames, "!", raw, "!",
                "filesink", "location=" + ref);
        byte[] all = Files.readAllBytes(ref);
        St2110Transports.Video t = new St2110Transports.Video();
        t.activate(TestSupport.settings("wide", IP_A));
        TestApp app = new TestApp(frames + 2, size);
        try {
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-20", new VideoFormat(w, h, Rational.of(30, 1), pf))
                    .local(new Endpoint("", port)).remote(new Endpoint(group, 0)).payloadType(96).build(), app);
            Process tx = new ProcessBuilder(ns.command(GStreamerInteropTest.GST, "-q", "videotestsrc", "pattern=smpte",
                    "num-buffers=" + frames, "!", raw, "!", "rtpvrawpay", "pt=96", "!", "udpsink", "host=" + group, "port=" + port,
                    "multicast-iface=" + VB, "ttl-mc=1", "sync=true")).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("ns-tx.log").toFile()).start();
            assertTrue(tx.waitFor(60, TimeUnit.SECONDS));
            for (int i = 0; i < frames; i++) {
                byte[] got = app.take(5000);
                assertNotNull(got, "frame " + i + " stats " + rx.stats());
                assertArrayEquals(Arrays.copyOfRange(all, i * size, (i + 1) * size), got, "frame " + i);
            }
        } finally {
            t.deactivate();
        }
    }

    /** ST 2110-40 multicast out: what GStreamer's plain udpsrc in the namespace gets is the RFC 8331 packets sent. */
    @Test
    void ancillaryMulticastIntoTheNamespace() throws Exception {
        String group = "239.213." + SUBNET + ".3";
        int port = 22000 + SUBNET;
        int packets = 10;
        Path out = tmp.resolve("anc-rx.bin");
        Path log = tmp.resolve("anc-rx.log");
        Process rx = new ProcessBuilder(ns.command(GStreamerInteropTest.GST, "-q", "-e", "udpsrc",
                "multicast-group=" + group, "port=" + port, "multicast-iface=" + VB, "!", "filesink",
                "location=" + out)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GStreamerInteropTest.awaitListening(rx, port, group, log);
        byte[] words = "multicast captions".getBytes();
        int[] asInts = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            asInts[i] = words[i];
        }
        St2110Transports.Anc t = new St2110Transports.Anc();
        t.activate(TestSupport.settings("wide", IP_A));
        try {
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-40", new org.mcm.api.media.BlobFormat(255))
                    .remote(new Endpoint(group, port)).build(), TestSupport.txContext());
            assertTrue(tx.description().contains("c=IN IP4 " + group + "/32"), tx.description());
            for (int i = 0; i < packets; i++) {
                assertTrue(tx.input().accept(TestSupport.frameOf(words)));
            }
            GStreamerInteropTest.awaitSentAndTaken(tx, "packets", packets, rx, port);
        } finally {
            t.deactivate();
        }
        GStreamerInteropTest.interruptAndWait(rx, log);
        byte[] all = Files.readAllBytes(out);
        int len = Rtp.HEADER + Rfc8331.PAYLOAD_HEADER + Rfc8331.ancBytes(words.length);
        assertEquals((long) len * packets, all.length, "every packet crossed into the namespace");
        for (int i = 0; i < packets; i++) {
            java.nio.ByteBuffer p = java.nio.ByteBuffer.wrap(all, i * len, len).slice();
            byte[] want = Rfc8331Test.refRtp(true, 113, (Short.toUnsignedInt(p.getShort(12)) << 16) | Rtp.seq(p, 0),
                    Rtp.timestamp(p, 0), Rtp.ssrc(p, 0), 0,
                    new Rfc8331Test.Ref(0, 10, 0, 0, 0, 0x43, 0x02, Rfc8331Test.words8(asInts)));
            assertArrayEquals(want, Arrays.copyOfRange(all, i * len, (i + 1) * len), "packet " + i);
        }
    }

    /** ST 2110-40 multicast in: golden RFC 8331 packets sent from the namespace, the Java receiver joins the group. */
    @Test
    void ancillaryMulticastFromTheNamespace() throws Exception {
        String group = "239.213." + SUBNET + ".4";
        int port = 23000 + SUBNET;
        int packets = 8;
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < packets; i++) {
            byte[] pkt = Rfc8331Test.refRtp(true, 113, 100 + i, 1000L * i, 77, 0, Rfc8331Test.CAPTION,
                    new Rfc8331Test.Ref(0, 11, 0, 0, 0, 0x41, 0x05, Rfc8331Test.words8(i, i + 1, i + 2)));
            sent.add(pkt);
            Files.write(tmp.resolve("pkt" + i + ".bin"), pkt);
        }
        St2110Transports.Anc t = new St2110Transports.Anc();
        t.activate(TestSupport.settings("wide", IP_A));
        TestApp app = new TestApp(packets + 2, 1460);
        try {
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-40", new org.mcm.api.media.BlobFormat(1460))
                    .local(new Endpoint("", port)).remote(new Endpoint(group, 0)).build(), app);
            Process tx = new ProcessBuilder(ns.command(GStreamerInteropTest.GST, "-q", "multifilesrc",
                    "location=" + tmp.resolve("pkt%d.bin"), "index=0", "stop-index=" + (packets - 1), "!", "udpsink",
                    "host=" + group, "port=" + port, "multicast-iface=" + VB, "ttl-mc=1", "sync=false"))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("anc-tx.log").toFile()).start();
            assertTrue(tx.waitFor(60, TimeUnit.SECONDS));
            for (int i = 0; i < packets; i++) {
                byte[] got = app.take(5000);
                assertNotNull(got, "packet " + i + " stats " + rx.stats());
                assertArrayEquals(sent.get(i), got, "packet " + i);
            }
            assertEquals((long) 2 * packets, rx.stats().get("anc_packets"));
        } finally {
            t.deactivate();
        }
    }
}
