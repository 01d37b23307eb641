package org.mcm.control.internal.sessions;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One session: its spec, state and the transport session carrying it. */
final class SessionImpl implements SessionManager.Session, TransportContext {

    private static final Logger LOG = LoggerFactory.getLogger(SessionImpl.class);

    final long id;
    final String owner;
    volatile ConnectionSpec spec;
    volatile Transport transport;
    /** Serializes {@link SessionManagerImpl#reconnect} calls on this session. */
    final Object reconnectLock = new Object();
    private final SessionManagerImpl manager;
    private final SessionManager.AppAttachment attach;
    private final Instant created;
    private final LongAdder framesIn = new LongAdder();
    private final LongAdder framesDropped = new LongAdder();
    private final FrameSink input = this::acceptFromApp;
    private volatile TransportSession transportSession;
    private volatile SessionState state = SessionState.CREATED;
    private volatile String reason = "";
    /** RX whose transport allows the same-proxy bypass, with an app: the app side, shared with a bypassing sender. */
    final RxGate gate;
    /** TX: the receiver on this proxy that gets this sender's frames through shared memory, or null (network). */
    volatile SessionImpl bypassTo;
    /** RX: the sender on this proxy that feeds it through shared memory, or null. */
    volatile SessionImpl bypassFrom;
    private final LongAdder framesWire = new LongAdder();
    private final LongAdder framesBypass = new LongAdder();
    private final LongAdder bypassNoBuffer = new LongAdder();
    /** TX: holds a bypassed stream to its format's frame rate, as the network path would (see bypassKeepsFrameRate). */
    private final RatePacer bypassPacer = new RatePacer();
    private final LongAdder bypassHeld = new LongAdder();
    /** Deleted by its owner or an operator after it had ended (it stays listed for its reason). */
    volatile boolean released;

    SessionImpl(SessionManagerImpl manager, long id, String owner, ConnectionSpec spec, Transport transport,
            SessionManager.AppAttachment attach) {
        this.manager = manager;
        this.id = id;
        this.owner = owner;
        this.spec = spec;
        this.transport = transport;
        this.attach = attach;
        this.created = manager.now();
        this.gate = spec.direction() == Direction.RX && attach != null && attach.source() != null
                && attach.sink() != null && transport.sameProxyBypass() ? new RxGate(attach.source(), attach.sink()) : null;
    }

    void attach(TransportSession ts) {
        boolean endedWhileOpening;
        synchronized (this) {
            this.transportSession = ts;
            endedWhileOpening = state.isTerminal();
        }
        if (endedWhileOpening) {
            ts.close();
        }
    }

    void activate() {
        synchronized (this) {
            if (state != SessionState.CREATED) {
                return;
            }
            state = SessionState.ACTIVE;
        }
        manager.fire(this);
    }

    SessionState state() {
        return state;
    }

    /**
     * Moves to a terminal state and closes the transport session; returns false if the session had already ended.
     */
    boolean end(SessionState terminal, String why) {
        TransportSession ts;
        synchronized (this) {
            if (state.isTerminal()) {
                return false;
            }
            state = terminal;
            reason = why;
            ts = transportSession;
        }
        manager.bypass.remove(this); // the partner goes back to the network before this transport closes
        if (ts != null) {
            try {
                ts.close();
            } catch (RuntimeException e) {
                LOG.warn("session {}: transport close failed: {}", id, e.toString());
            }
        }
        if (terminal != SessionState.CLOSED) {
            LOG.warn("session {} is {}: {}", id, terminal, why);
        }
        if (terminal == SessionState.FAILED) {
            manager.counters.increment("sessions_failed");
        }
        manager.fire(this);
        return true;
    }

    /** Closes the transport session but stays open without one (CREATED) until reconnected or ended. */
    void disconnect(String why) {
        TransportSession old;
        synchronized (this) {
            if (state.isTerminal()) {
                return;
            }
            old = transportSession;
            transportSession = null;
            state = SessionState.CREATED;
            reason = why;
        }
        if (old != null) {
            try {
                old.close();
            } catch (RuntimeException e) {
                LOG.warn("session {}: transport close failed: {}", id, e.toString());
            }
        }
        manager.fire(this);
    }

