package org.mcm.itests;

import static org.mcm.itests.Polls.waitFor;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.itests.support.ControlClient;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** The appliance's bundles in a real Felix, provisioned from the appliance feature. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ProxyIT {

    @Inject
    BundleContext context;
    @Inject
    SessionManager sessions;
    @Inject
    ConfigurationAdmin cm;
    @Inject
    ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        return Provisioning.appliance();
    }

    private int sdkPort() {
        return Integer.parseInt(context.getProperty("mcm.sdk.port"));
    }

    private int grpcPort() {
        return Integer.parseInt(context.getProperty("mcm.grpc.port"));
    }

    @Test
    public void allBundlesActiveAndControlComponentsSatisfied() throws Exception {
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && b.getState() != Bundle.ACTIVE) {
                notActive.add(b.getSymbolicName() + " state " + b.getState());
            }
        }
        assertTrue("bundles not active: " + notActive, notActive.isEmpty());
        Bundle control = bundle("org.mcm.control");
        assertNotNull("api bundle installed", bundle("org.mcm.api"));
        for (String bsn : List.of("org.mcm.control", "org.mcm.memif", "org.mcm.transport.st2110")) {
            Bundle b = bundle(bsn);
            assertNotNull(bsn + " installed", b);
            waitFor(bsn + " components active", () -> unsatisfied(b).isEmpty(), 10_000);
        }
        Collection<ComponentDescriptionDTO> descs = scr.getComponentDescriptionDTOs(control);
        assertTrue("control has its components, found " + descs.size(), descs.size() >= 6);
        // the native platform fragment is attached to the memif bundle
        Bundle fragment = null;
        for (Bundle b : context.getBundles()) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null && b.getSymbolicName().startsWith("org.mcm.native.")) {
                fragment = b;
            }
        }
        assertNotNull("a native fragment is installed", fragment);
        assertEquals("fragment resolved (attached)", Bundle.RESOLVED, fragment.getState());
    }

    private List<String> unsatisfied(Bundle control) {
        List<String> bad = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(control)) {
            Collection<ComponentConfigurationDTO> cfgs = scr.getComponentConfigurationDTOs(d);
            if (cfgs.isEmpty()) {
                bad.add(d.name + " (no configuration)");
            }
            for (ComponentConfigurationDTO c : cfgs) {
                if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
                    bad.add(d.name + " state " + c.state);
                }
            }
        }
        return bad;
    }

    @Test
    public void grpcAnswersHealthAndBothControlServices() {
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
            assertEquals("SERVING", c.health(""));
            assertEquals("SERVING", c.health("controller.Configure"));
            assertEquals("SERVING", c.health("mcm.control.v1.ProxyControl"));
            // upstream-style TxStart opens an ST 2110-20 sender on the st2110 bundle (nothing is sent without frames)
            String reply = c.upstreamTxStart("127.0.0.1", 20000);
            assertTrue(reply, reply.matches("Create MTL TX session: \\d+"));
            int id = Integer.parseInt(reply.substring(reply.lastIndexOf(' ') + 1));
            assertEquals("ACTIVE", c.state(id));
            assertTrue(c.transports().containsAll(List.of("st2110-20", "st2110-30", "st2110-40")));
            assertEquals("gPRC reply: well received.", c.upstreamStop(id));
            assertEquals("NOT_FOUND", c.state(id));
            // a bad request gets upstream's failure text, with the reason
            String bad = c.upstreamTxStart("127.0.0.1", 0);
            assertTrue(bad, bad.startsWith("Create MTL TX session: Failed ("));
            Map<String, Long> stats = c.stats();
            assertTrue(stats.toString(), stats.getOrDefault("sessions_rejected", 0L) >= 1);
        }
    }

    @Test
    public void sdkPortClosesOnBadInputInsteadOfHanging() throws Exception {
        long errorsBefore = counter("sdk_protocol_errors");
        long failedBefore = counter("sdk_requests_failed");
        // a wrong magic: upstream would wait forever; we close
        try (Socket s = connect(sdkPort())) {
            s.getOutputStream().write(new byte[] {'X', 'Y', 'Z', 0, 0x10, 0, 0, 0, 1, 0, 0, 0});
            assertEquals(-1, s.getInputStream().read());
        }
        // a well-formed create for a transport that is not loaded: the client's read fails at once
        try (Socket s = connect(sdkPort())) {
            OutputStream out = s.getOutputStream();
            out.write(createRequest(0 /* tx */, 6 /* RDMA: no such transport loaded (RTSP now is) */));
            assertEquals(-1, s.getInputStream().read());
        }
        // truncated request, then close: nothing leaks, the server keeps serving
        try (Socket s = connect(sdkPort())) {
            s.getOutputStream().write(new byte[] {'m', 'c', 'm', 0, 0x10});
        }
        try (Socket s = connect(sdkPort())) {
            s.getOutputStream().write(header(9, 0));
            assertEquals(-1, s.getInputStream().read());
        }
        waitFor("protocol errors counted", () -> counter("sdk_protocol_errors") >= errorsBefore + 2, 5000);
        assertTrue(counter("sdk_requests_failed") >= failedBefore + 1);
    }

    @Test
    public void sdkSessionOnRuntimeTransportAndDisconnectDeletesIt() throws Exception {
        Path dir = Files.createTempDirectory("tt");
        Bundle t = context.installBundle(TestBundles.transportBundle("rdma", dir).toUri().toString());
        t.start();
        try {
            waitFor("rdma visible", () -> hasTransport("rdma"), 5000);
            long id;
            try (Socket s = connect(sdkPort())) {
                s.getOutputStream().write(createRequest(0, 6));
                byte[] reply = s.getInputStream().readNBytes(4);
                assertEquals(4, reply.length);
                id = Integer.toUnsignedLong(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt());
                SessionInfo info = sessions.get(id).orElseThrow();
                assertEquals(SessionState.ACTIVE, info.state());
                assertEquals("rdma", info.spec().transport());
                assertTrue(info.spec().format().toString(), info.spec().format().toString().contains("1920x1080@60000/1001"));
                assertEquals("127.0.0.1", info.spec().remote().host());
                assertEquals(9002, info.spec().remote().port());
            }
            // the client went away: its session is deleted
            final long sid = id;
            waitFor("session of a vanished client removed", () -> sessions.get(sid).isEmpty(), 5000);
        } finally {
            t.uninstall();
        }
    }

    @Test
    public void configChangeRebindsTheSdkPort() throws Exception {
        int old = sdkPort();
        int fresh = Provisioning.freePort();
        org.osgi.service.cm.Configuration c = cm.getConfiguration("org.mcm.control.sdk", "?");
        Dictionary<String, Object> props = c.getProperties();
        assertFalse("the -t of this run is not stored", Integer.valueOf(old).equals(props.get("port")));
        props.put("port", fresh); // changed while it runs: the latest decision wins over the flag
        c.update(props);
        try {
            waitFor("new port " + fresh + " answers", () -> canConnect(fresh), 10_000);
            waitFor("old port " + old + " closed", () -> !canConnect(old), 10_000);
        } finally {
            props.put("port", old);
            c.update(props);
            waitFor("old port back", () -> canConnect(old), 10_000);
        }
    }

    @Test
    public void transportBundlesComeAndGoStoppingOnlyTheirSessions() throws Exception {
        Path dir = Files.createTempDirectory("tt");
        Bundle a = context.installBundle(TestBundles.transportBundle("test-a", dir).toUri().toString());
        Bundle b = context.installBundle(TestBundles.transportBundle("test-b", dir).toUri().toString());
        a.start();
        b.start();
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
            waitFor("both transports visible", () -> c.transports().containsAll(List.of("test-a", "test-b")), 5000);
            long sa = c.createBlobTx("test-a", 1024);
            long sb = c.createBlobTx("test-b", 1024);
            assertEquals("ACTIVE", c.state(sa));
            assertEquals("ACTIVE", c.state(sb));

            // frames flow through the session into the transport
            SessionManager.Session local = sessions.create(
                    ConnectionSpec.builder(Direction.TX, "test-a", new BlobFormat(64)).build(), "itest", null);
            for (int i = 0; i < 5; i++) {
                HeapFrame f = HeapFrame.allocate(64);
                f.length(10);
                assertTrue(local.input().accept(f));
            }
            assertEquals(Long.valueOf(5), local.info().stats().get("frames"));
            assertEquals(Long.valueOf(50), local.info().stats().get("bytes"));

            a.uninstall();
            waitFor("test-a gone", () -> !c.transports().contains("test-a"), 5000);
            assertEquals("TRANSPORT_GONE", c.state(sa));
            assertEquals(SessionState.TRANSPORT_GONE, local.info().state());
            assertTrue(local.info().reason(), local.info().reason().contains("test-a"));
            assertEquals("only test-a's sessions stop", "ACTIVE", c.state(sb));
            HeapFrame late = HeapFrame.allocate(8);
            assertFalse("a frame after the transport left is refused", local.input().accept(late));
            try {
                c.createBlobTx("test-a", 1024);
                fail("no test-a transport any more");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("FAILED_PRECONDITION"));
            }

            // coming back works without restarting anything
            Bundle a2 = context.installBundle(TestBundles.transportBundle("test-a", dir).toUri().toString() + "#2");
            a2.start();
            waitFor("test-a back", () -> c.transports().contains("test-a"), 5000);
            long sa2 = c.createBlobTx("test-a", 1024);
            assertEquals("ACTIVE", c.state(sa2));
            assertTrue(c.delete(sa2));
            assertTrue(c.delete(sb));
            assertEquals("NOT_FOUND", c.state(sb));
            a2.uninstall();
        } finally {
            if (a.getState() != Bundle.UNINSTALLED) {
                a.uninstall();
            }
            b.uninstall();
        }
    }

    /** One app attached over memif as the C SDK does (memif client with the secret of the reply). */
    private org.mcm.memif.MemifInterface attach(org.mcm.memif.MemifSocket sock, ByteBuffer param, String name, int frameSize)
            throws Exception {
        org.mcm.memif.MemifInterface i = sock.createInterface(org.mcm.memif.InterfaceConfig.builder(0)
                .name(name).secret(cstr(param, 216, 24)).bufferSize(frameSize).log2RingSize(2).build());
        assertTrue(name + " attached", i.awaitConnected(5, java.util.concurrent.TimeUnit.SECONDS));
        return i;
    }

    /** Random 4:2:2 10-bit planar content (every sample below 1024, as a real picture), one frame. */
    private static byte[] frame10(java.util.Random rnd, int size) {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        for (int i = 1; i < size; i += 2) {
            b[i] &= 0x03;
        }
        return b;
    }

    /** Sends n frames through tx and checks each arrives bit-exact at rx; returns what arrived. */
    private static List<byte[]> exchange(org.mcm.memif.MemifInterface tx, org.mcm.memif.MemifInterface rx, List<byte[]> frames,
            String what) throws Exception {
        List<byte[]> got = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            byte[] content = frames.get(i);
            org.mcm.memif.MemifFrame out = tx.acquire(0, 5, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull("a free TX buffer", out);
            out.data().put(0, content);
            out.length(content.length);
            assertTrue(tx.submit(out));
            org.mcm.memif.MemifFrame in = rx.receive(5, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull(what + ": frame " + i + " arrived", in);
            assertEquals(content.length, in.length());
            byte[] b = new byte[content.length];
            in.data().get(0, b);
            in.release();
            assertTrue(what + ": frame " + i + " bit-exact", java.util.Arrays.equals(content, b));
            got.add(b);
        }
        return got;
    }

    private void bypass(String mode) throws Exception {
        org.osgi.service.cm.Configuration c = cm.getConfiguration("org.mcm.control.sessions", "?");
        Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        p.put("bypass", mode);
        c.update(p);
        // ConfigAdmin delivers it asynchronously; the service's properties change once the manager has taken it
        waitFor("the session manager configured with bypass=" + mode, () -> mode.equals(
                context.getServiceReference(SessionManager.class).getProperty("bypass")), 10_000);
    }

    /**
     * Upstream 24.09's sample apps with their default options, in their exact bytes (TCP 8002 + memif client, as the
     * C SDK does): the sender asks for payload type 0 (NONE) to 127.0.0.1:P from local port P, the receiver for
     * ST 2110-20 (1) on local port P. NONE is ST 2110-20 as upstream, so they meet: through shared memory on this
     * proxy (same-proxy bypass), and over the network with the bypass off; the frames are bit-exact and identical
     * either way.
     */
    @Test
    public void upstreamDefaultAppsMeetThroughTheBypassAndOverTheNetworkIdentically() throws Exception {
        org.mcm.memif.service.MemifService memif = memifService();
        int w = 1280;
        int h = 720;
        int frameSize = w * h * 4;
        java.util.Random rnd = new java.util.Random(42);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            frames.add(frame10(rnd, frameSize));
        }
        List<List<byte[]>> results = new ArrayList<>();
        for (String mode : List.of("auto", "off")) {
            bypass(mode);
            int port = Provisioning.freePort();
            try (Socket rxCtl = connect(sdkPort()); Socket txCtl = connect(sdkPort())) {
                long rxId = create(rxCtl, createRequest(1, 1, w, h, port, port));
                long txId = create(txCtl, createRequest(0, 0, w, h, port, port));
                assertEquals("st2110-20", sessions.get(txId).orElseThrow().spec().transport());
                ByteBuffer rxParam = query(rxCtl, rxId);
                ByteBuffer txParam = query(txCtl, txId);
                assertEquals(frameSize, rxParam.getInt(244));
                try (org.mcm.memif.MemifSocket rxSock = memif.openClient(cstr(rxParam, 0, 108));
                        org.mcm.memif.MemifSocket txSock = memif.openClient(cstr(txParam, 0, 108))) {
                    org.mcm.memif.MemifInterface rx = attach(rxSock, rxParam, "itest-rx", frameSize);
                    org.mcm.memif.MemifInterface tx = attach(txSock, txParam, "itest-tx", frameSize);
                    results.add(exchange(tx, rx, frames, "bypass " + mode));
                    Map<String, Long> txStats = sessions.get(txId).orElseThrow().stats();
                    Map<String, Long> rxStats = sessions.get(rxId).orElseThrow().stats();
                    long n = frames.size();
                    if (mode.equals("auto")) {
                        assertEquals(txStats.toString(), Long.valueOf(n), txStats.get("frames_bypass"));
                        assertEquals(txStats.toString(), Long.valueOf(0), txStats.get("frames_wire"));
                        assertEquals(rxStats.toString(), Long.valueOf(n), rxStats.get("frames_bypass"));
                        assertEquals(rxStats.toString(), Long.valueOf(rxId), txStats.get("bypass_peer"));
                    } else {
                        assertEquals(txStats.toString(), Long.valueOf(n), txStats.get("frames_wire"));
                        assertEquals(txStats.toString(), Long.valueOf(0), txStats.get("frames_bypass"));
                        assertEquals(rxStats.toString(), Long.valueOf(n), rxStats.get("frames_wire"));
                    }
                }
            } finally {
                bypass("auto");
            }
        }
        for (int i = 0; i < frames.size(); i++) {
            assertTrue("frame " + i + " identical through shared memory and the network",
                    java.util.Arrays.equals(results.get(0).get(i), results.get(1).get(i)));
        }
        waitFor("sessions deleted", () -> sessions.list().stream().noneMatch(s -> s.spec().transport().equals("st2110-20")
                && s.owner().startsWith("sdk:") && !s.state().isTerminal()), 5000);
    }

    /**
     * The bypass switches live: a receiver leaving sends its sender back to the network (it lives on, frames go out
     * on the wire), a receiver coming back takes the frames through shared memory again; the sender is never
     * touched.
     */
    @Test
    public void bypassFollowsTheReceiverLeavingAndComingBackWithoutTouchingTheSender() throws Exception {
        org.mcm.memif.service.MemifService memif = memifService();
        int w = 320;
        int h = 240;
        int frameSize = w * h * 4;
        java.util.Random rnd = new java.util.Random(7);
        int port = Provisioning.freePort();
        try (Socket txCtl = connect(sdkPort())) {
            long txId = -1;
            ByteBuffer txParam = null;
            try (Socket rxCtl = connect(sdkPort())) {
                long rxId = create(rxCtl, createRequest(1, 1, w, h, port, port));
                txId = create(txCtl, createRequest(0, 0, w, h, port, port));
                txParam = query(txCtl, txId);
                ByteBuffer rxParam = query(rxCtl, rxId);
                org.mcm.memif.MemifSocket txSock = memif.openClient(cstr(txParam, 0, 108));
                org.mcm.memif.MemifInterface tx = attach(txSock, txParam, "itest-live-tx", frameSize);
                try (org.mcm.memif.MemifSocket rxSock = memif.openClient(cstr(rxParam, 0, 108))) {
                    org.mcm.memif.MemifInterface rx = attach(rxSock, rxParam, "itest-live-rx", frameSize);
                    exchange(tx, rx, List.of(frame10(rnd, frameSize), frame10(rnd, frameSize)), "first receiver");
                }
                // the receiver's app and session go away
                destroy(rxCtl, rxId);
                long tid = txId;
                waitFor("sender back on the network", () -> sessions.get(tid).orElseThrow().stats().get("bypass_peer") == 0L, 5000);
                // something listens on the port now (once the receiver's socket is closed): the sender's frames go out
                // on the wire
                waitFor("receiver session ended", () -> sessions.get(rxId).map(i -> i.state().isTerminal()).orElse(true), 5000);
                try (java.nio.channels.DatagramChannel listener = java.nio.channels.DatagramChannel.open()) {
                    waitFor("port " + port + " free to bind", () -> {
                        try {
                            listener.bind(new InetSocketAddress("127.0.0.1", port));
                            return true;
                        } catch (java.io.IOException e) {
                            return false;
                        }
                    }, 5000);
                    org.mcm.memif.MemifFrame out = tx.acquire(0, 5, java.util.concurrent.TimeUnit.SECONDS);
                    assertNotNull(out);
                    out.data().put(0, frame10(rnd, frameSize));
                    out.length(frameSize);
                    assertTrue(tx.submit(out));
                    ByteBuffer pkt = ByteBuffer.allocate(2048);
                    listener.socket().setSoTimeout(5000);
                    listener.receive(pkt);
                    assertTrue("an RTP packet", pkt.position() > 12 && (pkt.get(0) & 0xC0) == 0x80);
                    waitFor("frame counted on the wire", () -> sessions.get(tid).orElseThrow().stats().get("frames_wire") >= 1L, 5000);
                }
                assertEquals(SessionState.ACTIVE, sessions.get(txId).orElseThrow().state());
                // a receiver again: shared memory again, the same sender
                try (Socket rx2Ctl = connect(sdkPort())) {
                    long rx2 = create(rx2Ctl, createRequest(1, 1, w, h, port, port));
                    ByteBuffer rx2Param = query(rx2Ctl, rx2);
                    try (org.mcm.memif.MemifSocket rxSock = memif.openClient(cstr(rx2Param, 0, 108))) {
                        org.mcm.memif.MemifInterface rx = attach(rxSock, rx2Param, "itest-live-rx2", frameSize);
                        waitFor("paired again", () -> sessions.get(tid).orElseThrow().stats().get("bypass_peer") == rx2, 5000);
                        exchange(tx, rx, List.of(frame10(rnd, frameSize), frame10(rnd, frameSize)), "second receiver");
                    }
                    Map<String, Long> st = sessions.get(txId).orElseThrow().stats();
                    assertEquals(st.toString(), Long.valueOf(4), st.get("frames_bypass"));
                    assertEquals(st.toString(), Long.valueOf(1), st.get("frames_wire"));
                    assertEquals(SessionState.ACTIVE, sessions.get(txId).orElseThrow().state());
                }
                txSock.close();
            }
        }
    }

    /**
     * Stopping the ST 2110 bundle stops exactly its sessions, detaches their apps with the reason, leaves other
     * transports' sessions running; starting it again makes new sessions possible, without restarting anything.
     */
    @Test
    public void st2110BundleHotSwapStopsOnlyItsSessionsAndTellsTheApps() throws Exception {
        Bundle st2110 = bundle("org.mcm.transport.st2110");
        assertNotNull(st2110);
        org.mcm.memif.service.MemifService memif = memifService();
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort()); Socket rxCtl = connect(sdkPort())) {
            String reply = c.upstreamTxStart("127.0.0.1", 20002);
            long txId = Long.parseLong(reply.substring(reply.lastIndexOf(' ') + 1));
            SessionManager.Session local = sessions.create(ConnectionSpec.builder(Direction.TX, "local", new BlobFormat(64))
                    .option("group", "hot-swap-test").build(), "itest", null);
            // an SDK app receiving ST 2110-20 over memif
            long rxId = create(rxCtl, createRequest(1, 1, 640, 480, Provisioning.freePort(), 0));
            ByteBuffer rxParam = query(rxCtl, rxId);
            String path = cstr(rxParam, 0, 108);
            try (org.mcm.memif.MemifSocket sock = memif.openClient(path)) {
                org.mcm.memif.MemifInterface app = sock.createInterface(org.mcm.memif.InterfaceConfig.builder(0)
                        .name("itest-app").secret(cstr(rxParam, 216, 24)).bufferSize(640 * 480 * 4).log2RingSize(2).build());
                assertTrue(app.awaitConnected(5, java.util.concurrent.TimeUnit.SECONDS));

                st2110.stop();
                waitFor("st2110 sessions gone", () -> "TRANSPORT_GONE".equals(c.state(txId))
                        && "TRANSPORT_GONE".equals(c.state(rxId)), 5000);
                assertFalse(c.transports().contains("st2110-20"));
                assertEquals("the local transport's session runs on", SessionState.ACTIVE, local.info().state());
                assertTrue("the app is detached", app.awaitDisconnected(5, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(app.lastDisconnectReason(), app.lastDisconnectReason().contains("TRANSPORT_GONE"));
            } finally {
                st2110.start();
            }
            waitFor("st2110 back", () -> c.transports().contains("st2110-20"), 5000);
            String again = c.upstreamTxStart("127.0.0.1", 20003);
            assertTrue(again, again.matches("Create MTL TX session: \\d+"));
            long id2 = Long.parseLong(again.substring(again.lastIndexOf(' ') + 1));
            assertEquals("ACTIVE", c.state(id2));
            c.upstreamStop((int) id2);
            local.close();
        }
    }

    /**
     * The JPEG XS native fragment attaches to the codec and its library loads in Felix through Bundle-NativeCode
     * (the codec's package-private JxsNative, reached through the bundle's class loader, reports no failure).
     */
    @Test
    public void jpegxsNativeFragmentLoadsInFelix() throws Exception {
        Bundle codec = bundle("org.mcm.codec.jpegxs");
        Bundle fragment = bundle("org.mcm.native.jpegxs.linux.x86_64");
        assertNotNull(codec);
        assertNotNull("the fragment is in the appliance", fragment);
        assertEquals(Bundle.RESOLVED, fragment.getState());
        Class<?> jn = codec.loadClass("org.mcm.codec.jpegxs.JxsNative");
        java.lang.reflect.Method reason = jn.getDeclaredMethod("unavailableReason");
        reason.setAccessible(true);
        assertEquals("native JPEG XS decoder in Felix", null, reason.invoke(null));
    }

    /** ST 2110-22 exists only while the JPEG XS codec bundle runs; its sessions go with the codec. */
    @Test
    public void st2110_22FollowsTheCodecBundle() throws Exception {
        Bundle codec = bundle("org.mcm.codec.jpegxs");
        assertNotNull(codec);
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
            waitFor("st2110-22 offered", () -> c.transports().contains("st2110-22"), 5000);
            SessionManager.Session s = sessions.create(ConnectionSpec.builder(Direction.TX, "st2110-22",
                    new org.mcm.api.media.VideoFormat(256, 128, org.mcm.api.media.Rational.of(30, 1),
                            org.mcm.api.media.PixelFormat.YUV422P10LE))
                    .remote(new org.mcm.api.connection.Endpoint("127.0.0.1", Provisioning.freePort())).build(), "itest", null);
            assertEquals(SessionState.ACTIVE, s.info().state());
            assertTrue(s.info().description(), s.info().description().contains("jxsv/90000"));
            codec.stop();
            try {
                waitFor("st2110-22 gone with the codec", () -> !c.transports().contains("st2110-22"), 5000);
                assertEquals(SessionState.TRANSPORT_GONE, s.info().state());
                assertTrue("st2110-20 unaffected", c.transports().contains("st2110-20"));
            } finally {
                codec.start();
            }
            waitFor("st2110-22 back", () -> c.transports().contains("st2110-22"), 5000);
        }
    }

    @Test
    public void senderSdpConfiguresAReceiverOverGrpc() throws Exception {
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
            int port = Provisioning.freePort();
            long tx = c.createVideoTx("127.0.0.1", port);
            String[] d = c.describe(tx);
            assertTrue(d[0], d[0].contains("m=video " + port + " RTP/AVP 112"));
            assertTrue(d[0], d[0].contains("a=fmtp:112 sampling=YCbCr-4:2:2; width=640; height=480; exactframerate=30; depth=8"));
            long rx = c.createFromSdp(d[0]);
            String[] r = c.describe(rx);
            assertEquals("ACTIVE", c.state(rx));
            assertEquals("640x480 uyvy422", r[1]);
            assertEquals("st2110-20", r[2]);
            assertEquals(Integer.toString(port), r[3]);
            try {
                c.createFromSdp("v=0\nm=video 99999 RTP/AVP 96\n");
                fail("malformed SDP accepted");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("INVALID_ARGUMENT") && e.getMessage().contains("port"));
            }
            assertTrue(c.delete(rx));
            assertTrue(c.delete(tx));
        }
    }

    /**
     * Each session's memif interface has its own random secret, handed only to the app that created the session:
     * another local process that finds the socket cannot attach without it (no secret, a wrong one, or another
     * session's), and the right one attaches afterwards.
     */
    @Test
    public void memifSessionsAdmitOnlyTheirOwnSecret() throws Exception {
        org.mcm.memif.service.MemifService memif = memifService();
        int frameSize = 640 * 480 * 4;
        try (Socket a = connect(sdkPort()); Socket b = connect(sdkPort())) {
            long idA = create(a, createRequest(1, 1, 640, 480, Provisioning.freePort(), 0));
            long idB = create(b, createRequest(1, 1, 640, 480, Provisioning.freePort(), 0));
            ByteBuffer pa = query(a, idA);
            ByteBuffer pb = query(b, idB);
            String path = cstr(pa, 0, 108);
            String secretA = cstr(pa, 216, 24);
            String secretB = cstr(pb, 216, 24);
            assertTrue("a secret of 1..23 characters: '" + secretA + "'", secretA.length() >= 16 && secretA.length() <= 23);
            assertFalse("per-session secrets", secretA.equals(secretB));
            for (String[] attempt : new String[][] {{"", "Secret required"}, {"guess", "Incorrect secret"},
                    {secretB, "Incorrect secret"}}) {
                try (org.mcm.memif.MemifSocket sock = memif.openClient(path)) {
                    org.mcm.memif.MemifInterface intruder = sock.createInterface(org.mcm.memif.InterfaceConfig.builder(0)
                            .name("intruder").secret(attempt[0]).bufferSize(frameSize).log2RingSize(2).build());
                    assertFalse("attached with secret '" + attempt[0] + "'",
                            intruder.awaitConnected(1, java.util.concurrent.TimeUnit.SECONDS));
                    assertTrue(intruder.lastDisconnectReason(), intruder.lastDisconnectReason().contains(attempt[1]));
                }
            }
            assertFalse(sessions.get(idA).orElseThrow().state().isTerminal());
            try (org.mcm.memif.MemifSocket sock = memif.openClient(path)) {
                org.mcm.memif.MemifInterface app = sock.createInterface(org.mcm.memif.InterfaceConfig.builder(0)
                        .name("owner").secret(secretA).bufferSize(frameSize).log2RingSize(2).build());
                assertTrue("the owner attaches with its secret", app.awaitConnected(5, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
    }

    /** The default SDK policy (compat) admits upstream clients from loopback only: other sources are refused. */
    @Test
    public void sdkPolicyRefusesUntrustedSourcesAndStrictRefusesTokenlessClients() throws Exception {
        org.osgi.service.cm.Configuration c = cm.getConfiguration("org.mcm.control.sdk", "?");
        Dictionary<String, Object> saved = c.getProperties();
        java.nio.file.Path dir = java.nio.file.Path.of(context.getProperty("mcm.memif.dir"));
        java.net.InetAddress lo1 = java.net.InetAddress.getByName("127.0.0.1");
        java.net.InetAddress lo2 = java.net.InetAddress.getByName("127.0.0.2");
        try {
            Dictionary<String, Object> props = copy(saved);
            props.put("trustedNetworks", new String[] {"127.0.0.1/32"});
            props.put("tokens", new String[] {"itest-token"});
            c.update(props);
            waitFor("tokens applied", () -> admitted(lo2, "itest-token"), 10_000);
            assertFalse("127.0.0.2 is not trusted", admitted(lo2, null));
            assertTrue("127.0.0.1 is still trusted", admitted(lo1, null));

            props.put("authPolicy", "strict");
            c.update(props);
            waitFor("strict applied", () -> !admitted(lo1, null) && admitted(lo1, "itest-token"), 10_000);
            long socketsBefore = memifSockets(dir);
            long sessionsBefore = sessions.list().stream().filter(s -> !s.state().isTerminal()).count();
            long refusedBefore = counter("sdk_auth_refused");
            assertFalse(admitted(lo1, "wrong-token"));
            assertFalse(admitted(lo1, null));
            long sessionsAfter = sessions.list().stream().filter(s -> !s.state().isTerminal()).count();
            assertTrue("refused clients made no session: " + sessionsBefore + " -> " + sessionsAfter,
                    sessionsAfter <= sessionsBefore); // (the last admitted client's session may still be going away)
            assertTrue("no memif socket for refused clients", memifSockets(dir) <= socketsBefore);
            assertEquals(refusedBefore + 2, counter("sdk_auth_refused"));
            assertTrue(admitted(lo1, "itest-token"));
        } finally {
            c.update(saved);
        }
        waitFor("default policy back", () -> admitted(lo1, null), 10_000);
    }

    private static long memifSockets(java.nio.file.Path dir) throws IOException {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return 0;
        }
        try (java.util.stream.Stream<java.nio.file.Path> l = java.nio.file.Files.list(dir)) {
            return l.filter(p -> p.getFileName().toString().startsWith("media_proxy_")).count();
        }
    }

    private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        Dictionary<String, Object> out = new Hashtable<>();
        for (java.util.Enumeration<String> e = d.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            out.put(k, d.get(k));
        }
        return out;
    }

    /** Connects from {@code from}, optionally sends AUTH, asks for a session (and deletes it again by closing). */
    private boolean admitted(java.net.InetAddress from, String token) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", sdkPort()), 2000);
            s.setSoTimeout(5000);
            if (token != null) {
                byte[] t = token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                s.getOutputStream().write(ByteBuffer.allocate(12 + t.length).put(header(16, t.length)).put(t).array());
                byte[] r = s.getInputStream().readNBytes(4);
                if (r.length < 4 || ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt() != 0) {
                    return false;
                }
            }
            s.getOutputStream().write(createRequest(0, 0, 64, 64, 0, 7200));
            return s.getInputStream().readNBytes(4).length == 4;
        } catch (IOException e) {
            return false;
        }
    }

    private org.mcm.memif.service.MemifService memifService() throws InterruptedException {
        org.osgi.util.tracker.ServiceTracker<org.mcm.memif.service.MemifService, org.mcm.memif.service.MemifService> t =
                new org.osgi.util.tracker.ServiceTracker<>(context, org.mcm.memif.service.MemifService.class, null);
        t.open();
        org.mcm.memif.service.MemifService m = t.waitForService(10_000);
        assertNotNull("MemifService registered", m);
        return m;
    }

    /** DESTROY_SESSION (2) as the C SDK sends it; the proxy closes the connection afterwards. */
    static void destroy(Socket s, long id) throws IOException {
        s.getOutputStream().write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).put(header(2, 4)).putInt((int) id).array());
        s.getOutputStream().flush();
    }

    static long create(Socket s, byte[] request) throws IOException {
        s.getOutputStream().write(request);
        byte[] reply = s.getInputStream().readNBytes(4);
        assertEquals("create session answered", 4, reply.length);
        return Integer.toUnsignedLong(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    static ByteBuffer query(Socket s, long id) throws IOException {
        ByteBuffer q = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        q.put(header(5, 4)).putInt((int) id);
        s.getOutputStream().write(q.array());
        byte[] reply = s.getInputStream().readNBytes(296);
        assertEquals("memif_conn_param", 296, reply.length);
        return ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String cstr(ByteBuffer b, int off, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < max && b.get(off + i) != 0; i++) {
            sb.append((char) b.get(off + i));
        }
        return sb.toString();
    }

    // ---- helpers ----

    private long counter(String name) {
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
            return c.stats().getOrDefault(name, 0L);
        }
    }

    private boolean hasTransport(String protocol) {
        return sessions.transports().stream().anyMatch(t -> t.protocol().equals(protocol));
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] header(int inst, int len) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'m', 'c', 'm', 0, 0x10, 0, 0, 0});
        b.putShort((short) inst).putShort((short) len);
        return b.array();
    }

    /** A 24.09 C SDK create-session request for 1080p59.94 yuv422p10le to 127.0.0.1:9002, by documented offsets. */
    static byte[] createRequest(int type, int payloadType) {
        return createRequest(type, payloadType, 1920, 1080, 0, 9002);
    }

    static byte[] createRequest(int type, int payloadType, int w, int h, int localPort, int remotePort) {
        ByteBuffer b = ByteBuffer.allocate(12 + 304).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header(1, 304));
        int base = 12;
        b.putInt(base, type);
        b.putInt(base + 4, 0); // PROTO_AUTO
        if (localPort > 0) {
            b.put(base + 54, Integer.toString(localPort).getBytes());
        }
        b.put(base + 60, "127.0.0.1".getBytes());
        b.put(base + 106, Integer.toString(remotePort).getBytes());
        b.putInt(base + 228, payloadType);
        b.putInt(base + 264, w);
        b.putInt(base + 268, h);
        b.putDouble(base + 272, 59.94);
        b.putInt(base + 280, 2); // YUV422P_10BIT_LE
        return b.array();
    }



}
