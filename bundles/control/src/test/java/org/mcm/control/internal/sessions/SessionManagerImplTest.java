package org.mcm.control.internal.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.control.internal.testing.Fakes;

class SessionManagerImplTest {

    SessionManagerImpl mgr;
    Fakes.RecordingTransport a;
    Fakes.RecordingTransport b;
    List<SessionInfo> events;

    static SessionManagerImpl.Config config(int max, int keep) {
        return config(max, keep, "auto");
    }

    static SessionManagerImpl.Config config(int max, int keep, String bypass) {
        return config(Map.of("maxSessions", max, "keepEnded", keep, "bypass", bypass));
    }

    /** The given values, else the declared defaults. */
    public static SessionManagerImpl.Config config(Map<String, Object> values) {
        return Fakes.config(SessionManagerImpl.Config.class, values);
    }

    @BeforeEach
    void setUp() {
        mgr = new SessionManagerImpl(new ProxyCounters());
        mgr.activate(config(4, 2), Map.of());
        a = new Fakes.RecordingTransport("t-a", "fake", EnumSet.allOf(Direction.class));
        b = new Fakes.RecordingTransport("t-b", "fake", EnumSet.of(Direction.TX));
        mgr.bindTransport(a, null);
        mgr.bindTransport(b, null);
        events = new ArrayList<>();
        mgr.bindListener(events::add);
    }

    static ConnectionSpec spec(Direction d, String transport) {
        return ConnectionSpec.builder(d, transport, new BlobFormat(100)).build();
    }

    @Test
    void framesFlowAndStatsMerge() throws Exception {
        SessionManager.Session s = mgr.create(spec(Direction.TX, "t-a"), "test", null);
        assertEquals(SessionState.ACTIVE, s.info().state());
        for (int i = 0; i < 3; i++) {
            assertTrue(s.input().accept(HeapFrame.allocate(10)));
        }
        SessionInfo info = s.info();
        assertEquals(3L, info.stats().get("frames"));
        assertEquals(3L, info.stats().get("app_frames_in"));
        assertEquals("v=0", info.description());
        assertEquals(1, events.size());
        assertEquals(SessionState.ACTIVE, events.get(0).state());
    }

    @Test
    void unbindStopsOnlyThatTransportsSessions() throws Exception {
        SessionManager.Session sa = mgr.create(spec(Direction.TX, "t-a"), "test", null);
        SessionManager.Session sb = mgr.create(spec(Direction.TX, "t-b"), "test", null);
        mgr.unbindTransport(a, null);
        assertEquals(SessionState.TRANSPORT_GONE, sa.info().state());
        assertTrue(sa.info().reason().contains("t-a"));
        assertEquals(0, a.open.get(), "transport session closed");
        assertEquals(SessionState.ACTIVE, sb.info().state());
        AtomicInteger released = new AtomicInteger();
        assertFalse(sa.input().accept(new HeapFrame(java.nio.ByteBuffer.allocate(4), f -> released.incrementAndGet())));
        assertEquals(1, released.get(), "a refused frame is released");
        assertEquals(1L, sa.info().stats().get("app_frames_dropped"));
        SessionException e = assertThrows(SessionException.class, () -> mgr.create(spec(Direction.TX, "t-a"), "x", null));
        assertEquals(ErrorCode.UNKNOWN_TRANSPORT, e.code());
        assertTrue(e.getMessage().contains("t-b"), "lists what is available: " + e.getMessage());
        mgr.bindTransport(a, null);
        assertEquals(SessionState.ACTIVE, mgr.create(spec(Direction.TX, "t-a"), "x", null).info().state());
    }

