package org.mcm.control.internal.sessions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;

/**
 * The same-proxy bypass in the session manager, with a lossless in-JVM "network" transport that behaves as the
 * real ones towards the app side (takes buffers from the context's source, fills them, hands them to its output).
 * The real ST 2110-20 transport with memif apps is exercised in the itests (ProxyIT).
 */
class BypassTest {

    static final VideoFormat FMT = new VideoFormat(64, 8, Rational.of(30, 1), PixelFormat.YUV422P10LE);
    static final int SIZE = (int) FMT.bufferSize();

    /** A lossless network: a TX session copies each frame to every RX session listening on the port. */
    static final class WireTransport implements Transport {
        final Map<Integer, List<Rx>> listeners = new ConcurrentHashMap<>();
        final AtomicInteger wireFrames = new AtomicInteger();
        final boolean bypassable;
        final String protocol;

        WireTransport(String protocol, boolean bypassable) {
            this.protocol = protocol;
            this.bypassable = bypassable;
        }

        final class Rx implements TransportSession {
            final TransportContext ctx;
            final int port;
            int refused;
            /** A buffer held across frames, as a depacketizer holds one while a frame is in progress. */
            Frame holding;

            Rx(TransportContext ctx, int port) {
                this.ctx = ctx;
                this.port = port;
            }

