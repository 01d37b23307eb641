package org.mcm.console.internal;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionState;
import org.mcm.api.session.TransportInfo;

/**
 * The proxy's metrics in Prometheus form. Keeps what a scrape of the current session list alone cannot give: how
 * many sessions were ever created and ended (by end state), and the frames/bytes of sessions that ended and were
 * forgotten, so the proxy-wide counters never go down. Per-session counters are also held at their highest value
 * while the session is listed (a session whose transport closed reports fewer stats, not smaller counts).
 */
final class ProxyMetrics {

    /** Stats keys that are levels, not counts (written as gauges without the _total suffix). */
    static final Set<String> GAUGE_KEYS = Set.of("receivers", "queued", "packets_per_frame",
            "arrival_spread_us_last", "arrival_spread_us_max", "clients", "codec_threads");

    /**
     * A stats key that is a level (it goes up and down: a client count, a loss fraction, a jitter), not a count:
     * written as a gauge, with its latest value rather than its highest.
     */
    static boolean isGauge(String key) {
        return GAUGE_KEYS.contains(key) || key.startsWith("clients_worst_") || key.endsWith("_permille")
                || key.endsWith("_jitter_us") || key.endsWith("_us_p50") || key.endsWith("_us_p99");
    }

    private static final Map<String, String> HELP = Map.ofEntries(
            Map.entry("frames", "Frames carried by the session's transport."),
            Map.entry("bytes", "Payload bytes carried by the session's transport."),
            Map.entry("packets", "RTP packets sent or received."),
            Map.entry("lost", "RTP packets the receiver never saw (sequence gaps)."),
            Map.entry("reordered", "RTP packets received out of order."),
            Map.entry("duplicates", "Duplicate RTP packets received."),
            Map.entry("late", "RTP packets that arrived after their frame was complete or given up."),
            Map.entry("bad_headers", "Packets with a malformed RTP or payload header."),
            Map.entry("frames_incomplete", "Frames delivered or dropped with missing packets."),
            Map.entry("frames_dropped", "Frames dropped by the transport."),
            Map.entry("no_buffer", "Frames dropped because the app had no free buffer."),
            Map.entry("send_errors", "Socket send errors."),
            Map.entry("app_frames_in", "Frames the app handed to the proxy (TX)."),
            Map.entry("app_frames_dropped", "App frames dropped by the proxy (session not active)."),
            Map.entry("frames_without_receiver", "Frames sent to a local group with no receiver."),
            Map.entry("receivers", "Local receivers in the session's group."),
            Map.entry("queued", "Frames queued for pacing."),
            Map.entry("packets_per_frame", "RTP packets per video frame."),
            Map.entry("arrival_spread_us_last", "Arrival spread of the last frame's packets, microseconds."),
            Map.entry("arrival_spread_us_max", "Largest arrival spread of a frame's packets, microseconds."));

    /**
     * The proxy-wide counters (the api's {@code Counters}, as {@code GetStats} shows them) that are always written,
     * at 0 until the first event, so an alert on them works from the start; others appear once counted. Each is
     * written as {@code mcm_proxy_<name>_total}.
     */
    static final Map<String, String> PROXY_COUNTERS = new java.util.TreeMap<>(Map.ofEntries(
            Map.entry("sdk_auth_refused", "SDK clients refused by authentication (wrong token, or no token where the policy wants one)."),
            Map.entry("sdk_auth_accepted", "SDK clients that authenticated with a valid token (AUTH)."),
            Map.entry("sdk_clients_refused", "SDK connections refused at once (too many unauthenticated ones from one source)."),
            Map.entry("sdk_pending_evicted", "Unauthenticated SDK connections closed to make room for a newcomer."),
            Map.entry("sdk_silent_timeouts", "SDK connections closed for not sending their first request in time."),
            Map.entry("sdk_protocol_errors", "Malformed SDK requests (connection closed)."),
            Map.entry("sdk_requests_failed", "SDK requests refused or failed."),
            Map.entry("grpc_auth_refused", "gRPC calls refused with UNAUTHENTICATED (missing or wrong token, no valid client certificate)."),
            Map.entry("grpc_delete_refused", "gRPC requests to end a session an SDK app owns, refused."),
            Map.entry("grpc_malformed_requests", "gRPC request messages that did not parse (INVALID_ARGUMENT)."),
            Map.entry("grpc_config_errors", "gRPC server starts refused by its settings (fail closed)."),
            Map.entry("log_lines_held", "Log lines held back by the per-source rate limit.")));

    private static final int PRUNED_MEMORY = 4096;

