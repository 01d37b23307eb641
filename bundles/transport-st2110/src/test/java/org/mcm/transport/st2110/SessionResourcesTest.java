package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * Issue 17: defect 1 (a failed receiver create leaked its converting thread and 8 frames of direct memory), defect 2
 * (no bound on what one session may take; memory kept after the end) and the session-thread rule (an unexpected error
 * in a session thread fails the session with the reason).
 */
class SessionResourcesTest {

    static final VideoFormat HD_PLANAR = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);

    /** A context with its own session id, recording a failure. */
    static final class Ctx implements TransportContext {
        final long id;
        final AtomicReference<String> failed = new AtomicReference<>();
        final FrameSource source;

        Ctx(long id, FrameSource source) {
            this.id = id;
            this.source = source;
        }

        @Override
        public long sessionId() {
            return id;
        }

        @Override
        public FrameSource frameSource() {
            return source;
        }

        @Override
        public FrameSink output() {
            return f -> {
                f.release();
                return true;
            };
        }

        @Override
        public void failed(String reason) {
            failed.compareAndSet(null, reason);
        }
    }

    static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    static ConnectionSpec rx(VideoFormat f, String host, int port) {
        return ConnectionSpec.builder(Direction.RX, "st2110-20", f).local(new Endpoint(host, port)).build();
    }

    @Test
    void aFailedReceiverCreateLeavesNoThreadAndNoMemory() {
        long before = DirectArena.totalHeld();
        int id = 1701;
        for (String fast : new String[] {"auto", "off"}) {
            Settings s = TestSupport.settings("wide", "127.0.0.1", fast);
            // port 0 (as gRPC RxStart with udp_port=0) and an address this host does not have: the bind fails
            for (ConnectionSpec spec : new ConnectionSpec[] {rx(HD_PLANAR, "", 0), rx(HD_PLANAR, "192.0.2.1", 5004)}) {
                Ctx ctx = new Ctx(++id, null);
                assertThrows(TransportException.class, () -> new VideoRxSession(spec, ctx, s), spec.local().toString());
                String convert = "st2110-20-convert-" + id;
                await().atMost(Duration.ofSeconds(3)).until(() -> !threadAlive(convert));
                assertEquals(before, DirectArena.totalHeld(), "the staging frames are given back");
            }
        }
    }

    @Test
    void memoryIsBoundedAccountedAndGivenBackWhenSessionsEnd() throws Exception {
        long before = DirectArena.totalHeld();
        St2110Transports.Video video = new St2110Transports.Video();
        video.activate(TestSupport.settings("wide", "127.0.0.1", "off"));
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        TransportSession session = video.open(rx(HD_PLANAR, "127.0.0.1", port), new Ctx(1801, null));
        long staging = PixelFormat.YUV422_10_PGROUP.frameSize(1920, 1080);
        assertEquals(before + 8 * staging, DirectArena.totalHeld(), "8 staging frames accounted");
        session.close();
        assertEquals(before, DirectArena.totalHeld(), "given back when the session ends");

        // the frame of 16384x16384 that once took 5.4 GB per receiver: refused at once with the limit named
        VideoFormat huge = new VideoFormat(16384, 16384, Rational.of(60, 1), PixelFormat.YUV422P10LE);
        TransportException e = assertThrows(TransportException.class, () -> video.open(rx(huge, "127.0.0.1", port), new Ctx(1802, null)));
        assertTrue(e.getMessage().contains("maxFrameMiB"), e.getMessage());

        // a session limit below what the receiver needs, then a total limit below it: refused, nothing kept
        video.activate(TestSupport.withMemoryLimits(TestSupport.settings("wide", "127.0.0.1", "off"), 256, 16, 4096));
        e = assertThrows(TransportException.class, () -> video.open(rx(HD_PLANAR, "127.0.0.1", port), new Ctx(1803, null)));
        assertTrue(e.getMessage().contains("maxSessionMemoryMiB"), e.getMessage());
        video.activate(TestSupport.withMemoryLimits(TestSupport.settings("wide", "127.0.0.1", "off"), 256, 1024, 20));
        e = assertThrows(TransportException.class, () -> video.open(rx(HD_PLANAR, "127.0.0.1", port), new Ctx(1804, null)));
        assertTrue(e.getMessage().contains("maxMemoryMiB"), e.getMessage());
        assertEquals(before, DirectArena.totalHeld());
        await().atMost(Duration.ofSeconds(3)).until(() -> !threadAlive("st2110-20-convert-1803") && !threadAlive("st2110-20-convert-1804"));
    }

    @Test
    void anArenaFreesItsBuffersAndRefusesBeyondItsLimit() throws Exception {
        long before = DirectArena.totalHeld();
        DirectArena a = new DirectArena("test", 3 << 20, Long.MAX_VALUE);
        a.allocate(1 << 20);
        a.allocate(2 << 20);
        assertEquals(3 << 20, a.held());
        assertThrows(TransportException.class, () -> a.allocate(1));
        assertEquals(before + (3 << 20), DirectArena.totalHeld());
        java.lang.management.BufferPoolMXBean direct = java.lang.management.ManagementFactory
                .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long jvmBefore = direct.getMemoryUsed();
        a.close();
        assertEquals(before, DirectArena.totalHeld());
        assertTrue(direct.getMemoryUsed() <= jvmBefore - (3 << 20), "freed at once, not at the next collection: "
                + jvmBefore + " -> " + direct.getMemoryUsed());
        assertThrows(TransportException.class, () -> a.allocate(1), "a closed arena gives nothing");
    }

    @Test
    void anUnexpectedErrorInASessionThreadFailsTheSessionWithTheReason() throws Exception {
        // the converting stage's thread meets an app whose pool is broken
        FrameSource broken = new FrameSource() {
            @Override
            public Frame acquire(long timeout, TimeUnit unit) {
                throw new IllegalStateException("app pool broken");
            }

            @Override
            public int frameCapacity() {
                return (int) HD_PLANAR.bufferSize();
            }
        };
        Ctx ctx = new Ctx(1901, broken);
        DirectArena arena = DirectArena.of("test", TestSupport.settings("wide"));
        ConvertingStage stage = new ConvertingStage(HD_PLANAR, PixelFormat.YUV422_10_PGROUP, broken, ctx.output(),
                new St2110Counters(), "st2110-20-convert-1901", arena, ctx);
        try {
            Frame staging = stage.acquire(0, TimeUnit.MILLISECONDS);
            staging.length(staging.data().capacity());
            stage.accept(staging);
            await().atMost(Duration.ofSeconds(5)).until(() -> ctx.failed.get() != null);
            assertTrue(ctx.failed.get().contains("st2110-20-convert-1901") && ctx.failed.get().contains("app pool broken"),
                    ctx.failed.get());
        } finally {
            stage.close();
            arena.close();
        }
        // ending while closing is normal, not a failure
        Ctx quiet = new Ctx(1902, null);
        Thread t = SessionThread.of("quiet", quiet, () -> false, () -> {
            throw new IllegalStateException("closing");
        });
        t.start();
        t.join(5000);
        assertNull(quiet.failed.get());
    }
}
