package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.mcm.itests.ProxyIT.canConnect;
import static org.mcm.itests.ProxyIT.connect;
import static org.mcm.itests.ProxyIT.create;
import static org.mcm.itests.ProxyIT.createRequest;
import static org.mcm.itests.ProxyIT.cstr;
import static org.mcm.itests.ProxyIT.header;
import static org.mcm.itests.ProxyIT.query;
import static org.mcm.itests.Polls.waitFor;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.mcm.api.session.SessionListener;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.itests.support.ControlClient;
import org.mcm.memif.InterfaceConfig;
import org.mcm.memif.MemifFrame;
import org.mcm.memif.MemifInterface;
import org.mcm.memif.MemifSocket;
import org.mcm.memif.service.MemifService;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The gRPC control plane is a bundle of its own ({@code org.mcm.control.grpc}): stopping it, starting it again and
 * updating it in place leave the session manager, the running sessions and the SDK port alone, and a real gRPC
 * client is answered again afterwards. Its authentication counters, and the SDK port's, reach {@code /metrics}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GrpcBundleIT {

    static final String GRPC_BSN = "org.mcm.control.grpc";

    @Inject
    BundleContext context;
    @Inject
    SessionManager sessions;
    @Inject
    ConfigurationAdmin cm;

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

    /** An SDK sender and receiver (upstream bytes, memif clients) streaming frames through the proxy in a thread. */
    private static final class Stream implements AutoCloseable {
        final AtomicLong received = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Socket txCtl;
        final Socket rxCtl;
        final long txId;
        final long rxId;
        final MemifSocket txSock;
        final MemifSocket rxSock;
        final Thread thread;
        volatile boolean stop;

        Stream(MemifService memif, int sdkPort) throws Exception {
            int w = 320;
            int h = 240;
            int frameSize = w * h * 4;
            int port = Provisioning.freePort();
            rxCtl = connect(sdkPort);
            txCtl = connect(sdkPort);
            rxId = create(rxCtl, createRequest(1, 1, w, h, port, port));
            txId = create(txCtl, createRequest(0, 0, w, h, port, port));
            ByteBuffer rxParam = query(rxCtl, rxId);
            ByteBuffer txParam = query(txCtl, txId);
            rxSock = memif.openClient(cstr(rxParam, 0, 108));
            txSock = memif.openClient(cstr(txParam, 0, 108));
            MemifInterface rx = rxSock.createInterface(InterfaceConfig.builder(0).name("grpc-it-rx")
                    .secret(cstr(rxParam, 216, 24)).bufferSize(frameSize).log2RingSize(2).build());
            MemifInterface tx = txSock.createInterface(InterfaceConfig.builder(0).name("grpc-it-tx")
                    .secret(cstr(txParam, 216, 24)).bufferSize(frameSize).log2RingSize(2).build());
            assertTrue("receiver attached", rx.awaitConnected(5, TimeUnit.SECONDS));
            assertTrue("sender attached", tx.awaitConnected(5, TimeUnit.SECONDS));
            thread = new Thread(() -> {
                try {
                    for (int i = 0; !stop; i++) {
                        MemifFrame out = tx.acquire(0, 5, TimeUnit.SECONDS);
                        if (out == null) {
                            throw new AssertionError("no free sender buffer within 5 s after " + received.get() + " frames");
                        }
                        out.data().putInt(0, i);
                        out.data().putInt(frameSize - 4, ~i);
                        out.length(frameSize);
                        if (!tx.submit(out)) {
                            throw new AssertionError("frame " + i + " not submitted");
                        }
                        MemifFrame in = rx.receive(5, TimeUnit.SECONDS);
                        if (in == null) {
                            throw new AssertionError("frame " + i + " did not arrive within 5 s");
                        }
                        int first = in.data().getInt(0);
                        int last = in.data().getInt(frameSize - 4);
                        int length = in.length();
                        in.release();
                        if (first != i || last != ~i || length != frameSize) {
                            throw new AssertionError("frame " + i + " arrived as " + first + "/" + ~last + ", " + length + " bytes");
                        }
                        received.incrementAndGet();
                        Thread.sleep(10); // the apps' pace (~100 frames/s) while the gRPC bundle is swapped under them
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "grpc-it-stream");
            thread.start();
        }

        /** Waits until {@code more} further frames arrived, in order and intact. */
        void flows(String when, long more) throws InterruptedException {
            long target = received.get() + more;
            waitFor(when + ": " + more + " more frames (now " + received.get() + ", failure " + failure.get() + ")",
                    () -> received.get() >= target || failure.get() != null, 10_000);
            if (failure.get() != null) {
                throw new AssertionError(when + ": the stream broke", failure.get());
            }
        }

        @Override
        public void close() throws Exception {
            stop = true;
            thread.join(10_000);
            txSock.close();
            rxSock.close();
            txCtl.close();
            rxCtl.close();
        }
    }

    @Test
    public void stoppingRestartingAndUpdatingGrpcLeavesSessionsAndTheSdkPortAlone() throws Exception {
        Bundle grpc = bundle(GRPC_BSN);
        assertNotNull(GRPC_BSN + " installed", grpc);
        Bundle control = bundle("org.mcm.control");
        String nettyServer = "io/grpc/netty/shaded/io/grpc/netty/NettyServerBuilder.class";
        assertNotNull("gRPC is embedded (inlined) in its own bundle", grpc.getEntry(nettyServer));
        assertNull("and not in control", control.getEntry(nettyServer));
        assertNull("inlined, not on an embedded class path", grpc.getHeaders().get(Constants.BUNDLE_CLASSPATH));
        assertTrue("control imports no gRPC", !String.valueOf(control.getHeaders().get(Constants.IMPORT_PACKAGE)).contains("io.grpc"));
        long manager = serviceId(SessionManager.class);
        waitFor("gRPC answers", () -> "OK".equals(grpcStatus()), 20_000);

        List<String> changes = Collections.synchronizedList(new ArrayList<>());
        ServiceRegistration<SessionListener> listening = null;
        try (Stream stream = new Stream(memifService(), sdkPort())) {
            stream.flows("before", 10);
            try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
                assertEquals("gRPC lists the SDK session", "ACTIVE", c.state(stream.txId));
            }
            // every state change of the stream's sessions while gRPC comes and goes
            listening = context.registerService(SessionListener.class, s -> {
                if (s.id() == stream.txId || s.id() == stream.rxId) {
                    changes.add(s.id() + " " + s.state() + " " + s.reason());
                }
            }, null);

            grpc.stop();
            assertEquals(Bundle.RESOLVED, grpc.getState());
            waitFor("gRPC port closed", () -> !canConnect(grpcPort()), 10_000);
            waitFor("no thread of the stopped gRPC server left: " + serverThreads(), () -> serverThreads().isEmpty(), 5_000);
            stream.flows("gRPC bundle stopped", 30);
            sdkPortServes("gRPC bundle stopped");
            untouched("gRPC bundle stopped", stream, control, manager, changes);

            grpc.start();
            waitFor("gRPC answers after a restart", () -> "OK".equals(grpcStatus()), 20_000);
            try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
                assertEquals("SERVING", c.health("mcm.control.v1.ProxyControl"));
                assertEquals("the new server sees the running session", "ACTIVE", c.state(stream.txId));
                assertEquals("ACTIVE", c.state(stream.rxId));
            }
            stream.flows("gRPC bundle restarted", 10);
            untouched("gRPC bundle restarted", stream, control, manager, changes);

            long before = grpc.getLastModified();
            List<Thread> old = serverThreads();
            assertTrue("the server runs on threads of its own", !old.isEmpty());
            grpc.update(); // in place, from its location (the image's jar)
            waitFor("no thread of the replaced bundle left", () -> old.stream().noneMatch(Thread::isAlive), 5_000);
            assertTrue("updated", grpc.getLastModified() > before);
            assertEquals(Bundle.ACTIVE, grpc.getState());
            waitFor("gRPC answers after an update", () -> "OK".equals(grpcStatus()), 20_000);
            try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
                assertEquals("ACTIVE", c.state(stream.txId));
                String reply = c.upstreamTxStart("127.0.0.1", Provisioning.freePort());
                assertTrue(reply, reply.matches("Create MTL TX session: \\d+"));
                assertEquals("gPRC reply: well received.",
                        c.upstreamStop(Integer.parseInt(reply.substring(reply.lastIndexOf(' ') + 1))));
            }
            stream.flows("gRPC bundle updated", 10);
            sdkPortServes("gRPC bundle updated");
            untouched("gRPC bundle updated", stream, control, manager, changes);
        } finally {
            if (listening != null) {
                listening.unregister();
            }
            if (grpc.getState() != Bundle.ACTIVE) {
                grpc.start();
            }
        }
    }

    /** The stream's sessions are ACTIVE, no event touched them, control and its session manager are the same. */
    private void untouched(String when, Stream stream, Bundle control, long manager, List<String> changes) {
        assertEquals(when + ": control active", Bundle.ACTIVE, control.getState());
        assertEquals(when + ": the same session manager service", manager, serviceId(SessionManager.class));
        assertEquals(when + ": sender", SessionState.ACTIVE, sessions.get(stream.txId).orElseThrow().state());
        assertEquals(when + ": receiver", SessionState.ACTIVE, sessions.get(stream.rxId).orElseThrow().state());
        List<String> seen;
        synchronized (changes) {
            seen = new ArrayList<>(changes);
        }
        assertTrue(when + ": no session changed state: " + seen, seen.isEmpty());
    }

    /** A new SDK client gets a session and a memif parameter reply; closing deletes it again. */
    private void sdkPortServes(String when) throws Exception {
        try (Socket s = connect(sdkPort())) {
            long id = create(s, createRequest(0, 0, 64, 64, 0, Provisioning.freePort()));
            assertTrue(when + ": SDK create answered with an id", id > 0);
            assertTrue(when + ": memif socket named", !cstr(query(s, id), 0, 108).isEmpty());
            ProxyIT.destroy(s, id);
            assertEquals(when + ": closed after destroy", -1, s.getInputStream().read());
        }
    }

    /**
     * {@code sdk_auth_refused} and {@code grpc_auth_refused} are on {@code /metrics}: a wrong SDK token and a gRPC
     * call without the configured bearer token each raise their counter there by one.
     */
    @Test
    public void authCountersReachMetrics() throws Exception {
        waitFor("gRPC answers", () -> "OK".equals(grpcStatus()), 20_000);
        waitFor("/metrics lists the auth counters", () -> metric("mcm_proxy_grpc_auth_refused_total") >= 0
                && metric("mcm_proxy_sdk_auth_refused_total") >= 0, 20_000);
        long grpcBefore = metric("mcm_proxy_grpc_auth_refused_total");
        long sdkBefore = metric("mcm_proxy_sdk_auth_refused_total");
        long acceptedBefore = metric("mcm_proxy_sdk_auth_accepted_total");

        // the SDK port: a wrong token is refused under every policy
        try (Socket s = connect(sdkPort())) {
            byte[] t = "not-a-valid-token".getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(ByteBuffer.allocate(12 + t.length).put(header(16, t.length)).put(t).array());
            byte[] r = s.getInputStream().readNBytes(4);
            assertEquals("AUTH answered", 4, r.length);
            assertEquals("refused", 1, ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt());
        }

        // gRPC in token mode: a call without the token is UNAUTHENTICATED
        org.osgi.service.cm.Configuration c = cm.getConfiguration("org.mcm.control.grpc", "?");
        Dictionary<String, Object> saved = c.getProperties();
        Dictionary<String, Object> props = new Hashtable<>();
        for (java.util.Enumeration<String> e = saved.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            props.put(k, saved.get(k));
        }
        props.put("authMode", "token");
        props.put("tokens", new String[] {"grpc-it-token"});
        c.update(props);
        try {
            waitFor("gRPC refuses calls without the token", () -> "UNAUTHENTICATED".equals(grpcStatus()), 20_000);
        } finally {
            c.update(saved);
        }
        waitFor("gRPC open again", () -> "OK".equals(grpcStatus()), 20_000);

        long grpcAfter = metric("mcm_proxy_grpc_auth_refused_total");
        assertTrue("grpc_auth_refused counted on /metrics: " + grpcBefore + " -> " + grpcAfter, grpcAfter >= grpcBefore + 1);
        assertEquals("sdk_auth_refused counted on /metrics", sdkBefore + 1, metric("mcm_proxy_sdk_auth_refused_total"));
        assertEquals(acceptedBefore, metric("mcm_proxy_sdk_auth_accepted_total"));
        try (ControlClient g = new ControlClient("127.0.0.1", grpcPort())) {
            assertEquals("the same counters as GetStats", Long.valueOf(grpcAfter), g.stats().get("grpc_auth_refused"));
        }
    }

    /** A sample of /metrics (no labels), -1 when it is not there. */
    private long metric(String name) {
        try {
            HttpURLConnection h = (HttpURLConnection) URI.create("http://127.0.0.1:"
                    + context.getProperty("org.osgi.service.http.port") + "/metrics").toURL().openConnection();
            h.setConnectTimeout(2000);
            h.setReadTimeout(5000);
            if (h.getResponseCode() != 200) {
                return -1;
            }
            String text = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\d+)$").matcher(text);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private String grpcStatus() {
        try (ControlClient c = new ControlClient("127.0.0.1", grpcPort())) {
            return c.statsStatus();
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    /** The gRPC server's own threads (the support bundle's gRPC client has its own, named otherwise). */
    private static List<Thread> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("mcm-grpc-")).toList();
    }

    private long serviceId(Class<?> type) {
        ServiceReference<?> r = context.getServiceReference(type);
        assertNotNull(type.getSimpleName() + " registered", r);
        return (Long) r.getProperty(Constants.SERVICE_ID);
    }

    private MemifService memifService() throws InterruptedException {
        ServiceTracker<MemifService, MemifService> t = new ServiceTracker<>(context, MemifService.class, null);
        t.open();
        MemifService m = t.waitForService(10_000);
        assertNotNull("MemifService registered", m);
        return m;
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }
}
