package org.mcm.nmos.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.api.session.TransportInfo;
import org.mcm.transport.st2110.SdpAccess;

/**
 * A session registry for the node's tests: holds sessions like the control bundle's does (ids, specs, states),
 * writes senders' SDPs and parses SDPs with the ST 2110 transports' own code, and records every reconnect.
 */
final class TestSessions implements SessionManager {

    record Reconnect(long id, ConnectionSpec spec, long atNanos) {
    }

    private final Map<Long, SessionInfo> sessions = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(1);
    final List<Reconnect> reconnects = new CopyOnWriteArrayList<>();
    volatile String refuseReconnect;

    static String sdpOf(long id, ConnectionSpec spec) {
        if (spec.direction() != Direction.TX || !spec.transport().startsWith("st2110-")) {
            return "";
        }
        String src = spec.local().host().isEmpty() ? "127.0.0.1" : spec.local().host();
        if (spec.format() instanceof VideoFormat v && spec.transport().equals("st2110-20")) {
            return SdpAccess.video(id, src, spec.remote().host(), spec.remote().port(), v);
        }
        if (spec.format() instanceof AudioFormat a) {
            return SdpAccess.audio(id, src, spec.remote().host(), spec.remote().port(), a);
        }
        return "";
    }

    SessionInfo add(ConnectionSpec spec) {
        return add(spec, "test");
    }

    SessionInfo add(ConnectionSpec spec, String owner) {
        long id = ids.getAndIncrement();
        SessionInfo s = new SessionInfo(id, owner, spec, SessionState.ACTIVE, "", Instant.now(), Map.of(), sdpOf(id, spec));
        sessions.put(id, s);
        return s;
    }

    void end(long id) {
        SessionInfo s = sessions.get(id);
        sessions.put(id, new SessionInfo(id, s.owner(), s.spec(), SessionState.CLOSED, "deleted", s.created(), Map.of(), ""));
    }

    @Override
    public Session create(ConnectionSpec spec, String owner, AppAttachment attach) {
        long id = add(spec, owner).id();
        return new Session() {
            @Override
            public long id() {
                return id;
            }

            @Override
            public SessionInfo info() {
                return sessions.get(id);
            }

            @Override
            public FrameSink input() {
                return f -> {
                    f.release();
                    return false;
                };
            }

            @Override
            public void close() {
                delete(id);
            }
        };
    }

    @Override
    public Optional<SessionInfo> get(long id) {
        return Optional.ofNullable(sessions.get(id));
    }

    @Override
    public List<SessionInfo> list() {
        List<SessionInfo> l = new ArrayList<>(sessions.values());
        l.sort(Comparator.comparingLong(SessionInfo::id));
        return l;
    }

    @Override
    public boolean delete(long id) {
        return sessions.remove(id) != null;
    }

    @Override
    public List<TransportInfo> transports() {
        return List.of();
    }

    @Override
    public ConnectionSpec parseDescription(String description) throws SessionException {
        for (String t : List.of("st2110-20", "st2110-22", "st2110-30")) {
            try {
                Optional<ConnectionSpec> spec = SdpAccess.parse(description, t);
                if (spec.isPresent()) {
                    return spec.get();
                }
            } catch (IllegalArgumentException e) {
                throw new SessionException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
            }
        }
        throw new SessionException(ErrorCode.UNKNOWN_TRANSPORT, "no loaded transport understands this session description");
    }

    @Override
    public SessionInfo reconnect(long id, ConnectionSpec spec) throws SessionException {
        SessionInfo s = sessions.get(id);
        if (s == null || s.state().isTerminal()) {
            throw new SessionException(ErrorCode.NOT_FOUND, "no open session " + id);
        }
        if (refuseReconnect != null) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED, refuseReconnect);
        }
        reconnects.add(new Reconnect(id, spec, System.nanoTime()));
        SessionInfo n = spec == null
                ? new SessionInfo(id, s.owner(), s.spec(), SessionState.CREATED, "disconnected", s.created(), Map.of(), "")
                : new SessionInfo(id, s.owner(), spec, SessionState.ACTIVE, "", s.created(), Map.of(), sdpOf(id, spec));
        sessions.put(id, n);
        return n;
    }
}