    /** Per listed session: the highest value seen per stats key. */
    private final Map<Long, Map<String, Long>> highest = new HashMap<>();
    /** Sessions whose end was counted. */
    private final Set<Long> ended = new HashSet<>();
    /** Recently forgotten ids, so a late event does not count a session twice. */
    private final LinkedHashSet<Long> pruned = new LinkedHashSet<>();
    private long created;
    private final Map<SessionState, Long> endedByState = new EnumMap<>(SessionState.class);
    private long endedFrames;
    private long endedBytes;
    private long reportedFrames;
    private long reportedBytes;

    /** A session event (from the SessionListener service): count it even if it is gone by the next scrape. */
    synchronized void observe(SessionInfo s) {
        if (pruned.contains(s.id())) {
            return;
        }
        Map<String, Long> h = highest.get(s.id());
        if (h == null) {
            h = new TreeMap<>();
            highest.put(s.id(), h);
            created++;
        }
        for (Map.Entry<String, Long> e : s.stats().entrySet()) {
            long v = e.getValue() == null ? 0L : e.getValue();
            if (isGauge(e.getKey())) {
                h.put(e.getKey(), v); // a level: its latest value
            } else {
                h.merge(e.getKey(), v, Math::max);
            }
        }
        if (s.state().isTerminal() && ended.add(s.id())) {
            endedByState.merge(s.state(), 1L, Long::sum);
            SessionFigures f = figures(s, h);
            endedFrames += f.frames();
            endedBytes += f.bytes();
        }
    }

    /**
     * @param managerUp  whether a SessionManager is bound (when not, sessions and transports are empty)
     * @param sessions   the manager's list now
     * @param transports the manager's transports now
     */
    synchronized String scrape(boolean managerUp, List<SessionInfo> sessions, List<TransportInfo> transports) {
        return scrape(managerUp, sessions, transports, null);
    }

    /**
     * @param counters the proxy-wide counters now, or null when the control bundle provides none (then none are
     *                 written)
     */
    synchronized String scrape(boolean managerUp, List<SessionInfo> sessions, List<TransportInfo> transports,
            Map<String, Long> counters) {
        for (SessionInfo s : sessions) {
            observe(s);
        }
        Set<Long> listed = new HashSet<>();
        sessions.forEach(s -> listed.add(s.id()));
        if (managerUp) {
            forgetUnlisted(listed);
        }

        PrometheusText p = new PrometheusText();
        p.family("mcm_session_manager_up", PrometheusText.Type.GAUGE,
                "1 while the proxy's session manager is running.");
        p.sample("mcm_session_manager_up", Map.of(), managerUp ? 1 : 0);

        p.family("mcm_sessions_created_total", PrometheusText.Type.COUNTER,
                "Sessions created since the console bundle started.");
        p.sample("mcm_sessions_created_total", Map.of(), created);
        p.family("mcm_sessions_ended_total", PrometheusText.Type.COUNTER,
                "Sessions that reached an end state, by that state.");
        for (SessionState st : SessionState.values()) {
            if (st.isTerminal()) {
                p.sample("mcm_sessions_ended_total", Map.of("state", st.name()), endedByState.getOrDefault(st, 0L));
            }
        }
        long open = sessions.stream().filter(s -> !s.state().isTerminal()).count();
        p.family("mcm_sessions_open", PrometheusText.Type.GAUGE, "Sessions not in an end state.");
        p.sample("mcm_sessions_open", Map.of(), open);
        p.family("mcm_transports_loaded", PrometheusText.Type.GAUGE, "Transport services the proxy can use now.");
        p.sample("mcm_transports_loaded", Map.of(), transports.size());

        long frames = endedFrames;
        long bytes = endedBytes;
        for (SessionInfo s : sessions) {
            if (!ended.contains(s.id())) {
                SessionFigures f = figures(s, highest.get(s.id()));
                frames += f.frames();
                bytes += f.bytes();
            }
        }
        reportedFrames = Math.max(reportedFrames, frames);
        reportedBytes = Math.max(reportedBytes, bytes);
        p.family("mcm_frames_total", PrometheusText.Type.COUNTER,
                "Frames carried by all sessions since the console bundle started watching.");
        p.sample("mcm_frames_total", Map.of(), reportedFrames);
        p.family("mcm_bytes_total", PrometheusText.Type.COUNTER,
                "Payload bytes carried by all sessions (frames times buffer size where a transport counts no bytes).");
        p.sample("mcm_bytes_total", Map.of(), reportedBytes);

        if (counters != null) {
            proxyCounters(p, counters);
        }

        // per transport
        p.family("mcm_transport_sessions_active", PrometheusText.Type.GAUGE,
                "Sessions open on a loaded transport.");
        for (TransportInfo t : transports) {
            p.sample("mcm_transport_sessions_active", labels("transport", t.protocol(), "bundle", t.bundle(),
                    "bundle_version", t.bundleVersion()), t.activeSessions());
        }
        p.family("mcm_transport_sessions", PrometheusText.Type.GAUGE,
                "Listed sessions per transport and state (ended sessions stay listed for a while).");
        Map<String, Map<SessionState, Long>> byTransport = new TreeMap<>();
        for (TransportInfo t : transports) {
            byTransport.computeIfAbsent(t.protocol(), k -> new EnumMap<>(SessionState.class));
        }
        for (SessionInfo s : sessions) {
            byTransport.computeIfAbsent(s.spec().transport(), k -> new EnumMap<>(SessionState.class))
                    .merge(s.state(), 1L, Long::sum);
        }
        byTransport.forEach((transport, counts) -> {
            for (SessionState st : SessionState.values()) {
                p.sample("mcm_transport_sessions", labels("transport", transport, "state", st.name()),
                        counts.getOrDefault(st, 0L));
            }
        });

        // per session: one family per stats key
        p.family("mcm_session_info", PrometheusText.Type.GAUGE,
                "Always 1; labels describe the session (owner, format).");
        Map<String, Map<SessionInfo, Long>> byKey = new TreeMap<>();
        for (SessionInfo s : sessions) {
            p.sample("mcm_session_info", sessionLabels(s, "owner", s.owner(), "format", s.spec().format().toString()), 1);
            Map<String, Long> h = highest.getOrDefault(s.id(), s.stats());
            for (Map.Entry<String, Long> e : h.entrySet()) {
                byKey.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(s, e.getValue());
            }
        }
        Map<String, String> taken = new HashMap<>();
        for (Map.Entry<String, Map<SessionInfo, Long>> e : byKey.entrySet()) {
            String key = e.getKey();
            boolean gauge = isGauge(key);
            String name = "mcm_session_" + PrometheusText.sanitize(key);
            if (!gauge && !name.endsWith("_total")) {
                name += "_total";
            }
            if (taken.putIfAbsent(name, key) != null) {
                continue; // two keys sanitised to the same name: keep the first
            }
            String help = HELP.getOrDefault(key, "Session counter '" + key + "' reported by the transport.");
            p.family(name, gauge ? PrometheusText.Type.GAUGE : PrometheusText.Type.COUNTER, help);
            for (Map.Entry<SessionInfo, Long> v : e.getValue().entrySet()) {
                p.sample(name, sessionLabels(v.getKey()), v.getValue());
            }
        }
        return p.render();
    }

