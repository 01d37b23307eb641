package org.mcm.control.internal.sdk;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.api.session.TransportInfo;
import org.mcm.control.internal.auth.TokenSet;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.testing.Fakes;

/**
 * The SDK port's authentication against a real {@link SdkServer} on loopback, with a fake session manager and a
 * fake app-link service that count what a client made the proxy create.
 */
class SdkAuthTest {

    static final String TOKEN = "s3cret-token-for-tests";

    @TempDir
    Path tmp;

    final List<AppLinkRequest> opened = new CopyOnWriteArrayList<>();
    final AtomicInteger created = new AtomicInteger();
    final ProxyCounters counters = new ProxyCounters();
    SdkServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.deactivate();
        }
    }

    /** An implementation of the Config annotation: the given values, else the declared defaults. */
    static SdkServer.Config config(Map<String, Object> values) {
        return Fakes.config(SdkServer.Config.class, values);
    }

    int start(Map<String, Object> settings) {
        Map<String, Object> v = new HashMap<>(settings);
        v.put("port", 0);
        v.put("bindAddress", "127.0.0.1");
        v.put("memifDir", tmp.toString());
        v.putIfAbsent("requestTimeoutMs", 2000);
        server = new SdkServer();
        server.sessions = new FakeSessions();
        server.counters = counters;
        server.registry = new AppLinkRegistry();
        server.bindAppLinks(Fakes.appLinks("fake", opened::add, (r, reason) -> { }));
        server.activate(config(v));
        assertTrue(server.localPort() > 0);
        return server.localPort();
    }

    // ---- policies --------------------------------------------------------------------------------------------

    @Test
    void defaultCompatAdmitsUpstreamClientsFromLoopbackAndHandsOutAPerSessionMemifSecret() throws Exception {
        int port = start(Map.of());
        String s1;
        String s2;
        try (Socket a = connect(port, null); Socket b = connect(port, null)) {
            long id1 = create(a);
            long id2 = create(b);
            s1 = secretOf(query(a, id1));
            s2 = secretOf(query(b, id2));
        }
        assertEquals(2, created.get());
        assertEquals(2, opened.size());
        assertEquals(22, s1.length(), "128 random bits, base64url: fits the 24-byte field with its NUL");
        assertNotEquals(s1, s2, "each session has its own secret");
        assertEquals(opened.get(0).secret(), s1);
        assertEquals(opened.get(1).secret(), s2);
        assertEquals(0, counters.get("sdk_auth_refused"));
    }

    @Test
    void compatRefusesUpstreamClientsFromOtherNetworksButAdmitsThemWithAToken() throws Exception {
        int port = start(Map.of("trustedNetworks", new String[] {"127.0.0.1/32"}, "tokens", new String[] {TOKEN}));
        InetAddress other = InetAddress.getByName("127.0.0.2"); // another source address, still only loopback
        try (Socket s = connect(port, other)) {
            s.getOutputStream().write(createRequest());
            assertEquals(-1, s.getInputStream().read(), "closed at once, no reply");
        }
        assertNothingCreated();
        assertEquals(1, counters.get("sdk_auth_refused"));
        try (Socket s = connect(port, other)) {
            assertEquals(SdkProtocol.AUTH_OK, auth(s, TOKEN));
            create(s);
        }
        assertEquals(1, created.get());
        // the trusted address still works without a token
        try (Socket s = connect(port, InetAddress.getByName("127.0.0.1"))) {
            create(s);
        }
        assertEquals(2, created.get());
    }

    @Test
    void strictRefusesClientsWithoutOrWithAWrongTokenAndAdmitsTheRightOne() throws Exception {
        int port = start(Map.of("authPolicy", "strict", "tokens", new String[] {"other, " + TOKEN}));
        try (Socket s = connect(port, null)) { // an upstream 24.09 client on loopback
            s.getOutputStream().write(createRequest());
            assertEquals(-1, s.getInputStream().read());
        }
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_REFUSED, auth(s, "wrong"));
            assertEquals(-1, s.getInputStream().read(), "closed after the refusal");
        }
        try (Socket s = connect(port, null)) { // a prefix of a valid token is not valid
            assertEquals(SdkProtocol.AUTH_REFUSED, auth(s, TOKEN.substring(0, 5)));
        }
        assertNothingCreated();
        assertEquals(3, counters.get("sdk_auth_refused"));
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_OK, auth(s, TOKEN));
            long id = create(s);
            assertEquals(opened.get(0).secret(), secretOf(query(s, id)));
        }
        assertEquals(1, created.get());
        assertEquals(1, counters.get("sdk_auth_accepted"));
    }

    @Test
    void aWrongTokenIsRefusedEvenFromATrustedNetwork() throws Exception {
        int port = start(Map.of("tokens", new String[] {TOKEN}));
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_REFUSED, auth(s, "guess"));
            assertEquals(-1, s.getInputStream().read());
        }
        assertNothingCreated();
    }

    @Test
    void tokensFileWithHashedEntriesIsReReadWhenItChanges() throws Exception {
        Path f = tmp.resolve("sdk-tokens");
        String hash = HexFormat.of().formatHex(TokenSet.sha256("first".getBytes(StandardCharsets.UTF_8)));
        Files.writeString(f, "# app tokens\nsha256:" + hash + "\n");
        int port = start(Map.of("authPolicy", "strict", "tokensFile", f.toString()));
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_OK, auth(s, "first"));
        }
        Files.writeString(f, "second\n");
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_REFUSED, auth(s, "first"));
        }
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_OK, auth(s, "second"));
        }
    }

    @Test
    void authOnlyAsTheFirstRequestAndSilentUnauthenticatedClientsAreDropped() throws Exception {
        int port = start(Map.of("authPolicy", "strict", "tokens", new String[] {TOKEN}, "requestTimeoutMs", 300));
        try (Socket s = connect(port, null)) {
            assertEquals(SdkProtocol.AUTH_OK, auth(s, TOKEN));
            s.getOutputStream().write(authRequest(TOKEN));
            assertEquals(-1, s.getInputStream().read(), "a second AUTH is a protocol error");
        }
        long t0 = System.nanoTime();
        try (Socket s = connect(port, null)) { // connects and says nothing
            assertEquals(-1, s.getInputStream().read());
        }
        assertTrue(System.nanoTime() - t0 < 4_000_000_000L);
        await("the refusal counted (right after the close)").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                .until(() -> counters.get("sdk_auth_refused") >= 1);
        assertEquals(1, counters.get("sdk_auth_refused"));
        assertNothingCreated();
    }

    @Test
    void openPolicyAdmitsEveryoneAndMemifSecretCanBeSwitchedOff() throws Exception {
        int port = start(Map.of("authPolicy", "open", "trustedNetworks", new String[0], "memifSecret", false));
        try (Socket s = connect(port, InetAddress.getByName("127.0.0.2"))) {
            long id = create(s);
            assertEquals("", secretOf(query(s, id)));
        }
    }

    @Test
    void malformedPolicyFailsClosed() throws Exception {
        int port = start(Map.of("authPolicy", "lenient"));
        try (Socket s = connect(port, null)) {
            s.getOutputStream().write(createRequest());
            assertEquals(-1, s.getInputStream().read());
        }
        assertNothingCreated();
    }

    private void assertNothingCreated() {
        assertEquals(0, created.get(), "no session for a refused client");
        assertEquals(0, opened.size(), "no memif socket / shared memory for a refused client");
        try (var l = Files.list(tmp)) {
            assertTrue(l.noneMatch(p -> p.getFileName().toString().startsWith("media_proxy_")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- wire helpers ----------------------------------------------------------------------------------------

    static Socket connect(int port, InetAddress from) throws IOException {
        Socket s = new Socket();
        if (from != null) {
            s.bind(new InetSocketAddress(from, 0));
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    static byte[] header(int inst, int len) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'m', 'c', 'm', 0, 0x10, 0, 0, 0}).putShort((short) inst).putShort((short) len);
        return b.array();
    }

    static byte[] authRequest(String token) {
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + t.length).put(header(SdkProtocol.CMD_AUTH, t.length)).put(t).array();
    }

    static int auth(Socket s, String token) throws IOException {
        s.getOutputStream().write(authRequest(token));
        byte[] r = s.getInputStream().readNBytes(4);
        assertEquals(4, r.length, "AUTH answered");
        return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** A 24.09 create-session request: TX 640x480 yuv422p10le, payload type NONE (ST 2110-20 as upstream). */
    static byte[] createRequest() {
        ByteBuffer b = ByteBuffer.allocate(12 + 304).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header(SdkProtocol.CMD_CREATE_SESSION, 304));
        b.put(12 + 60, "127.0.0.1".getBytes(StandardCharsets.US_ASCII));
        b.put(12 + 106, "9100".getBytes(StandardCharsets.US_ASCII));
        b.putInt(12 + 264, 640).putInt(12 + 268, 480).putDouble(12 + 272, 30.0).putInt(12 + 280, 2);
        return b.array();
    }

    static long create(Socket s) throws IOException {
        s.getOutputStream().write(createRequest());
        byte[] r = s.getInputStream().readNBytes(4);
        assertEquals(4, r.length, "create answered");
        return Integer.toUnsignedLong(ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    static byte[] query(Socket s, long id) throws IOException {
        s.getOutputStream().write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .put(header(SdkProtocol.CMD_QUERY_MEMIF_PARAM, 4)).putInt((int) id).array());
        byte[] r = s.getInputStream().readNBytes(296);
        assertEquals(296, r.length);
        return r;
    }

    /** The NUL-terminated secret at offset 216 (24 bytes). */
    static String secretOf(byte[] param) {
        int n = 0;
        while (n < 24 && param[216 + n] != 0) {
            n++;
        }
        assertTrue(n < 24, "secret NUL-terminated within 24 bytes");
        return new String(param, 216, n, StandardCharsets.US_ASCII);
    }

    // ---- fakes -----------------------------------------------------------------------------------------------

    final class FakeSessions implements SessionManager {
        final AtomicInteger ids = new AtomicInteger();

        @Override
        public Session create(ConnectionSpec spec, String owner, AppAttachment attach) {
            created.incrementAndGet();
            long id = ids.incrementAndGet();
            SessionInfo info = new SessionInfo(id, owner, spec, SessionState.ACTIVE, "", Instant.now(), Map.of(), "");
            return new Session() {
                @Override
                public long id() {
                    return id;
                }

                @Override
                public SessionInfo info() {
                    return info;
                }

                @Override
                public FrameSink input() {
                    return f -> {
                        f.release();
                        return true;
                    };
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public Optional<SessionInfo> get(long id) {
            return Optional.empty();
        }

        @Override
        public List<SessionInfo> list() {
            return List.of();
        }

        @Override
        public boolean delete(long id) {
            return true;
        }

        @Override
        public List<TransportInfo> transports() {
            return List.of();
        }

        @Override
        public ConnectionSpec parseDescription(String description) {
            throw new UnsupportedOperationException();
        }
    }


}
