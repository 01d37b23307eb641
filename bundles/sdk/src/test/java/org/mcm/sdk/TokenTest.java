package org.mcm.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.media.BlobFormat;

/** The token option: AUTH (16) with the token before CREATE_SESSION, nothing extra without one. */
@Timeout(60)
class TokenTest {

    @TempDir
    Path dir;
    ProxyDouble proxy;

    @BeforeEach
    void start() throws Exception {
        proxy = new ProxyDouble(dir);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
    }

    /** An ST 2110-20 connection: created with upstream's own command 1 (local has commands of its own). */
    private static ConnectionOptions.Builder blob() {
        return ConnectionOptions.builder(new org.mcm.api.media.VideoFormat(64, 32, org.mcm.api.media.Rational.of(30, 1),
                org.mcm.api.media.PixelFormat.YUV422P10LE)).remote("127.0.0.1", 9000).closeLinger(Duration.ZERO);
    }

    @Test
    void theTokenIsSentAsAuthBeforeCreate() throws Exception {
        proxy.requiredToken = "app-token";
        try (McmClient c = McmClient.builder().address("127.0.0.1", proxy.port()).token("app-token").build();
                Connection tx = c.createTx(blob().build())) {
            assertTrue(c.hasToken());
            assertEquals(16, proxy.requests.get(0).inst(), "AUTH first");
            assertEquals(1, proxy.requests.get(1).inst(), "then CREATE_SESSION");
            ProxyDouble.Request auth = proxy.requests.get(0);
            assertArrayEquals(Golden.request(16, "app-token".getBytes(StandardCharsets.UTF_8)),
                    concat(auth.header(), auth.payload()));
            assertTrue(tx.sessionId() > 0);
        }
    }

    @Test
    void withoutATokenTheBytesAreUpstreams() throws Exception {
        try (McmClient c = proxy.client(); Connection tx = c.createTx(blob().build())) {
            assertFalse(c.hasToken());
            assertTrue(proxy.requestsOf(16).isEmpty(), "no AUTH: an upstream 24.09 proxy never sees command 16");
            assertEquals(1, proxy.requests.get(0).inst());
        }
    }

    @Test
    void aRefusedTokenFailsWithUnauthenticatedAndCreatesNothing() throws Exception {
        proxy.requiredToken = "right";
        try (McmClient c = McmClient.builder().address("127.0.0.1", proxy.port()).token("wrong").build()) {
            McmException e = assertThrows(McmException.class, () -> c.createTx(blob().build()));
            assertEquals(ErrorCode.UNAUTHENTICATED, e.errorCode(), e.getMessage());
        }
        assertTrue(proxy.requestsOf(1).isEmpty(), "no CREATE_SESSION after a refused AUTH");
        assertTrue(proxy.sessions.isEmpty());
        // no token at all where the proxy wants one: the proxy closes the connection
        try (McmClient c = proxy.client()) {
            McmException e = assertThrows(McmException.class, () -> c.createTx(blob().build()));
            assertEquals(ErrorCode.PROXY_REFUSED, e.errorCode(), e.getMessage());
        }
    }

    @Test
    void tokenFromTheEnvironmentAndPerConnectionOverride() throws Exception {
        proxy.requiredToken = "env-token";
        try (McmClient c = McmClient.fromEnvironment(Map.of(McmClient.ENV_PORT, Integer.toString(proxy.port()),
                McmClient.ENV_TOKEN, "env-token"))) {
            assertTrue(c.hasToken());
            try (Connection tx = c.createTx(blob().build())) {
                assertTrue(tx.sessionId() > 0);
            }
            // the options' token wins; an empty one sends none
            McmException e = assertThrows(McmException.class, () -> c.createTx(blob().token("other").build()));
            assertEquals(ErrorCode.UNAUTHENTICATED, e.errorCode());
            proxy.requiredToken = null;
            int authsBefore = proxy.requestsOf(16).size();
            try (Connection tx = c.createTx(blob().token("").build())) {
                assertEquals(authsBefore, proxy.requestsOf(16).size());
            }
            // the builder copy keeps the token
            assertTrue(c.toBuilder().address("127.0.0.1", proxy.port()).build().hasToken());
        }
        assertFalse(McmClient.fromEnvironment(Map.of(McmClient.ENV_TOKEN, "")).hasToken());
    }

    @Test
    void tokensAreLimitedInSize() {
        String huge = "x".repeat(4097);
        assertThrows(IllegalArgumentException.class, () -> McmClient.builder().token(huge));
        assertThrows(IllegalArgumentException.class, () -> blob().token(huge).build());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