    /** One counter family per proxy-wide counter: the always-written ones, and any other counted so far. */
    private static void proxyCounters(PrometheusText p, Map<String, Long> counters) {
        Map<String, Long> all = new TreeMap<>();
        PROXY_COUNTERS.keySet().forEach(k -> all.put(k, 0L));
        counters.forEach((k, v) -> all.put(k, v == null ? 0L : v));
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, Long> e : all.entrySet()) {
            String name = "mcm_proxy_" + PrometheusText.sanitize(e.getKey());
            if (!name.endsWith("_total")) {
                name += "_total";
            }
            if (!names.add(name)) {
                continue; // two names sanitised alike: keep the first
            }
            p.family(name, PrometheusText.Type.COUNTER,
                    PROXY_COUNTERS.getOrDefault(e.getKey(), "Proxy counter '" + e.getKey() + "' (as GetStats shows it)."));
            p.sample(name, Map.of(), e.getValue());
        }
    }

    private void forgetUnlisted(Set<Long> listed) {
        for (Long id : Set.copyOf(highest.keySet())) {
            if (!listed.contains(id) && ended.contains(id)) {
                highest.remove(id);
                ended.remove(id);
                pruned.add(id);
            }
        }
        while (pruned.size() > PRUNED_MEMORY) {
            Long first = pruned.iterator().next();
            pruned.remove(first);
        }
    }

    private static SessionFigures figures(SessionInfo s, Map<String, Long> highest) {
        if (highest == null) {
            return SessionFigures.of(s);
        }
        return SessionFigures.of(new SessionInfo(s.id(), s.owner(), s.spec(), s.state(), s.reason(), s.created(),
                highest, s.description()));
    }

    private static Map<String, String> sessionLabels(SessionInfo s, String... extra) {
        Map<String, String> m = labels("session", Long.toString(s.id()), "transport", s.spec().transport(),
                "direction", s.spec().direction().name(), "state", s.state().name());
        for (int i = 0; i + 1 < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return m;
    }

    private static Map<String, String> labels(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