            synchronized void receive(Frame f) {
                try {
                    Frame out = ctx.frameSource().acquire(0, TimeUnit.NANOSECONDS);
                    if (out == null) {
                        refused++;
                        return;
                    }
                    out.data().put(0, f.data(), 0, f.length());
                    out.length(f.length());
                    ctx.output().accept(out);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            /** Starts a frame and keeps its buffer (a frame from the network in progress). */
            synchronized boolean startPartial() throws InterruptedException {
                holding = ctx.frameSource().acquire(0, TimeUnit.NANOSECONDS);
                return holding != null;
            }

            synchronized void dropPartial() {
                holding.release();
                holding = null;
            }

            @Override
            public FrameSink input() {
                return f -> {
                    f.release();
                    return false;
                };
            }

            @Override
            public Map<String, Long> stats() {
                return Map.of("refused", (long) refused);
            }

            @Override
            public void close() {
                listeners.getOrDefault(port, List.of()).remove(this);
            }
        }

        @Override
        public String protocol() {
            return protocol;
        }

        @Override
        public String description() {
            return "in-JVM lossless network";
        }

        @Override
        public Set<Direction> directions() {
            return EnumSet.allOf(Direction.class);
        }

        @Override
        public boolean sameProxyBypass() {
            return bypassable;
        }

        @Override
        public TransportSession open(ConnectionSpec spec, TransportContext ctx) {
            if (spec.direction() == Direction.RX) {
                Rx rx = new Rx(ctx, spec.local().port());
                listeners.computeIfAbsent(spec.local().port(), k -> new CopyOnWriteArrayList<>()).add(rx);
                return rx;
            }
            int port = spec.remote().port();
            // frames for this host (loopback or its media address 192.0.2.10) reach its listeners; others leave
            boolean here = spec.remote().host().equals("127.0.0.1") || spec.remote().host().equals("192.0.2.10");
            return new TransportSession() {
                @Override
                public FrameSink input() {
                    return f -> {
                        wireFrames.incrementAndGet();
                        for (Rx rx : here ? listeners.getOrDefault(port, List.of()) : List.<Rx>of()) {
                            rx.receive(f);
                        }
                        f.release();
                        return true;
                    };
                }

                @Override
                public Map<String, Long> stats() {
                    return Map.of();
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** A receiving app: a few buffers, and the frames it got, in order. */
    static final class App {
        final List<byte[]> got = new CopyOnWriteArrayList<>();
        /** System.nanoTime when each frame arrived. */
        final List<Long> at = new CopyOnWriteArrayList<>();
        final AtomicInteger free = new AtomicInteger(4);
        final FrameSource source = new FrameSource() {
            @Override
            public Frame acquire(long timeout, TimeUnit unit) {
                if (free.getAndDecrement() <= 0) {
                    free.incrementAndGet();
                    return null;
                }
                return new HeapFrame(ByteBuffer.allocate(SIZE), f -> free.incrementAndGet());
            }

            @Override
            public int frameCapacity() {
                return SIZE;
            }
        };
        final FrameSink sink = f -> {
            byte[] b = new byte[f.length()];
            f.data().get(0, b);
            got.add(b);
            at.add(System.nanoTime());
            f.release(); // the app reads it at once and gives the buffer back
            return true;
        };

        SessionManager.AppAttachment attachment() {
            return new SessionManager.AppAttachment(source, sink);
        }
    }

    SessionManagerImpl mgr;
    WireTransport wire;
    final Random rnd = new Random(7);

    @BeforeEach
    void setUp() {
        mgr = new SessionManagerImpl(new ProxyCounters());
        mgr.activate(SessionManagerImplTest.config(16, 16), Map.of("ip", "192.0.2.10"));
        wire = new WireTransport("wire", true);
        mgr.bindTransport(wire, null);
    }

    static ConnectionSpec tx(String host, int port, String... opts) {
        ConnectionSpec.Builder b = ConnectionSpec.builder(Direction.TX, "wire", FMT).remote(new Endpoint(host, port));
        for (int i = 0; i < opts.length; i += 2) {
            b.option(opts[i], opts[i + 1]);
        }
        return b.build();
    }

    static ConnectionSpec rx(int port, String... opts) {
        ConnectionSpec.Builder b = ConnectionSpec.builder(Direction.RX, "wire", FMT).local(new Endpoint("", port))
                .remote(new Endpoint("127.0.0.1", 0));
        for (int i = 0; i < opts.length; i += 2) {
            b.option(opts[i], opts[i + 1]);
        }
        return b.build();
    }

    byte[] frame() {
        byte[] b = new byte[SIZE];
        rnd.nextBytes(b);
        return b;
    }

    /** Sends one frame as the TX app link does (ownership passes). */
    static void send(SessionManager.Session tx, byte[] content) {
        HeapFrame f = HeapFrame.allocate(SIZE);
        f.data().put(0, content);
        f.length(content.length);
        tx.input().accept(f);
    }

    static long stat(SessionManager.Session s, String key) {
        Long v = s.info().stats().get(key);
        assertNotNull(v, key + " in " + s.info().stats());
        return v;
    }

    @Test
    void framesAreIdenticalThroughSharedMemoryAndThroughTheNetwork() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        App bypassed = new App();
        SessionManager.Session rx1 = mgr.create(rx(9001), "rx", bypassed.attachment());
        SessionManager.Session tx1 = mgr.create(tx("127.0.0.1", 9001), "tx", null);
        for (int i = 0; i < 10; i++) {
            byte[] b = frame();
            sent.add(b);
            send(tx1, b);
        }
        assertEquals(0, wire.wireFrames.get(), "nothing went on the network");
        assertEquals(10, stat(tx1, "frames_bypass"));
        assertEquals(0, stat(tx1, "frames_wire"));
        assertEquals(rx1.id(), stat(tx1, "bypass_peer"));
        assertEquals(10, stat(rx1, "frames_bypass"));
        assertEquals(10L * SIZE, stat(rx1, "bypass_bytes_copied"), "separate app memories: one copy each");
        assertEquals(tx1.id(), stat(rx1, "bypass_peer"));
        tx1.close();
        rx1.close();

        // the same frames with the bypass off for the receiver: the network carries them
        App overWire = new App();
        SessionManager.Session rx2 = mgr.create(rx(9002, "bypass", "off"), "rx", overWire.attachment());
        SessionManager.Session tx2 = mgr.create(tx("127.0.0.1", 9002), "tx", null);
        for (byte[] b : sent) {
            send(tx2, b);
        }
        assertEquals(10, wire.wireFrames.get());
        assertEquals(10, stat(tx2, "frames_wire"));
        assertEquals(0, stat(tx2, "frames_bypass"));
        assertEquals(10, stat(rx2, "frames_wire"));
        assertEquals(0, stat(rx2, "bypass_peer"));
        assertEquals(10, bypassed.got.size());
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(sent.get(i), bypassed.got.get(i), "frame " + i + " through shared memory");
            assertArrayEquals(sent.get(i), overWire.got.get(i), "frame " + i + " through the network");
        }
    }

    @Test
    void receiverArrivingAndLeavingSwitchesTheSenderLive() throws Exception {
        SessionManager.Session tx = mgr.create(tx("192.0.2.10", 9005), "tx", null); // the proxy's own -i address
        send(tx, frame());
        assertEquals(1, stat(tx, "frames_wire"), "no receiver yet: the network");
        App app = new App();
        SessionManager.Session rx = mgr.create(rx(9005), "rx", app.attachment());
        byte[] b = frame();
        send(tx, b);
        assertEquals(1, stat(tx, "frames_bypass"));
        assertArrayEquals(b, app.got.get(0));
        rx.close();
        send(tx, frame());
        assertEquals(2, stat(tx, "frames_wire"), "receiver gone: back to the network");
        assertEquals(SessionState.ACTIVE, tx.info().state(), "the sender lives on");
        App again = new App();
        SessionManager.Session rx2 = mgr.create(rx(9005), "rx", again.attachment());
        byte[] c = frame();
        send(tx, c);
        assertEquals(2, stat(tx, "frames_bypass"));
        assertArrayEquals(c, again.got.get(0));
        // the sender leaving first: the receiver listens to the network again
        tx.close();
        assertEquals(0, stat(rx2, "bypass_peer"));
        SessionManager.Session stranger = mgr.create(tx("127.0.0.1", 9005, "bypass", "off"), "tx", null);
        byte[] d = frame();
        send(stranger, d);
        assertArrayEquals(d, again.got.get(1), "the receiver takes the network's frames again");
        assertEquals(1, stat(rx2, "frames_wire"));
    }

    @Test
    void onlyUnicastToThisProxyWithMatchingPortFormatAndPayloadTypeIsBypassed() throws Exception {
        App app = new App();
        mgr.create(rx(9010), "rx", app.attachment());
        String[][] wireCases = {{"239.1.1.1", "9010"}, {"192.0.2.11", "9010"}, {"127.0.0.1", "9011"}};
        for (String[] c : wireCases) {
            SessionManager.Session t = mgr.create(tx(c[0], Integer.parseInt(c[1])), "tx", null);
            send(t, frame());
            assertEquals(1, stat(t, "frames_wire"), c[0] + ":" + c[1]);
            t.close();
        }
        ConnectionSpec otherFormat = ConnectionSpec.builder(Direction.TX, "wire",
                new VideoFormat(64, 8, Rational.of(25, 1), PixelFormat.YUV422P10LE)).remote(new Endpoint("127.0.0.1", 9010)).build();
        SessionManager.Session t = mgr.create(otherFormat, "tx", null);
        send(t, frame());
        assertEquals(1, stat(t, "frames_wire"), "another format: as the network would carry it");
        t.close();
        SessionManager.Session pt = mgr.create(ConnectionSpec.builder(Direction.TX, "wire", FMT)
                .remote(new Endpoint("127.0.0.1", 9010)).payloadType(96).build(), "tx", null);
        SessionManager.Session rxPt = mgr.create(ConnectionSpec.builder(Direction.RX, "wire", FMT)
                .local(new Endpoint("", 9012)).payloadType(97).build(), "rx", new App().attachment());
        SessionManager.Session txPt = mgr.create(ConnectionSpec.builder(Direction.TX, "wire", FMT)
                .remote(new Endpoint("127.0.0.1", 9012)).payloadType(96).build(), "tx", null);
        send(txPt, frame());
        assertEquals(1, stat(txPt, "frames_wire"), "payload types 96 and 97 never meet on the network");
        assertEquals(0, stat(rxPt, "bypass_peer"));
        pt.close();
        // a multicast receiver is never fed by the bypass
        SessionManager.Session mrx = mgr.create(ConnectionSpec.builder(Direction.RX, "wire", FMT)
                .local(new Endpoint("", 9013)).remote(new Endpoint("239.2.2.2", 0)).build(), "rx", new App().attachment());
        SessionManager.Session mtx = mgr.create(tx("127.0.0.1", 9013), "tx", null);
        send(mtx, frame());
        assertEquals(1, stat(mtx, "frames_wire"));
        assertEquals(0, stat(mrx, "bypass_peer"));
        // the loopback sender to 9010 still pairs
        SessionManager.Session ok = mgr.create(tx("127.0.0.1", 9010), "tx", null);
        send(ok, frame());
        assertEquals(1, stat(ok, "frames_bypass"));
        assertEquals(2, app.got.size(), "the other format's frame (by the network) and this one");
    }

    @Test
    void settingOffSendsEverythingOnTheWireAndAutoPairsAgainLive() throws Exception {
        App app = new App();
        SessionManager.Session rx = mgr.create(rx(9020), "rx", app.attachment());
        SessionManager.Session tx = mgr.create(tx("127.0.0.1", 9020), "tx", null);
        send(tx, frame());
        assertEquals(1, stat(tx, "frames_bypass"));
        mgr.activate(SessionManagerImplTest.config(16, 16, "off"), Map.of("ip", "192.0.2.10"));
        send(tx, frame());
        assertEquals(1, stat(tx, "frames_wire"));
        assertEquals(1, stat(rx, "frames_wire"), "the receiver takes it from the network");
        mgr.activate(SessionManagerImplTest.config(16, 16, "auto"), Map.of("ip", "192.0.2.10"));
        send(tx, frame());
        assertEquals(2, stat(tx, "frames_bypass"));
        assertEquals(3, app.got.size());
        // a transport that does not allow it (lossy, e.g. a codec) is never bypassed
        WireTransport lossy = new WireTransport("lossy", false);
        mgr.bindTransport(lossy, null);
        SessionManager.Session lrx = mgr.create(ConnectionSpec.builder(Direction.RX, "lossy", FMT)
                .local(new Endpoint("", 9021)).build(), "rx", new App().attachment());
        SessionManager.Session ltx = mgr.create(ConnectionSpec.builder(Direction.TX, "lossy", FMT)
                .remote(new Endpoint("127.0.0.1", 9021)).build(), "tx", null);
        send(ltx, frame());
        assertEquals(1, lossy.wireFrames.get());
        assertNull(ltx.info().stats().get("frames_bypass"));
        assertNull(lrx.info().stats().get("frames_bypass"));
    }

    @Test
    void aNetworkFrameInProgressAtTheSwitchNeitherMixesNorBlocks() throws Exception {
        App app = new App();
        SessionManager.Session rx = mgr.create(rx(9030), "rx", app.attachment());
        WireTransport.Rx rxTransport = wire.listeners.get(9030).get(0);
        assertTrue(rxTransport.startPartial(), "a frame from the network in progress holds an app buffer");
        SessionManager.Session tx = mgr.create(tx("127.0.0.1", 9030), "tx", null);
        send(tx, frame());
        assertEquals(1, stat(tx, "frames_wire"), "the receiver's buffer is taken: this frame goes by the network");
        assertEquals(1, rxTransport.refused, "and the receiver skips it");
        rxTransport.dropPartial(); // its transport gives the buffer back (incomplete frame)
        byte[] b = frame();
        send(tx, b);
        assertEquals(1, stat(tx, "frames_bypass"));
        assertArrayEquals(b, app.got.get(0));
        assertEquals(1, app.got.size(), "nothing mixed in");
        // the receiver app not reading: the sender is not held up for more than the wait, the receiver counts it
        app.free.set(0);
        send(tx, frame());
        assertEquals(1, stat(tx, "bypass_no_buffer"));
        assertEquals(1, stat(rx, "bypass_no_buffer"));
        assertEquals(SessionState.ACTIVE, tx.info().state());
        send(tx, frame());
        assertEquals(2, stat(tx, "bypass_no_buffer"));
        app.free.set(4); // the app reads again
        byte[] c = frame();
        send(tx, c);
        assertEquals(2, stat(tx, "frames_bypass"));
        assertArrayEquals(c, app.got.get(1));
    }

    /** An app with no free buffer: the gate answers null (the transport skips the frame), never a frame wrapping null. */
    @Test
    void aReceiverWhoseAppHasNoFreeBufferGetsNoFrameFromTheGate() throws Exception {
        App app = new App();
        app.free.set(0);
        mgr.create(rx(9050), "rx", app.attachment());
        WireTransport.Rx rxTransport = wire.listeners.get(9050).get(0);
        assertNull(rxTransport.ctx.frameSource().acquire(0, TimeUnit.NANOSECONDS));
        app.free.set(1);
        Frame f = rxTransport.ctx.frameSource().acquire(0, TimeUnit.NANOSECONDS);
        assertNotNull(f);
        assertEquals(SIZE, f.data().capacity());
        f.release();
        assertEquals(1, app.free.get(), "the buffer went back to the app");
    }

    /**
     * A sender app that hands frames as fast as it can (upstream's sample sender_app does not pace itself) is held
     * to the format's 30 fps through the bypass, as the network path holds it: two frames at once, then one a period,
     * each bit-exact; with bypassKeepsFrameRate=false they go as fast as they come.
     */
    @Test
    void aSenderFasterThanTheFrameRateIsHeldToItThroughTheBypass() throws Exception {
        long period = 1_000_000_000L / 30;
        App app = new App();
        SessionManager.Session rx = mgr.create(rx(9060), "rx", app.attachment());
        SessionManager.Session tx = mgr.create(tx("127.0.0.1", 9060), "tx", null);
        List<byte[]> sent = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 8; i++) {
            byte[] b = frame();
            sent.add(b);
            send(tx, b);
        }
        long elapsed = System.nanoTime() - t0;
        assertEquals(8, app.got.size());
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(sent.get(i), app.got.get(i), "frame " + i);
        }
        assertEquals(8, stat(tx, "frames_bypass"));
        assertEquals(6, stat(tx, "bypass_frames_held"), "all but the first two waited for the rate");
        assertTrue(elapsed >= 6 * period - 2_000_000, "8 frames at 30 fps take 6 periods at least: " + elapsed / 1000 + " us");
        for (int i = 2; i < 8; i++) {
            long gap = app.at.get(i) - app.at.get(i - 1);
            assertTrue(gap >= period - 2_000_000, "frame " + i + " came " + gap / 1000 + " us after the one before");
        }
        tx.close();
        rx.close();

        // off: no frame waits
        mgr.activate(SessionManagerImplTest.config(Map.of("maxSessions", 16, "keepEnded", 16, "bypassKeepsFrameRate", false)),
                Map.of("ip", "192.0.2.10"));
        App fast = new App();
        SessionManager.Session rx2 = mgr.create(rx(9061), "rx", fast.attachment());
        SessionManager.Session tx2 = mgr.create(tx("127.0.0.1", 9061), "tx", null);
        for (int i = 0; i < 8; i++) {
            send(tx2, frame());
        }
        assertEquals(8, fast.got.size());
        assertEquals(8, stat(tx2, "frames_bypass"));
        assertEquals(0, stat(tx2, "bypass_frames_held"));
        tx2.close();
        rx2.close();
    }