    /** Carries on over a newly opened transport session; false (and {@code ts} closed) if the session ended meanwhile. */
    boolean connect(ConnectionSpec newSpec, Transport newTransport, TransportSession ts) {
        synchronized (this) {
            if (state.isTerminal()) {
                ts.close();
                return false;
            }
            spec = newSpec;
            transport = newTransport;
            transportSession = ts;
            state = SessionState.ACTIVE;
            reason = "";
        }
        manager.fire(this);
        return true;
    }

    private boolean acceptFromApp(Frame frame) {
        TransportSession ts = transportSession;
        if (state != SessionState.ACTIVE || ts == null || spec.direction() != Direction.TX) {
            framesDropped.increment();
            frame.release();
            return false;
        }
        framesIn.increment();
        SessionImpl rx = bypassTo;
        if (rx != null) {
            if (manager.bypassKeepsFrameRate() && bypassPacer.await(framePeriodNanos(spec)) > 0) {
                bypassHeld.increment();
            }
            RxGate.Result r;
            framesBypass.increment(); // before the receiving app can see it; taken back below if it did not go
            try {
                r = rx.gate.deliver(frame, manager.bypassWaitNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r = RxGate.Result.NO_BUFFER;
            }
            if (r != RxGate.Result.BUSY) {
                frame.release();
                if (r == RxGate.Result.NO_BUFFER) {
                    framesBypass.decrement();
                    bypassNoBuffer.increment();
                    return false;
                }
                return true;
            }
            framesBypass.decrement();
            // the receiver's transport still holds a buffer for a frame from the network: this one goes by the
            // network too (the receiver skips it), and its transport gives the buffer back when it sees it
        }
        framesWire.increment();
        return ts.input().accept(frame);
    }

    /** The frame period of a video format with a frame rate, else 0 (no rate to keep). */
    static long framePeriodNanos(ConnectionSpec spec) {
        if (spec.format() instanceof org.mcm.api.media.VideoFormat v && v.frameRate().numerator() > 0
                && v.frameRate().denominator() > 0) {
            return v.frameRate().denominator() * 1_000_000_000L / v.frameRate().numerator();
        }
        return 0;
    }

    // ---- SessionManager.Session ----

    @Override
    public long id() {
        return id;
    }

    @Override
    public SessionInfo info() {
        Map<String, Long> stats = new TreeMap<>();
        TransportSession ts = transportSession;
        if (ts != null) {
            try {
                stats.putAll(ts.stats());
            } catch (RuntimeException e) {
                LOG.debug("session {}: stats failed: {}", id, e.toString());
            }
        }
        stats.put("app_frames_in", framesIn.sum());
        stats.put("app_frames_dropped", framesDropped.sum());
        if (spec.direction() == Direction.TX && transport.sameProxyBypass()) {
            SessionImpl rx = bypassTo;
            stats.put("frames_wire", framesWire.sum());
            stats.put("frames_bypass", framesBypass.sum());
            stats.put("bypass_no_buffer", bypassNoBuffer.sum());
            stats.put("bypass_frames_held", bypassHeld.sum()); // came faster than the frame rate and waited
            stats.put("bypass_peer", rx == null ? 0L : rx.id);
        }
        if (gate != null) {
            SessionImpl tx = bypassFrom;
            stats.put("frames_wire", gate.framesWire.sum());
            stats.put("frames_bypass", gate.framesBypass.sum());
            stats.put("bypass_frames_shared", gate.framesShared.sum());
            stats.put("bypass_bytes_copied", gate.bytesCopied.sum());
            stats.put("bypass_no_buffer", gate.noBuffer.sum());
            stats.put("wire_buffers_refused", gate.wireRefused.sum());
            stats.put("bypass_peer", tx == null ? 0L : tx.id);
        }
        return new SessionInfo(id, owner, spec, state, reason, created, stats, description());
    }

    @Override
    public FrameSink input() {
        return input;
    }

    @Override
    public void close() {
        manager.delete(id);
    }

    // ---- TransportContext ----

    @Override
    public long sessionId() {
        return id;
    }

    @Override
    public FrameSource frameSource() {
        return gate != null ? gate.source() : attach == null ? null : attach.source();
    }

    @Override
    public FrameSink output() {
        return gate != null ? gate.sink() : attach == null ? null : attach.sink();
    }

    @Override
    public void failed(String why) {
        end(SessionState.FAILED, why);
    }

    private String description() {
        TransportSession ts = transportSession;
        try {
            return ts == null ? "" : ts.description();
        } catch (RuntimeException e) {
            return "";
        }
    }
}
