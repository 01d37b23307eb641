package org.mcm.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/** Direct app-to-app memif (upstream PROTO_MEMIF): one app is the memif server, the other the client. */
@Timeout(120)
class DirectMemifTest {

    @TempDir
    Path dir;

    static final VideoFormat FMT = ProxyEndToEndTest.P1080_422_10;
    static final int FRAME = 8_294_400;

    @ParameterizedTest(name = "tx is server: {0}")
    @ValueSource(booleans = {true, false})
    void appsExchangeFramesBitExact(boolean txIsServer) throws Exception {
        String path = dir.resolve("mcm_rx_memif.sock").toString();
        int frames = 16;
        ConnectionOptions txo = ConnectionOptions.builder(FMT).memif(path, 3, txIsServer).closeLinger(Duration.ofMillis(200))
                .build();
        ConnectionOptions rxo = ConnectionOptions.builder(FMT).memif(path, 3, !txIsServer).build();
        Connection first = txIsServer ? McmClient.createDirectTx(txo) : McmClient.createDirectRx(rxo);
        Connection second = txIsServer ? McmClient.createDirectRx(rxo) : McmClient.createDirectTx(txo);
        Connection tx = txIsServer ? first : second;
        Connection rx = txIsServer ? second : first;
        try (tx; rx) {
            assertFalse(tx.viaProxy());
            assertEquals(0, tx.sessionId());
            assertTrue(tx.awaitConnected(Duration.ofSeconds(10)));
            assertTrue(rx.awaitConnected(Duration.ofSeconds(10)));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < frames; i++) {
                        McmBuffer b = tx.getBuffer(Duration.ofSeconds(10));
                        Patterns.fill(b.data(), FRAME, 500 + i);
                        b.send();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            sender.start();
            for (int i = 0; i < frames; i++) {
                McmBuffer b = rx.getBuffer(Duration.ofSeconds(10));
                assertEquals(FRAME, b.length());
                assertEquals(-1, Patterns.mismatch(b.data(), FRAME, 500 + i), "frame " + i);
                b.release();
            }
            sender.join(10_000);
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(frames, rx.buffers());
            assertEquals(frames, tx.buffers());
        }
    }

    @Test
    void directModeWithoutPeerTimesOutAndSmallPayloadsKeepTheirLength() throws Exception {
        String path = dir.resolve("direct.sock").toString();
        VideoFormat small = new VideoFormat(64, 4, Rational.of(30, 1), PixelFormat.YUV422P8);
        try (Connection tx = McmClient.createDirectTx(ConnectionOptions.builder(small).memif(path, 0, true)
                .memifSecret("pw").closeLinger(Duration.ZERO).build())) {
            McmException e = assertThrows(McmException.class, () -> tx.getBuffer(Duration.ofMillis(200)));
            assertEquals(ErrorCode.TIMEOUT, e.errorCode());
            assertTrue(e.getMessage().contains("not connected"), e.getMessage());
            try (Connection rx = McmClient.createDirectRx(ConnectionOptions.builder(small).memif(path, 0, false)
                    .memifSecret("pw").build())) {
                McmBuffer b = tx.getBuffer(Duration.ofSeconds(5));
                assertEquals(512, b.length());
                b.data().put(0, (byte) 42);
                b.length(1);
                tx.putBuffer(b);
                assertThrows(IllegalStateException.class, () -> b.length(2));
                McmBuffer r = rx.getBuffer(Duration.ofSeconds(5));
                assertEquals(1, r.length());
                assertEquals(42, r.data().get(0));
                assertThrows(IllegalStateException.class, () -> r.length(0));
                rx.putBuffer(r);
                assertThrows(IllegalStateException.class, () -> rx.putBuffer(r));
            }
        }
    }

    @Test
    void proxyModeCallsRejectDirectOptions() {
        ConnectionOptions o = ConnectionOptions.builder(FMT).memif(dir.resolve("x").toString(), 0, true).build();
        McmException e = assertThrows(McmException.class, () -> McmClient.connect("127.0.0.1", 9).createTx(o));
        assertEquals(ErrorCode.INVALID_PARAM, e.errorCode());
        ConnectionOptions p = ConnectionOptions.builder(FMT).build();
        e = assertThrows(McmException.class, () -> McmClient.createDirectRx(p));
        assertEquals(ErrorCode.INVALID_PARAM, e.errorCode());
    }
}