    /** A sender at the frame rate, each frame early or late by up to half a period, is never held. */
    @Test
    void aSenderAtTheFrameRateIsNeverHeldEvenWithJitter() throws Exception {
        long period = 1_000_000_000L / 30;
        App app = new App();
        SessionManager.Session rx = mgr.create(rx(9062), "rx", app.attachment());
        SessionManager.Session tx = mgr.create(tx("127.0.0.1", 9062), "tx", null);
        long start = System.nanoTime();
        long[] jitter = {0, -period / 2, period / 2, -period / 2, 0, period / 2, period / 2, -period / 2, 0, -period / 3};
        for (int i = 0; i < jitter.length; i++) {
            long when = start + i * period + jitter[i] + period / 2;
            for (long w = when - System.nanoTime(); w > 0; w = when - System.nanoTime()) {
                java.util.concurrent.locks.LockSupport.parkNanos(w);
            }
            long before = System.nanoTime();
            send(tx, frame());
            assertTrue(System.nanoTime() - before < period / 4, "frame " + i + " went at once");
        }
        assertEquals(jitter.length, app.got.size());
        assertEquals(0, stat(tx, "bypass_frames_held"));
        tx.close();
        rx.close();
    }

    @Test
    void poolKeysPairSenderAndReceiverOnly() {
        assertEquals("bypass/wire/9040/" + SIZE, mgr.bypassPoolKey(tx("127.0.0.1", 9040)));
        assertEquals("bypass/wire/9040/" + SIZE, mgr.bypassPoolKey(tx("192.0.2.10", 9040)));
        assertEquals("bypass/wire/9040/" + SIZE, mgr.bypassPoolKey(rx(9040)));
        assertEquals("", mgr.bypassPoolKey(tx("239.1.1.1", 9040)));
        assertEquals("", mgr.bypassPoolKey(tx("192.0.2.99", 9040)));
        assertEquals("", mgr.bypassPoolKey(tx("127.0.0.1", 9040, "bypass", "off")));
    }
}
