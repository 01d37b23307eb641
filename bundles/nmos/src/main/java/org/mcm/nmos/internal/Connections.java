package org.mcm.nmos.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IS-05 v1.1 state of every sender and receiver: staged and active parameters, immediate and scheduled
 * activations. An activation re-targets the proxy's session through {@link SessionManager#reconnect}; a request
 * that cannot be applied changes nothing (staged and active stay as they were) and gets the error body.
 */
final class Connections {

    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
    static final Pattern UUID_PATTERN = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    static final List<String> RECEIVER_PARAMS = List.of("source_ip", "multicast_ip", "interface_ip", "destination_port", "rtp_enabled");
    static final List<String> SENDER_PARAMS = List.of("source_ip", "destination_ip", "source_port", "destination_port", "rtp_enabled");

    /** Staged (or active) values of one sender or receiver. */
    static final class Values {
        String peerId;
        boolean masterEnable = true;
        String fileData;
        String fileType;
        Map<String, JsonValue> params = new LinkedHashMap<>();

        Values copy() {
            Values v = new Values();
            v.peerId = peerId;
            v.masterEnable = masterEnable;
            v.fileData = fileData;
            v.fileType = fileType;
            v.params = new LinkedHashMap<>(params);
            return v;
        }
    }

    /** One sender or receiver. Guarded by itself. */
    static final class Port {
        final String id;
        final boolean sender;
        volatile long sessionId;
        Values staged;
        Values active;
        String mode;
        String requestedTime;
        String activationTime;
        ScheduledFuture<?> pending;
        volatile String lastResult = "";
        /** The idle-pool slot this receiver stands for, or null for a session's own receiver. */
        IdlePool.Slot slot;

        Port(String id, boolean sender, long sessionId) {
            this.id = id;
            this.sender = sender;
            this.sessionId = sessionId;
        }
    }

    private final SessionManager sessions;
    private final Settings settings;
    private final ScheduledExecutorService timer;
    private final Map<String, Port> ports = new ConcurrentHashMap<>();
    private final Runnable changed;
    private final IdlePool pool;
    private final Map<String, IdlePool.Slot> slots;

    Connections(SessionManager sessions, Settings settings, ScheduledExecutorService timer, Runnable changed) {
        this(sessions, settings, timer, changed, null, Map.of());
    }

    /** With the idle receivers of {@code pool}, by receiver id. */
    Connections(SessionManager sessions, Settings settings, ScheduledExecutorService timer, Runnable changed, IdlePool pool,
            Map<String, IdlePool.Slot> slots) {
        this.sessions = sessions;
        this.settings = settings;
        this.timer = timer;
        this.changed = changed;
        this.pool = pool;
        this.slots = Map.copyOf(slots);
    }

    // ---- bookkeeping ------------------------------------------------------------------------------------------

