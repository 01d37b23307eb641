package org.mcm.control.internal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.session.SessionState;
import org.mcm.api.transport.Transport;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.sessions.SessionManagerImpl;
import org.mcm.control.internal.testing.Fakes;

import static org.awaitility.Awaitility.await;

/**
 * Defects 3, 5 (app side), 9 (reason) and 10 of issue 17, against a real {@link SdkServer} on loopback with the real
 * session manager and link registry; the transport and the app-link service are small fakes that record.
 */
class SdkHardeningTest {

    @TempDir
    Path tmp;

    final ProxyCounters counters = new ProxyCounters();
    final SessionManagerImpl mgr = new SessionManagerImpl(counters);
    final AppLinkRegistry registry = new AppLinkRegistry();
    /** Close reasons per memif interface name. */
    final Map<String, String> closedWith = new ConcurrentHashMap<>();
    final List<Socket> sockets = new ArrayList<>();
    SdkServer server;

    final Transport transport = Fakes.transport("st2110-20", "fake");

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.deactivate();
        }
    }

    int start(Map<String, Object> sdk, Map<String, Object> sessions) {
        mgr.activate(Fakes.config(SessionManagerImpl.Config.class, sessions), Map.of());
        mgr.bindTransport(transport, null);
        mgr.bindListener(registry);
        Map<String, Object> v = new HashMap<>(sdk);
        v.put("port", 0);
        v.put("bindAddress", "127.0.0.1");
        v.put("memifDir", tmp.toString());
        v.putIfAbsent("requestTimeoutMs", 2000);
        server = new SdkServer();
        server.sessions = mgr;
        server.counters = counters;
        server.registry = registry;
        server.bindAppLinks(Fakes.appLinks("fake", r -> { }, (r, reason) -> closedWith.putIfAbsent(r.interfaceName(), reason)));
        server.activate(SdkAuthTest.config(v));
        return server.localPort();
    }

    Socket connect(int port, String from) throws IOException {
        Socket s = SdkAuthTest.connect(port, from == null ? null : InetAddress.getByName(from));
        sockets.add(s);
        return s;
    }

    /** A 24.09 create request for an ST 2110-20 sender (payload type ST20_VIDEO). */
    static byte[] createSt20() {
        byte[] r = SdkAuthTest.createRequest();
        r[12 + 228] = 1; // PAYLOAD_ST20_VIDEO
        return r;
    }

    static long createSt20(Socket s) throws IOException {
        s.getOutputStream().write(createSt20());
        byte[] r = s.getInputStream().readNBytes(4);
        assertEquals(4, r.length, "create answered");
        return Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(r).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
    }

    // ---- defect 10 ---------------------------------------------------------------------------------------------

    @Test
    void reachingTheSessionLimitRefusesOnlyTheNewSession() throws Exception {
        int port = start(Map.of(), Map.of("maxSessions", 2));
        Socket s = connect(port, null);
        long a = createSt20(s);
        long b = createSt20(s);
        assertTrue(a > 0 && b > a);
        assertEquals(0, createSt20(s), "the third create is refused with session id 0");
        // the connection and both sessions live on
        assertEquals(SessionState.ACTIVE, mgr.get(a).orElseThrow().state());
        assertEquals(SessionState.ACTIVE, mgr.get(b).orElseThrow().state());
        s.setSoTimeout(300);
        try {
            int r = s.getInputStream().read();
            throw new AssertionError("connection closed or sent data: " + r);
        } catch (SocketTimeoutException expected) {
            // still open, nothing sent
        }
        assertEquals(1, counters.get("sdk_requests_failed"));
        // a fresh connection that gets refused fails at once, as before
        Socket other = connect(port, null);
        other.getOutputStream().write(createSt20());
        assertEquals(-1, other.getInputStream().read(), "a connection without sessions is closed on refusal");
    }

    // ---- defect 3 ----------------------------------------------------------------------------------------------

    @Test
    void silentConnectionsTimeOutQuicklyEvenFromTrustedNetworks() throws Exception {
        int port = start(Map.of("firstRequestTimeoutMs", 300, "requestTimeoutMs", 10_000), Map.of());
        Socket silent = connect(port, "127.0.0.1");
        long t0 = System.nanoTime();
        assertEquals(-1, silent.getInputStream().read(), "closed by the proxy");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 4000, "closed after " + ms + " ms");
        await().atMost(Duration.ofSeconds(5)).until(() -> counters.get("sdk_silent_timeouts") == 1); // counted after the close
        // a connection that holds a session may stay idle
        Socket app = connect(port, "127.0.0.1");
        long id = createSt20(app);
        app.setSoTimeout(800);
        try {
            app.getInputStream().read();
            throw new AssertionError("an app's idle control connection was closed");
        } catch (SocketTimeoutException expected) {
            // still open
        }
        assertEquals(SessionState.ACTIVE, mgr.get(id).orElseThrow().state());
    }

    @Test
    void unauthenticatedConnectionsAreBoundedPerSourceAndSlotsStayForTokens() throws Exception {
        String token = "hardening-token";
        int port = start(Map.of("trustedNetworks", new String[] {"127.0.0.1/32"}, "tokens", new String[] {token},
                "maxClients", 8, "maxPendingPerSource", 2, "maxPending", 4, "firstRequestTimeoutMs", 10_000), Map.of());
        // an untrusted address opens silent connections: only 2 stay, the rest are closed at once
        List<Socket> hostile = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            hostile.add(connect(port, "127.0.0.2"));
        }
        int closed = 0;
        for (Socket h : hostile) {
            h.setSoTimeout(500);
            try {
                if (h.getInputStream().read() == -1) {
                    closed++;
                }
            } catch (SocketTimeoutException e) {
                // held open
            }
        }
        assertEquals(4, closed, "all but maxPendingPerSource refused at once");
        // more untrusted sources fill the unauthenticated slots in all (4) and keep coming ...
        for (int i = 0; i < 4; i++) {
            connect(port, "127.0.0." + (10 + i));
        }
        // ... but a client with a valid token from yet another address is served (the longest-waiting silent
        // connection made room for it), and so is a trusted one
        Socket good = connect(port, "127.0.0.3");
        assertEquals(SdkProtocol.AUTH_OK, SdkAuthTest.auth(good, token));
        assertTrue(createSt20(good) > 0);
        Socket trusted = connect(port, "127.0.0.1");
        assertTrue(createSt20(trusted) > 0);
        assertTrue(counters.get("sdk_clients_refused") >= 4);
        assertTrue(counters.get("sdk_pending_evicted") >= 1);
    }

    // ---- defects 5 and 9, the app's side ---------------------------------------------------------------------------

    @Test
    void anAppIsToldWhyItsSessionEndedInFull() throws Exception {
        int port = start(Map.of(), Map.of());
        Socket s = connect(port, null);
        long id = createSt20(s);
        mgr.unbindTransport(transport, null);
        await().atMost(Duration.ofSeconds(5)).until(() -> closedWith.size() == 1);
        String reason = closedWith.values().iterator().next();
        assertEquals("TRANSPORT_GONE: " + mgr.get(id).orElseThrow().reason(), reason, "the whole reason");
        assertTrue(reason.getBytes(StandardCharsets.UTF_8).length <= AppLinkRegistry.REASON_BYTES,
                "fits the memif DISCONNECT reason field: " + reason);
        // the app's destroy afterwards keeps the record
        s.getOutputStream().write(java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put(SdkAuthTest.header(SdkProtocol.CMD_DESTROY_SESSION, 4)).putInt((int) id).array());
        assertEquals(-1, s.getInputStream().read());
        assertEquals(SessionState.TRANSPORT_GONE, mgr.get(id).orElseThrow().state());
    }

    @Test
    void aSessionDeletedByAControllerDetachesItsAppWithTheReason() throws Exception {
        int port = start(Map.of(), Map.of());
        Socket s = connect(port, null);
        long id = createSt20(s);
        assertTrue(mgr.delete(id, "deleted by a gRPC controller"));
        await().atMost(Duration.ofSeconds(5)).until(() -> closedWith.size() == 1);
        assertEquals("CLOSED: deleted by a gRPC controller", closedWith.values().iterator().next());
    }

    @Test
    void longReasonsAreCutVisiblyWithinTheField() {
        String r = AppLinkRegistry.appReason(SessionState.FAILED, "é".repeat(200));
        assertTrue(r.getBytes(StandardCharsets.UTF_8).length <= AppLinkRegistry.REASON_BYTES);
        assertTrue(r.startsWith("FAILED: é") && r.endsWith("..."), r);
    }



    // ---- defect 6 ----------------------------------------------------------------------------------------------

    @Test
    void refusalsLogOneLineEachRateLimitedPerSourceWithoutStackTraces() throws Exception {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int port = start(Map.of("trustedNetworks", new String[] {"127.0.0.1/32"}), Map.of("maxSessions", 1));
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            // a trusted client refused at the session limit, 20 times: the refusal names the reason, no stack trace
            Socket holder = connect(port, null);
            createSt20(holder);
            for (int i = 0; i < 20; i++) {
                try (Socket s = SdkAuthTest.connect(port, null)) {
                    s.getOutputStream().write(createSt20());
                    assertEquals(-1, s.getInputStream().read());
                }
            }
            // an untrusted address, 20 times
            for (int i = 0; i < 20; i++) {
                try (Socket s = SdkAuthTest.connect(port, InetAddress.getByName("127.0.0.2"))) {
                    s.getOutputStream().write(createSt20());
                    assertEquals(-1, s.getInputStream().read());
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> counters.get("sdk_auth_refused") == 20
                    && counters.get("sdk_requests_failed") == 20);
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        long lines = log.lines().filter(l -> l.contains("SdkClientHandler")).count();
        assertTrue(lines <= 10, "at most 5 lines per source per 10 s, got " + lines + ":\n" + log);
        assertTrue(lines >= 2, "each source still gets its line:\n" + log);
        assertTrue(log.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("{}")), "no stack trace, no {}:\n" + log);
        assertTrue(log.contains("session limit of 1 reached"), log);
        assertEquals(30, counters.get("log_lines_held"), "the rest counted");
    }
}
