package org.mcm.control.internal.sessions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionListener;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.api.session.TransportInfo;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's session registry. Transports are bound dynamically: each {@link Transport} service that appears is
 * usable at once; when one goes away, exactly the sessions opened through it are closed and left in
 * {@link SessionState#TRANSPORT_GONE} so apps, the gRPC API and the console can see what happened.
 */
@Component(service = SessionManager.class, configurationPid = {SessionManagerImpl.PID,
        org.mcm.control.internal.config.LaunchConfiguration.DATAPLANE_PID,
        org.mcm.control.internal.config.LaunchConfiguration.DATAPLANE_RUN_PID})
public class SessionManagerImpl implements SessionManager {

    /** Ordering only: this run's data-plane flags (-i/-d) are in place ({@code org.mcm.dataplane.run}) first. */
    @org.osgi.service.component.annotations.Reference
    org.mcm.control.internal.config.LaunchOverrides launchOverrides;


    /**
     * Carries the Metatype of {@value #PID} for the Web Console (the manager itself also reads the data plane's
     * PID for its media address, and bnd ties a Metatype designation to a component of exactly one PID).
     */
    @Component(service = {}, configurationPid = SessionManagerImpl.PID)
    @Designate(ocd = SessionManagerImpl.Config.class)
    public static final class SettingsMetatype {
    }

    public static final String PID = "org.mcm.control.sessions";

    @ObjectClassDefinition(name = "MCM Session Manager",
            description = "Limits and retention of the media proxy's sessions.")
    public @interface Config {
        @AttributeDefinition(name = "Maximum sessions", description = "Open sessions allowed at once (all transports).", min = "1")
        int maxSessions() default 256;

        @AttributeDefinition(name = "Maximum sessions per creator", description = "Open sessions one creator may hold "
                + "at once: each SDK client connection, each gRPC service (all gRPC controllers together count as that "
                + "service). Keeps one creator from taking every session.", min = "1")
        int maxSessionsPerOwner() default 128;

        @AttributeDefinition(name = "Ended sessions kept", description = "How many ended sessions stay listed (state and reason) before they are forgotten.", min = "0")
        int keepEnded() default 64;

        @AttributeDefinition(name = "Same-proxy bypass", description = "auto: a sender whose unicast destination is a "
                + "receiver on this proxy (its media address or loopback, same port, same lossless transport and format) "
                + "hands its frames over in shared memory instead of the network; multicast always goes on the wire. "
                + "off: always the network. A connection option bypass=off turns it off for one connection.",
                options = {@org.osgi.service.metatype.annotations.Option(label = "auto", value = "auto"),
                        @org.osgi.service.metatype.annotations.Option(label = "off", value = "off")})
        String bypass() default "auto";

        @AttributeDefinition(name = "Bypass wait (ms)", description = "How long a bypassing sender waits for a free "
                + "buffer of the receiver's app before that receiver misses the frame (counted as bypass_no_buffer); after "
                + "a miss the sender does not wait for that receiver again until it takes a frame.", min = "0")
        int bypassWaitMs() default 100;

        @AttributeDefinition(name = "Bypass keeps the frame rate", description = "true (default): a bypassed video "
                + "sender's frames reach the receiving app no faster than the format's frame rate, as they would over "
                + "the network, whose senders are paced: a sender app that hands frames faster (upstream's sample "
                + "sender_app does not pace itself) is held back, up to two frames ahead of the rate, as the network "
                + "path holds it (counted as bypass_frames_held). Frames handed at the rate, early or late by up to a "
                + "frame period, are never held. false: frames go as fast as the apps hand and take them.")
        boolean bypassKeepsFrameRate() default true;
    }

    private static final Logger LOG = LoggerFactory.getLogger(SessionManagerImpl.class);

    private final Map<String, List<TransportEntry>> transports = new ConcurrentHashMap<>();
    private final Map<Long, SessionImpl> sessions = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);
    @Reference
    ProxyCounters counters;
    private volatile Config config;
    final BypassRouter bypass = new BypassRouter();
    private volatile long bypassWaitNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);
    private volatile boolean bypassKeepsFrameRate = true;

    public SessionManagerImpl() {
    }

    /** Outside OSGi (tests): with its counters; call {@link #activate} with a configuration. */
    public SessionManagerImpl(ProxyCounters counters) {
        this.counters = counters;
    }

    @Activate
    @Modified
    public void activate(Config config, Map<String, Object> props) {
        this.config = config;
        bypassWaitNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.max(0, config.bypassWaitMs()));
        bypassKeepsFrameRate = config.bypassKeepsFrameRate();
        Object ip = props == null ? null : props.get("ip"); // the data plane's media address (-i)
        bypass.configure(config.bypass(), ip == null ? null : ip.toString());
    }

    boolean bypassKeepsFrameRate() {
        return bypassKeepsFrameRate;
    }

    long bypassWaitNanos() {
        return bypassWaitNanos;
    }

    /**
     * The shared buffer pool a pooled app of this spec joins so that a same-proxy bypass hands frames over without a
     * copy (empty: a pool of its own).
     */
    public String bypassPoolKey(ConnectionSpec spec) {
        TransportEntry e = transportFor(spec.transport());
        return bypass.poolKey(spec, e != null && e.transport.sameProxyBypass());
    }

    @Deactivate
    void deactivate() {
        for (SessionImpl s : new ArrayList<>(sessions.values())) {
            s.end(SessionState.CLOSED, "proxy shutting down");
        }
        sessions.clear();
    }

    // ---- transports -------------------------------------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void bindTransport(Transport transport, ServiceReference<Transport> ref) {
        TransportEntry entry = new TransportEntry(transport, ref);
        transports.computeIfAbsent(entry.protocol, k -> new CopyOnWriteArrayList<>()).add(entry);
        sortByRanking(entry.protocol);
        synchronized (transportArrival) {
            transportArrival.notifyAll();
        }
        LOG.info("transport '{}' available from {} {}", entry.protocol, entry.bundleName, entry.bundleVersion);
    }

    public void unbindTransport(Transport transport, ServiceReference<Transport> ref) {
        String protocol = null;
        for (Map.Entry<String, List<TransportEntry>> e : transports.entrySet()) {
            if (e.getValue().removeIf(t -> t.transport == transport)) {
                protocol = e.getKey();
            }
        }
        int stopped = 0;
        for (SessionImpl s : sessions.values()) {
            if (s.transport == transport && s.end(SessionState.TRANSPORT_GONE,
                    "transport '" + s.spec.transport() + "' went away (bundle stopped, updated or uninstalled)")) {
                stopped++;
            }
        }
        LOG.info("transport '{}' gone; {} of its sessions stopped", protocol, stopped);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void bindListener(SessionListener l) {
        listeners.add(l);
    }

    void unbindListener(SessionListener l) {
        listeners.remove(l);
    }

    private void sortByRanking(String protocol) {
        List<TransportEntry> list = transports.get(protocol);
        if (list == null) {
            return;
        }
        List<TransportEntry> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparing((TransportEntry t) -> t.ref, Comparator.nullsLast(Comparator.reverseOrder())));
        list.clear();
        list.addAll(sorted);
    }

    // ---- sessions ---------------------------------------------------------------------------------------------

    @Override
    public Session create(ConnectionSpec spec, String owner, AppAttachment attach) throws SessionException {
        counters.increment("sessions_requested");
        try {
            return doCreate(spec, owner, attach);
        } catch (SessionException e) {
            counters.increment("sessions_rejected");
            LOG.debug("session for {} refused: {}", owner, e.toString()); // the caller answers and logs (rate-limited)
            throw e;
        }
    }

    /** Woken when a transport is bound or the framework has started. */
    private final Object transportArrival = new Object();

    /**
     * The control ports open while the rest of the image is still starting: an app that asks at once waits for the
     * transport bundles (at most 10 s, ended early when the framework has started all bundles) instead of being told
     * its transport does not exist. Woken by {@link #bindTransport} and the framework's STARTED event, no polling.
     * Outside OSGi, or once the framework runs, there is nothing to wait for.
     */
    private TransportEntry awaitTransport(String protocol) {
        org.osgi.framework.Bundle b = org.osgi.framework.FrameworkUtil.getBundle(SessionManagerImpl.class);
        org.osgi.framework.BundleContext ctx = b == null ? null : b.getBundleContext();
        if (ctx == null || !frameworkStarting(ctx)) {
            return null;
        }
        org.osgi.framework.FrameworkListener started = ev -> {
            if (ev.getType() == org.osgi.framework.FrameworkEvent.STARTED) {
                synchronized (transportArrival) {
                    transportArrival.notifyAll();
                }
            }
        };
        ctx.addFrameworkListener(started);
        try {
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            synchronized (transportArrival) {
                TransportEntry entry;
                long left;
                while ((entry = transportFor(protocol)) == null && frameworkStarting(ctx)
                        && (left = end - System.nanoTime()) > 0) {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(transportArrival, left);
                }
                return entry;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return transportFor(protocol);
        } catch (IllegalStateException e) {
            return transportFor(protocol); // this bundle is stopping
        } finally {
            try {
                ctx.removeFrameworkListener(started);
            } catch (IllegalStateException e) {
                // the bundle stopped meanwhile: its listeners are gone anyway
            }
        }
    }

    /** True while the OSGi framework is still starting its bundles. */
    private static boolean frameworkStarting(org.osgi.framework.BundleContext ctx) {
        org.osgi.framework.Bundle system = ctx.getBundle(0);
        return system != null && system.getState() == org.osgi.framework.Bundle.STARTING;
    }

    private TransportEntry transportFor(String protocol) {
        List<TransportEntry> candidates = transports.get(protocol);
        return candidates == null || candidates.isEmpty() ? null : candidates.get(0);
    }

    private Session doCreate(ConnectionSpec spec, String owner, AppAttachment attach) throws SessionException {
        TransportEntry entry = transportFor(spec.transport());
        if (entry == null) {
            entry = awaitTransport(spec.transport());
        }
        if (entry == null) {
            throw new SessionException(ErrorCode.UNKNOWN_TRANSPORT, "no transport '" + spec.transport()
                    + "' is loaded (available: " + String.join(", ", new java.util.TreeSet<>(availableProtocols())) + ")");
        }
        if (!entry.transport.directions().contains(spec.direction())) {
            throw new SessionException(ErrorCode.UNSUPPORTED_DIRECTION,
                    "transport '" + spec.transport() + "' cannot carry " + spec.direction());
        }
        Config cfg = config;
        int max = cfg == null ? 256 : cfg.maxSessions();
        if (openCount() >= max) {
            throw new SessionException(ErrorCode.LIMIT_REACHED, "session limit of " + max + " reached");
        }
        int perOwner = cfg == null ? 128 : cfg.maxSessionsPerOwner();
        if (openCount(owner) >= perOwner) {
            throw new SessionException(ErrorCode.LIMIT_REACHED, owner + " already holds " + perOwner
                    + " sessions (maxSessionsPerOwner)");
        }
        long id = nextId.getAndIncrement();
        SessionImpl session = new SessionImpl(this, id, owner, spec, entry.transport, attach);
        bypass.add(session); // a receiver is gated before its transport can receive anything
        TransportSession ts;
        boolean opened = false;
        try {
            ts = entry.transport.open(spec, session);
            opened = true;
        } catch (TransportException e) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new SessionException(ErrorCode.INVALID_ARGUMENT, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED,
                    "transport '" + spec.transport() + "' failed to open: " + e, e);
        } finally {
            if (!opened) {
                bypass.remove(session);
            }
        }
        synchronized (this) {
            session.attach(ts);
            sessions.put(id, session);
        }
        // the transport may have vanished while it was opening
        if (!isBound(entry.transport)) {
            session.end(SessionState.TRANSPORT_GONE, "transport '" + spec.transport() + "' went away while opening");
        } else {
            session.activate();
        }
        counters.increment("sessions_created");
        LOG.info("session {} created for {}: {} {} over {}", id, owner, spec.direction(), spec.format(), spec.transport());
        trimEnded();
        return session;
    }

    private boolean isBound(Transport t) {
        for (List<TransportEntry> list : transports.values()) {
            for (TransportEntry e : list) {
                if (e.transport == t) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<String> availableProtocols() {
        List<String> names = new ArrayList<>();
        transports.forEach((k, v) -> {
            if (!v.isEmpty()) {
                names.add(k);
            }
        });
        return names;
    }

    private int openCount() {
        int n = 0;
        for (SessionImpl s : sessions.values()) {
            if (!s.state().isTerminal()) {
                n++;
            }
        }
        return n;
    }

    private int openCount(String owner) {
        int n = 0;
        for (SessionImpl s : sessions.values()) {
            if (!s.state().isTerminal() && s.owner.equals(owner)) {
                n++;
            }
        }
        return n;
    }

    /** Forgets the oldest ended sessions beyond the configured number kept for display. */
    private void trimEnded() {
        Config cfg = config;
        int keep = cfg == null ? 64 : cfg.keepEnded();
        List<SessionImpl> ended = new ArrayList<>();
        for (SessionImpl s : sessions.values()) {
            if (s.state().isTerminal()) {
                ended.add(s);
            }
        }
        if (ended.size() > keep) {
            ended.sort(Comparator.comparingLong(s -> s.id));
            for (int i = 0; i < ended.size() - keep; i++) {
                sessions.remove(ended.get(i).id);
            }
        }
    }

    @Override
    public Optional<SessionInfo> get(long id) {
        SessionImpl s = sessions.get(id);
        return s == null ? Optional.empty() : Optional.of(s.info());
    }

    @Override
    public List<SessionInfo> list() {
        List<SessionInfo> out = new ArrayList<>();
        for (SessionImpl s : sessions.values()) {
            out.add(s.info());
        }
        out.sort(Comparator.comparingLong(SessionInfo::id));
        return out;
    }

    @Override
    public boolean delete(long id) {
        return delete(id, "deleted");
    }

    @Override
    public boolean delete(long id, String reason) {
        SessionImpl s = sessions.get(id);
        if (s == null) {
            return false;
        }
        if (!s.end(SessionState.CLOSED, reason == null || reason.isBlank() ? "deleted" : reason)) {
            // it had ended on its own (transport gone, failed): keep it listed with that reason (README), once
            synchronized (s) {
                if (s.released) {
                    return false;
                }
                s.released = true;
            }
            return true;
        }
        sessions.remove(id);
        counters.increment("sessions_deleted");
        return true;
    }

    @Override
    public List<TransportInfo> transports() {
        List<TransportInfo> out = new ArrayList<>();
        for (List<TransportEntry> list : transports.values()) {
            for (TransportEntry e : list) {
                int active = 0;
                for (SessionImpl s : sessions.values()) {
                    if (s.transport == e.transport && !s.state().isTerminal()) {
                        active++;
                    }
                }
                Transport t = e.transport;
                out.add(new TransportInfo(e.protocol, t.description(),
                        t.directions().isEmpty() ? EnumSet.noneOf(org.mcm.api.connection.Direction.class) : EnumSet.copyOf(t.directions()),
                        e.bundleName, e.bundleVersion, active));
            }
        }
        out.sort(Comparator.comparing(TransportInfo::protocol));
        return out;
    }

    @Override
    public ConnectionSpec parseDescription(String description) throws SessionException {
        if (description == null || description.isBlank()) {
            throw new SessionException(ErrorCode.INVALID_ARGUMENT, "empty session description");
        }
        for (List<TransportEntry> list : transports.values()) {
            for (TransportEntry e : list) {
                try {
                    Optional<ConnectionSpec> spec = e.transport.parseDescription(description);
                    if (spec.isPresent()) {
                        return spec.get();
                    }
                } catch (IllegalArgumentException ex) {
                    throw new SessionException(ErrorCode.INVALID_ARGUMENT, ex.getMessage(), ex);
                } catch (RuntimeException ex) {
                    LOG.warn("transport '{}' failed to parse a description: {}", e.protocol, ex.toString());
                }
            }
        }
        throw new SessionException(ErrorCode.UNKNOWN_TRANSPORT,
                "no loaded transport understands this session description (loaded: " + availableProtocols() + ")");
    }

    @Override
    public SessionInfo reconnect(long id, ConnectionSpec spec) throws SessionException {
        SessionImpl s = sessions.get(id);
        if (s == null || s.state().isTerminal()) {
            throw new SessionException(ErrorCode.NOT_FOUND, "no open session " + id);
        }
        synchronized (s.reconnectLock) {
            if (spec == null) {
                s.disconnect("disconnected: no peer connected");
                LOG.info("session {} disconnected", id);
                return s.info();
            }
            ConnectionSpec old = s.spec;
            if (spec.direction() != old.direction()) {
                throw new SessionException(ErrorCode.INVALID_ARGUMENT,
                        "session " + id + " is " + old.direction() + ", the new spec " + spec.direction());
            }
            if (spec.format().bufferSize() != old.format().bufferSize()) {
                throw new SessionException(ErrorCode.INVALID_ARGUMENT, "session " + id + " carries " + old.format()
                        + " (" + old.format().bufferSize() + " bytes a buffer); " + spec.format() + " does not fit");
            }
            TransportEntry entry = transportFor(spec.transport());
            if (entry == null) {
                throw new SessionException(ErrorCode.UNKNOWN_TRANSPORT, "no transport '" + spec.transport() + "' is loaded");
            }
            if (!entry.transport.directions().contains(spec.direction())) {
                throw new SessionException(ErrorCode.UNSUPPORTED_DIRECTION,
                        "transport '" + spec.transport() + "' cannot carry " + spec.direction());
            }
            Transport oldTransport = s.transport;
            boolean wasConnected = s.state() == SessionState.ACTIVE;
            s.disconnect("reconnecting");
            try {
                if (!s.connect(spec, entry.transport, openOn(entry.transport, spec, s))) {
                    throw new SessionException(ErrorCode.NOT_FOUND, "session " + id + " ended while reconnecting");
                }
            } catch (SessionException e) {
                if (wasConnected && isBound(oldTransport)) {
                    try {
                        s.connect(old, oldTransport, openOn(oldTransport, old, s));
                    } catch (SessionException again) {
                        s.end(SessionState.FAILED, "reconnect failed (" + e.getMessage() + ") and the previous peer could not be reopened: "
                                + again.getMessage());
                    }
                } else {
                    s.disconnect("disconnected: " + e.getMessage());
                }
                throw e;
            }
            counters.increment("sessions_reconnected");
            LOG.info("session {} reconnected: {} over {} local {} remote {}", id, spec.format(), spec.transport(),
                    spec.local(), spec.remote());
            return s.info();
        }
    }

    private static TransportSession openOn(Transport t, ConnectionSpec spec, SessionImpl s) throws SessionException {
        try {
            return t.open(spec, s);
        } catch (TransportException e) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new SessionException(ErrorCode.INVALID_ARGUMENT, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED, "transport '" + spec.transport() + "' failed to open: " + e, e);
        }
    }

    /** Proxy-wide counters, for the gRPC stats call and the console. */
    public Map<String, Long> counters() {
        Map<String, Long> c = counters.snapshot();
        int open = openCount();
        c.put("sessions_open", (long) open);
        c.put("transports_loaded", (long) transports.values().stream().mapToInt(List::size).sum());
        return c;
    }

    void fire(SessionImpl s) {
        if (listeners.isEmpty()) {
            return;
        }
        SessionInfo info = s.info();
        for (SessionListener l : listeners) {
            try {
                l.sessionChanged(info);
            } catch (RuntimeException e) {
                LOG.warn("session listener {} failed: {}", l, e.toString());
            }
        }
    }

    Instant now() {
        return Instant.now();
    }

    private static final class TransportEntry {
        final Transport transport;
        final ServiceReference<Transport> ref;
        final String protocol;
        final String bundleName;
        final String bundleVersion;

        TransportEntry(Transport transport, ServiceReference<Transport> ref) {
            this.transport = transport;
            this.ref = ref;
            Object p = ref == null ? null : ref.getProperty(Transport.PROTOCOL_PROPERTY);
            this.protocol = p instanceof String s && !s.isBlank() ? s : transport.protocol();
            Bundle b = ref == null ? null : ref.getBundle();
            this.bundleName = b == null ? "?" : b.getSymbolicName();
            this.bundleVersion = b == null ? "?" : String.valueOf(b.getHeaders().get(Constants.BUNDLE_VERSION));
        }
    }
}