    @Test
    void refusalsCarryCodes() {
        assertEquals(ErrorCode.UNSUPPORTED_DIRECTION,
                assertThrows(SessionException.class, () -> mgr.create(spec(Direction.RX, "t-b"), "x", null)).code());
        ConnectionSpec refuse = ConnectionSpec.builder(Direction.TX, "t-a", new BlobFormat(1)).option("refuse", "yes").build();
        SessionException e = assertThrows(SessionException.class, () -> mgr.create(refuse, "x", null));
        assertEquals(ErrorCode.TRANSPORT_FAILED, e.code());
        assertEquals("refused by fake", e.getMessage());
        a.failWith = new IllegalArgumentException("bad width");
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(SessionException.class, () -> mgr.create(spec(Direction.TX, "t-a"), "x", null)).code());
        a.failWith = new IllegalStateException("boom");
        assertEquals(ErrorCode.TRANSPORT_FAILED,
                assertThrows(SessionException.class, () -> mgr.create(spec(Direction.TX, "t-a"), "x", null)).code());
        assertTrue(mgr.list().isEmpty(), "refused sessions are not listed");
    }

    @Test
    void limitAndRetention() throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(mgr.create(spec(Direction.TX, "t-a"), "x", null).id());
        }
        assertEquals(ErrorCode.LIMIT_REACHED,
                assertThrows(SessionException.class, () -> mgr.create(spec(Direction.TX, "t-b"), "x", null)).code());
        mgr.unbindTransport(a, null); // 4 sessions end; only 2 ended ones are kept after the next create
        mgr.create(spec(Direction.TX, "t-b"), "x", null);
        long ended = mgr.list().stream().filter(s -> s.state().isTerminal()).count();
        assertEquals(2, ended);
        assertTrue(mgr.get(ids.get(0)).isEmpty(), "oldest ended session forgotten");
        assertTrue(mgr.get(ids.get(3)).isPresent());
    }

    @Test
    void deleteAndFailure() throws Exception {
        SessionManager.Session s = mgr.create(spec(Direction.TX, "t-a"), "x", null);
        a.lastContext.get().failed("link down");
        assertEquals(SessionState.FAILED, s.info().state());
        assertEquals("link down", s.info().reason());
        assertEquals(0, a.open.get());
        assertTrue(mgr.delete(s.id()));
        assertFalse(mgr.delete(s.id()));
        assertEquals(SessionState.FAILED, mgr.get(s.id()).orElseThrow().state(), "an ended session stays listed with its reason");
        SessionManager.Session s2 = mgr.create(spec(Direction.TX, "t-a"), "x", null);
        assertTrue(s2.id() > s.id(), "ids are never reused");
        mgr.deactivate();
        assertEquals(0, a.open.get(), "shutdown closes every transport session");
    }

    @Test
    void transportsAreListedWithActiveCounts() throws Exception {
        mgr.create(spec(Direction.TX, "t-a"), "x", null);
        mgr.create(spec(Direction.TX, "t-a"), "x", null);
        var list = mgr.transports();
        assertEquals(2, list.size());
        assertEquals("t-a", list.get(0).protocol());
        assertEquals(2, list.get(0).activeSessions());
        assertEquals(0, list.get(1).activeSessions());
    }

    /** Defect 9 of issue 17: the app's destroy after a hot swap must not erase the TRANSPORT_GONE record. */
    @Test
    void endedSessionStaysListedWithItsReasonWhenItsAppDeletesIt() throws Exception {
        SessionManager.Session s = mgr.create(spec(Direction.TX, "t-a"), "sdk:/127.0.0.1:40000", null);
        mgr.unbindTransport(a, null);
        assertTrue(mgr.delete(s.id(), "destroyed by its app"), "the app's destroy is accepted");
        SessionInfo info = mgr.get(s.id()).orElseThrow(() -> new AssertionError("TRANSPORT_GONE record vanished"));
        assertEquals(SessionState.TRANSPORT_GONE, info.state());
        assertTrue(info.reason().contains("went away"), info.reason());
        assertTrue(mgr.list().stream().anyMatch(i -> i.id() == s.id()), "listed");
        // a session deleted while open is still forgotten at once
        SessionManager.Session open = mgr.create(spec(Direction.TX, "t-b"), "x", null);
        assertTrue(mgr.delete(open.id()));
        assertTrue(mgr.get(open.id()).isEmpty());
    }

    /** Defect 5 of issue 17: one creator cannot take every session. */
    @Test
    void perCreatorQuotaLeavesRoomForOthers() throws Exception {
        mgr.activate(config(Map.of("maxSessions", 10, "maxSessionsPerOwner", 3)), Map.of());
        for (int i = 0; i < 3; i++) {
            mgr.create(spec(Direction.TX, "t-a"), "grpc:ProxyControl", null);
        }
        SessionException e = assertThrows(SessionException.class,
                () -> mgr.create(spec(Direction.TX, "t-a"), "grpc:ProxyControl", null));
        assertEquals(ErrorCode.LIMIT_REACHED, e.code());
        assertTrue(e.getMessage().contains("grpc:ProxyControl"), e.getMessage());
        assertEquals(SessionState.ACTIVE, mgr.create(spec(Direction.TX, "t-a"), "sdk:/127.0.0.1:5000", null).info().state(),
                "another creator still gets a session");
    }

    @Test
    void reconnectKeepsTheSessionAndRestoresThePreviousPeerOnFailure() throws Exception {
        SessionManager.Session s = mgr.create(spec(Direction.TX, "t-a"), "x", null);
        ConnectionSpec moved = ConnectionSpec.builder(Direction.TX, "t-b", new BlobFormat(100))
                .remote(new org.mcm.api.connection.Endpoint("239.1.1.1", 5004)).build();
        SessionInfo after = mgr.reconnect(s.id(), moved);
        assertEquals(SessionState.ACTIVE, after.state());
        assertEquals(moved, after.spec());
        assertEquals(0, a.open.get(), "the old transport session is closed");
        assertEquals(1, b.open.get());
        assertTrue(s.input().accept(HeapFrame.allocate(10)), "the app's frames go to the new transport");
        assertEquals(1, b.frames.get());

        ConnectionSpec refused = ConnectionSpec.builder(Direction.TX, "t-a", new BlobFormat(100)).option("refuse", "yes").build();
        assertEquals(ErrorCode.TRANSPORT_FAILED, assertThrows(SessionException.class, () -> mgr.reconnect(s.id(), refused)).code());
        assertEquals(moved, s.info().spec(), "nothing half-applied: back on the previous peer");
        assertEquals(SessionState.ACTIVE, s.info().state());
        assertEquals(1, b.open.get());

        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(SessionException.class,
                () -> mgr.reconnect(s.id(), ConnectionSpec.builder(Direction.TX, "t-a", new BlobFormat(200)).build())).code());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(SessionException.class,
                () -> mgr.reconnect(s.id(), spec(Direction.RX, "t-a"))).code());
        assertEquals(ErrorCode.UNKNOWN_TRANSPORT, assertThrows(SessionException.class,
                () -> mgr.reconnect(s.id(), spec(Direction.TX, "t-zz"))).code());

        SessionInfo off = mgr.reconnect(s.id(), null);
        assertEquals(SessionState.CREATED, off.state());
        assertEquals(0, b.open.get(), "disconnect closes the transport session");
        assertFalse(s.input().accept(HeapFrame.allocate(10)), "no peer: frames are dropped");
        assertEquals(SessionState.ACTIVE, mgr.reconnect(s.id(), spec(Direction.TX, "t-a")).state());
        assertEquals(1, a.open.get());
        mgr.delete(s.id());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(SessionException.class, () -> mgr.reconnect(s.id(), null)).code());
    }
}