    /** Follows the model: a port for each sender and receiver, with its initial values from the session's spec. */
    void sync(Model.Snapshot snap) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        for (Model.Resource r : snap.senders()) {
            seen.add(r.id());
            ports.computeIfAbsent(r.id(), id -> fresh(id, true, r.sessionId())).sessionId = r.sessionId();
        }
        for (Model.Resource r : snap.receivers()) {
            seen.add(r.id());
            ports.computeIfAbsent(r.id(), id -> fresh(id, false, r.sessionId())).sessionId = r.sessionId();
        }
        for (Port p : ports.values()) {
            if (!seen.contains(p.id)) {
                synchronized (p) {
                    if (p.pending != null) {
                        p.pending.cancel(false);
                    }
                }
                ports.remove(p.id);
            }
        }
    }

    private Port fresh(String id, boolean sender, long sessionId) {
        Port p = new Port(id, sender, sessionId);
        Values v = new Values();
        IdlePool.Slot slot = sender ? null : slots.get(id);
        if (slot != null) {
            // an idle receiver: disabled, its port comes from the SDP it is given
            p.slot = slot;
            v.masterEnable = false;
            v.params.put("source_ip", JsonValue.NULL);
            v.params.put("multicast_ip", JsonValue.NULL);
            v.params.put("interface_ip", Json.P.createValue(ifaceIp()));
            v.params.put("destination_port", Json.P.createValue("auto"));
            v.params.put("rtp_enabled", JsonValue.TRUE);
            p.staged = v;
            p.active = v.copy();
            return p;
        }
        Optional<SessionInfo> s = sessions.get(sessionId);
        if (s.isPresent()) {
            ConnectionSpec spec = s.get().spec();
            v.params = sender ? senderParams(spec) : receiverParams(spec);
            v.masterEnable = s.get().state() == SessionState.ACTIVE;
        }
        p.staged = v;
        p.active = v.copy();
        return p;
    }

    Model.Subscription subscription(String id) {
        Port p = ports.get(id);
        if (p == null) {
            return null;
        }
        synchronized (p) {
            return new Model.Subscription(p.active.peerId, p.active.masterEnable);
        }
    }

    Port port(String id) {
        return ports.get(id);
    }

    List<Port> ports() {
        return new ArrayList<>(ports.values());
    }

    private String ifaceIp() {
        return settings.interfaceIp() == null || settings.interfaceIp().isBlank() ? settings.bindHost() : settings.interfaceIp();
    }

    private Map<String, JsonValue> receiverParams(ConnectionSpec spec) {
        Map<String, JsonValue> m = new LinkedHashMap<>();
        String group = Model.multicast(spec.remote().host()) ? spec.remote().host() : null;
        m.put("source_ip", JsonValue.NULL);
        m.put("multicast_ip", Json.stringOrNull(group));
        m.put("interface_ip", Json.P.createValue(spec.local().host().isEmpty() ? ifaceIp() : spec.local().host()));
        m.put("destination_port", Json.P.createValue(spec.local().port() == 0 ? 5004 : spec.local().port()));
        m.put("rtp_enabled", JsonValue.TRUE);
        return m;
    }

    private Map<String, JsonValue> senderParams(ConnectionSpec spec) {
        Map<String, JsonValue> m = new LinkedHashMap<>();
        m.put("source_ip", Json.P.createValue(spec.local().host().isEmpty() ? ifaceIp() : spec.local().host()));
        m.put("destination_ip", Json.P.createValue(spec.remote().host().isEmpty() ? ifaceIp() : spec.remote().host()));
        // a sender whose source port the kernel picks shows "auto": there is no better value to tell
        m.put("source_port", spec.local().port() == 0 ? Json.P.createValue("auto") : Json.P.createValue(spec.local().port()));
        m.put("destination_port", Json.P.createValue(spec.remote().port() == 0 ? 5004 : spec.remote().port()));
        m.put("rtp_enabled", JsonValue.TRUE);
        return m;
    }

    // ---- views --------------------------------------------------------------------------------------------------

    JsonArray constraints(Port p) {
        JsonObjectBuilder leg = Json.object();
        for (String k : p.sender ? SENDER_PARAMS : RECEIVER_PARAMS) {
            if (k.equals(p.sender ? "source_ip" : "interface_ip")) {
                leg.add(k, Json.object().add("enum", Json.array().add(ifaceIp())));
            } else {
                leg.add(k, Json.emptyObject());
            }
        }
        return Json.array().add(leg).build();
    }

    JsonObject staged(Port p) {
        synchronized (p) {
            return view(p, p.staged, p.mode, p.requestedTime, p.activationTime);
        }
    }

    JsonObject active(Port p) {
        synchronized (p) {
            return view(p, p.active, null, null, null);
        }
    }

    private JsonObject view(Port p, Values v, String mode, String requested, String activation) {
        JsonObjectBuilder b = Json.object();
        b.add(p.sender ? "receiver_id" : "sender_id", Json.stringOrNull(v.peerId));
        b.add("master_enable", v.masterEnable);
        b.add("activation", Json.object().add("mode", Json.stringOrNull(mode)).add("requested_time", Json.stringOrNull(requested))
                .add("activation_time", Json.stringOrNull(activation)));
        if (!p.sender) {
            b.add("transport_file", Json.object().add("data", Json.stringOrNull(v.fileData)).add("type", Json.stringOrNull(v.fileType)));
        }
        JsonObjectBuilder leg = Json.object();
        v.params.forEach(leg::add);
        b.add("transport_params", Json.array().add(leg));
        return b.build();
    }

    /** The SDP of a sender's stream (404 while it has none). */
    String transportFile(Port p) throws NmosError {
        SessionInfo s = sessions.get(p.sessionId).orElseThrow(() -> new NmosError(404, "sender " + p.id + " has no session"));
        if (s.description().isEmpty() || s.state() != SessionState.ACTIVE) {
            throw new NmosError(404, "sender " + p.id + " is not sending (session " + s.id() + " " + s.state() + ")");
        }
        return s.description();
    }

    // ---- PATCH --------------------------------------------------------------------------------------------------

    /** The outcome of a staged PATCH: 200 or 202 and the staged view. */
    record Patched(int code, JsonObject body) {
    }

    Patched patch(Port p, JsonValue request) throws NmosError {
        if (!(request instanceof JsonObject req)) {
            throw new NmosError(400, "the staged parameters must be a JSON object");
        }
        synchronized (p) {
            Values next = p.staged.copy();
            String mode = null;
            String requested = null;
            boolean activationGiven = false;
            for (Map.Entry<String, JsonValue> e : req.entrySet()) {
                String k = e.getKey();
                JsonValue v = e.getValue();
                switch (k) {
                    case "sender_id", "receiver_id" -> {
                        if (!k.equals(p.sender ? "receiver_id" : "sender_id")) {
                            throw new NmosError(400, "'" + k + "' is not a parameter of a " + (p.sender ? "sender" : "receiver"));
                        }
                        next.peerId = uuidOrNull(k, v);
                    }
                    case "master_enable" -> {
                        if (v != JsonValue.TRUE && v != JsonValue.FALSE) {
                            throw new NmosError(400, "master_enable must be true or false");
                        }
                        next.masterEnable = v == JsonValue.TRUE;
                    }
                    case "activation" -> {
                        if (!(v instanceof JsonObject a)) {
                            throw new NmosError(400, "activation must be an object");
                        }
                        activationGiven = true;
                        for (String ak : a.keySet()) {
                            if (!ak.equals("mode") && !ak.equals("requested_time")) {
                                throw new NmosError(400, "activation has no parameter '" + ak + "'");
                            }
                        }
                        mode = stringOrNull("activation mode", a.get("mode"));
                        requested = stringOrNull("requested_time", a.get("requested_time"));
                        if (mode != null && !List.of("activate_immediate", "activate_scheduled_absolute", "activate_scheduled_relative").contains(mode)) {
                            throw new NmosError(400, "unknown activation mode '" + mode + "'");
                        }
                    }
                    case "transport_file" -> {
                        if (p.sender) {
                            throw new NmosError(400, "a sender takes no transport_file");
                        }
                        if (!(v instanceof JsonObject f)) {
                            throw new NmosError(400, "transport_file must be an object with data and type");
                        }
                        for (String fk : f.keySet()) {
                            if (!fk.equals("data") && !fk.equals("type")) {
                                throw new NmosError(400, "transport_file has no parameter '" + fk + "'");
                            }
                        }
                        next.fileData = stringOrNull("transport_file data", f.getOrDefault("data", JsonValue.NULL));
                        next.fileType = stringOrNull("transport_file type", f.getOrDefault("type", JsonValue.NULL));
                        if ((next.fileData == null) != (next.fileType == null)) {
                            throw new NmosError(400, "transport_file data and type must both be strings or both null");
                        }
                        if (next.fileType != null && !next.fileType.equals("application/sdp")) {
                            throw new NmosError(400, "transport_file type " + next.fileType + " is not supported (application/sdp)");
                        }
                    }
                    case "transport_params" -> mergeParams(p, next, v);
                    default -> throw new NmosError(400, "'" + k + "' is not a staged parameter of a " + (p.sender ? "sender" : "receiver"));
                }
            }
            if (p.pending != null && !(activationGiven && mode == null)) {
                throw new NmosError(423, "an activation is scheduled for " + p.activationTime
                        + "; cancel it by setting activation mode to null");
            }
            // the transport file fills the parameters this request did not set itself (the parameters take precedence)
            ConnectionSpec fromFile = null;
            if (!p.sender && req.containsKey("transport_file") && next.fileData != null) {
                fromFile = parseSdp(next.fileData);
                JsonValue given = req.get("transport_params");
                JsonObject leg = given instanceof JsonArray a && !a.isEmpty() && a.get(0) instanceof JsonObject o ? o : JsonValue.EMPTY_JSON_OBJECT;
                if (!leg.containsKey("multicast_ip")) {
                    next.params.put("multicast_ip", Json.stringOrNull(Model.multicast(fromFile.remote().host()) ? fromFile.remote().host() : null));
                }
                if (!leg.containsKey("destination_port") && fromFile.local().port() != 0) {
                    next.params.put("destination_port", Json.P.createValue(fromFile.local().port()));
                }
                String src = sourceFilter(next.fileData);
                if (!leg.containsKey("source_ip") && src != null) {
                    next.params.put("source_ip", Json.P.createValue(src));
                }
            }
            if (activationGiven && mode == null) {
                if (requested != null) {
                    throw new NmosError(400, "requested_time must be null when the activation mode is null");
                }
                cancel(p);
                p.staged = next;
                return new Patched(200, view(p, p.staged, null, null, null));
            }
            if (mode == null) {
                p.staged = next;
                return new Patched(200, view(p, p.staged, null, null, null));
            }
            // check the target now, so that a request that cannot work is refused before anything changes
            ConnectionSpec target = next.masterEnable ? target(p, next) : null;
            if (mode.equals("activate_immediate")) {
                if (requested != null) {
                    throw new NmosError(400, "requested_time must be null for an immediate activation");
                }
                apply(p, next, target);
                cancel(p);
                p.staged = next;
                String at = Tai.format(Tai.nowNanos());
                return new Patched(200, view(p, p.staged, "activate_immediate", null, at));
            }
            if (requested == null) {
                throw new NmosError(400, mode + " needs a requested_time");
            }
            long req0;
            try {
                req0 = Tai.parse(requested);
            } catch (IllegalArgumentException e) {
                throw new NmosError(400, e.getMessage());
            }
            long now = Tai.nowNanos();
            long at = mode.equals("activate_scheduled_relative") ? now + req0 : req0;
            if (at < now) {
                throw new NmosError(400, "requested_time " + requested + " is in the past (now " + Tai.format(now) + ")");
            }
            cancel(p);
            p.staged = next;
            p.mode = mode;
            p.requestedTime = requested;
            p.activationTime = Tai.format(at);
            Values scheduled = next;
            ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
            self[0] = timer.schedule(() -> fire(p, scheduled, self[0]), Math.max(0, at - Tai.nowNanos()), TimeUnit.NANOSECONDS);
            p.pending = self[0];
            return new Patched(202, view(p, p.staged, p.mode, p.requestedTime, p.activationTime));
        }
    }

    private void fire(Port p, Values scheduled, ScheduledFuture<?> me) {
        synchronized (p) {
            if (p.pending != me && me != null) {
                return;
            }
            p.pending = null;
            p.mode = null;
            p.requestedTime = null;
            p.activationTime = null;
            try {
                apply(p, scheduled, scheduled.masterEnable ? target(p, scheduled) : null);
                LOG.info("IS-05 scheduled activation of {} done", p.id);
            } catch (NmosError e) {
                p.lastResult = "scheduled activation failed: " + e.getMessage();
                LOG.warn("IS-05 scheduled activation of {} failed: {}", p.id, e.getMessage());
            }
        }
    }

    private static void cancel(Port p) {
        if (p.pending != null) {
            p.pending.cancel(false);
            p.pending = null;
        }
        p.mode = null;
        p.requestedTime = null;
        p.activationTime = null;
    }

    /** Applies values to the session; on success they become the active ones. */
    private void apply(Port p, Values v, ConnectionSpec target) throws NmosError {
        try {
            if (p.slot != null) {
                pool.apply(p.slot, target);
                p.sessionId = p.slot.sessionId;
            } else {
                sessions.reconnect(p.sessionId, target);
            }
        } catch (SessionException e) {
            int code = e.code() == ErrorCode.INVALID_ARGUMENT || e.code() == ErrorCode.UNKNOWN_TRANSPORT ? 400
                    : e.code() == ErrorCode.NOT_FOUND ? 404 : 500;
            p.lastResult = "activation failed: " + e.getMessage();
            throw new NmosError(code, "activation failed: " + e.getMessage(), e.code().name());
        }
        Values a = v.copy();
        if (target != null) {
            // "auto" resolves to what is in use
            for (Map.Entry<String, JsonValue> e : a.params.entrySet()) {
                if (e.getValue() instanceof JsonString s && s.getString().equals("auto")) {
                    e.setValue(resolveAuto(p, e.getKey(), target));
                }
            }
        }
        p.active = a;
        p.lastResult = (v.masterEnable ? "activated " : "disabled ") + Tai.format(Tai.nowNanos());
        changed.run();
    }

    private JsonValue resolveAuto(Port p, String key, ConnectionSpec t) {
        return switch (key) {
            case "interface_ip", "source_ip" -> Json.P.createValue(t.local().host().isEmpty() ? ifaceIp() : t.local().host());
            case "destination_port" -> Json.P.createValue(p.sender ? t.remote().port() : t.local().port());
            case "source_port" -> t.local().port() == 0 ? Json.P.createValue("auto") : Json.P.createValue(t.local().port());
            case "destination_ip" -> Json.P.createValue(t.remote().host());
            default -> JsonValue.NULL;
        };
    }

    /** The spec the session is to be reconnected to for these values. */
    private ConnectionSpec target(Port p, Values v) throws NmosError {
        if (p.slot != null) {
            return slotTarget(p, v);
        }
        SessionInfo s = sessions.get(p.sessionId).filter(i -> !i.state().isTerminal())
                .orElseThrow(() -> new NmosError(404, (p.sender ? "sender " : "receiver ") + p.id + " has no open session"));
        ConnectionSpec cur = s.spec();
        Map<String, JsonValue> m = v.params;
        if (p.sender) {
            String dst = text(m.get("destination_ip"));
            int dport = port(m.get("destination_port"), cur.remote().port());
            String src = text(m.get("source_ip"));
            int sport = port(m.get("source_port"), cur.local().port());
            if (dst == null || dst.equals("auto")) {
                dst = cur.remote().host();
            }
            String localHost = src == null || src.equals("auto") || src.equals(ifaceIp()) ? cur.local().host() : src;
            return copy(cur, cur.transport(), cur.payloadType(), cur.options(), new Endpoint(localHost, sport),
                    new Endpoint(dst, dport));
        }
        ConnectionSpec base = cur;
        Map<String, String> options = new LinkedHashMap<>(cur.options());
        if (v.fileData != null) {
            ConnectionSpec f = parseSdp(v.fileData);
            checkFormat(cur, f);
            options.putAll(f.options());
            base = copy(cur, f.transport(), f.payloadType(), options, f.local(), f.remote());
        }
        String group = text(m.get("multicast_ip"));
        String iface = text(m.get("interface_ip"));
        int dport = port(m.get("destination_port"), base.local().port());
        String localHost = iface == null || iface.equals("auto") || iface.equals(ifaceIp()) ? base.local().host() : iface;
        return copy(base, base.transport(), base.payloadType(), base.options(), new Endpoint(localHost, dport),
                new Endpoint(group == null ? "" : group, 0));
    }

    /**
     * An idle receiver's stream: the SDP given (else the one its live session has), with the transport parameters
     * laid over it. Its format is the SDP's, of the slot's media type.
     */
    private ConnectionSpec slotTarget(Port p, Values v) throws NmosError {
        ConnectionSpec base;
        if (v.fileData != null) {
            base = parseSdp(v.fileData);
            String why = p.slot.kind.mismatch(base);
            if (why != null) {
                throw new NmosError(400, why);
            }
            if (base.direction() != Direction.RX) {
                throw new NmosError(400, "the SDP does not describe a stream to receive");
            }
        } else if (pool.live(p.slot)) {
            base = sessions.get(p.slot.sessionId).orElseThrow().spec();
        } else {
            throw new NmosError(400, "receiver " + p.id + " (" + p.slot.key() + ") is idle: enabling it needs a transport_file with the sender's SDP");
        }
        Map<String, JsonValue> m = v.params;
        String group = text(m.get("multicast_ip"));
        String iface = text(m.get("interface_ip"));
        int dport = port(m.get("destination_port"), base.local().port());
        String localHost = iface == null || iface.equals("auto") || iface.equals(ifaceIp()) ? base.local().host() : iface;
        String remote = group != null ? group : base.remote().host();
        return copy(base, base.transport(), base.payloadType(), base.options(), new Endpoint(localHost, dport),
                new Endpoint(remote, base.remote().port()));
    }

    private static ConnectionSpec copy(ConnectionSpec c, String transport, int pt, Map<String, String> options, Endpoint local,
            Endpoint remote) {
        ConnectionSpec.Builder b = ConnectionSpec.builder(c.direction(), transport, c.format()).local(local).remote(remote).payloadType(pt);
        options.forEach(b::option);
        return b.build();
    }

    private static void checkFormat(ConnectionSpec cur, ConnectionSpec sdp) throws NmosError {
        boolean curData = "st2110-40".equals(cur.transport());
        if (curData || "st2110-40".equals(sdp.transport())) {
            if (!curData || !"st2110-40".equals(sdp.transport())) {
                throw new NmosError(400, "the SDP describes an " + sdp.transport() + " stream but this receiver takes " + cur.transport());
            }
            // ancillary data: the app's format (blob size, or the video rate followed) stays
        } else if (cur.format() instanceof VideoFormat a && sdp.format() instanceof VideoFormat b) {
            if (a.width() != b.width() || a.height() != b.height() || !a.frameRate().equals(b.frameRate())) {
                throw new NmosError(400, "the SDP describes " + b.width() + "x" + b.height() + "@" + b.frameRate()
                        + " but this receiver's app takes " + a.width() + "x" + a.height() + "@" + a.frameRate());
            }
        } else if (cur.format() instanceof AudioFormat a && sdp.format() instanceof AudioFormat b) {
            if (!a.equals(b)) {
                throw new NmosError(400, "the SDP describes " + b + " but this receiver's app takes " + a);
            }
        } else {
            throw new NmosError(400, "the SDP describes " + sdp.format() + " but this receiver's app takes " + cur.format());
        }
        if (sdp.direction() != Direction.RX) {
            throw new NmosError(400, "the SDP does not describe a stream to receive");
        }
    }

    private ConnectionSpec parseSdp(String sdp) throws NmosError {
        try {
            return sessions.parseDescription(sdp);
        } catch (SessionException e) {
            throw new NmosError(400, "transport_file: " + e.getMessage(), e.code().name());
        }
    }

    private static String sourceFilter(String sdp) {
        for (String line : sdp.split("\\r?\\n")) {
            String l = line.trim();
            if (l.startsWith("a=source-filter:")) {
                String[] f = l.substring(16).trim().split("\\s+");
                if (f.length >= 5 && isIp(f[4])) {
                    return f[4];
                }
            }
        }
        return null;
    }

    private void mergeParams(Port p, Values next, JsonValue v) throws NmosError {
        if (!(v instanceof JsonArray legs)) {
            throw new NmosError(400, "transport_params must be an array with one object a leg");
        }
        if (legs.size() > 1) {
            throw new NmosError(400, "this " + (p.sender ? "sender" : "receiver") + " has a single leg (no ST 2022-7); got "
                    + legs.size() + " legs in transport_params");
        }
        if (legs.isEmpty()) {
            return;
        }
        if (!(legs.get(0) instanceof JsonObject leg)) {
            throw new NmosError(400, "transport_params[0] must be an object");
        }
        List<String> allowed = p.sender ? SENDER_PARAMS : RECEIVER_PARAMS;
        for (Map.Entry<String, JsonValue> e : leg.entrySet()) {
            String k = e.getKey();
            JsonValue val = e.getValue();
            if (!allowed.contains(k)) {
                throw new NmosError(400, "transport parameter '" + k + "' is not supported here (see /constraints)");
            }
            switch (k) {
                case "rtp_enabled" -> {
                    if (val != JsonValue.TRUE && val != JsonValue.FALSE) {
                        throw new NmosError(400, "rtp_enabled must be true or false");
                    }
                }
                case "destination_port", "source_port" -> {
                    boolean ok = val instanceof JsonString s ? s.getString().equals("auto")
                            : val instanceof JsonNumber n && n.isIntegral() && n.longValue() >= 1 && n.longValue() <= 65535;
                    if (!ok) {
                        throw new NmosError(400, k + " must be a port number 1..65535 or \"auto\", not " + val);
                    }
                }
                default -> {
                    boolean nullable = k.equals("source_ip") || k.equals("multicast_ip");
                    boolean autoOk = !k.equals("multicast_ip") && !(k.equals("source_ip") && !p.sender);
                    boolean ok = val == JsonValue.NULL ? nullable
                            : val instanceof JsonString s && (isIp(s.getString()) || (autoOk && s.getString().equals("auto")));
                    if (!ok) {
                        throw new NmosError(400, k + " must be an IP address" + (autoOk ? " or \"auto\"" : "")
                                + (nullable ? " or null" : "") + ", not " + val);
                    }
                    if (k.equals("multicast_ip") && val instanceof JsonString s && !Model.multicast(s.getString())) {
                        throw new NmosError(400, "multicast_ip " + s.getString() + " is not a multicast address");
                    }
                    if (k.equals(p.sender ? "source_ip" : "interface_ip") && val instanceof JsonString s
                            && !s.getString().equals("auto") && !s.getString().equals(ifaceIp())) {
                        throw new NmosError(400, k + " " + s.getString() + " is not an interface of this node (" + ifaceIp() + ")");
                    }
                }
            }
            next.params.put(k, val);
        }
    }

    static boolean isIp(String s) {
        if (s.matches("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$")) {
            return true;
        }
        if (s.indexOf(':') >= 0 && s.matches("^[0-9a-fA-F:.]+$")) {
            try {
                return InetAddress.getByName(s) != null;
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    private static String uuidOrNull(String k, JsonValue v) throws NmosError {
        if (v == JsonValue.NULL) {
            return null;
        }
        if (v instanceof JsonString s && UUID_PATTERN.matcher(s.getString()).matches()) {
            return s.getString();
        }
        throw new NmosError(400, k + " must be a UUID or null, not " + v);
    }

    private static String stringOrNull(String what, JsonValue v) throws NmosError {
        if (v == null || v == JsonValue.NULL) {
            return null;
        }
        if (v instanceof JsonString s) {
            return s.getString();
        }
        throw new NmosError(400, what + " must be a string or null, not " + v);
    }

    private static String text(JsonValue v) {
        return v instanceof JsonString s ? s.getString() : null;
    }

    private static int port(JsonValue v, int fallback) {
        return v instanceof JsonNumber n ? n.intValue() : fallback;
    }
}
