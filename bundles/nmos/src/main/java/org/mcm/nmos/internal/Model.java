package org.mcm.nmos.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionState;

/**
 * The IS-04 resources of the proxy: one node, one device, and for every ST 2110 session a sender (with its source
 * and flow) or a receiver. Ids are name-based UUIDs of the seed and the session's spec as first seen (the same spec
 * gives the same id after a restart; a second session with the same spec gets a numbered name). Every resource
 * carries a version that moves on to the current TAI time whenever its content changes.
 */
final class Model {

    /** One resource of the model, with the session it stands for (0 for the node and device). */
    record Resource(String type, String id, JsonObject body, long sessionId) {
        String version() {
            return body.getString("version");
        }
    }

    /** The whole model at one instant, in registration (dependency) order. */
    record Snapshot(Resource node, Resource device, List<Resource> sources, List<Resource> flows,
            List<Resource> senders, List<Resource> receivers) {

        List<Resource> all() {
            List<Resource> out = new ArrayList<>();
            out.add(node);
            out.add(device);
            out.addAll(sources);
            out.addAll(flows);
            out.addAll(senders);
            out.addAll(receivers);
            return out;
        }

        List<Resource> ofType(String type) {
            return switch (type) {
                case "nodes", "self" -> List.of(node);
                case "devices" -> List.of(device);
                case "sources" -> sources;
                case "flows" -> flows;
                case "senders" -> senders;
                case "receivers" -> receivers;
                default -> List.of();
            };
        }

        Resource find(String type, String id) {
            for (Resource r : ofType(type)) {
                if (r.id.equals(id)) {
                    return r;
                }
            }
            return null;
        }
    }

    /** IS-05's view of a sender or receiver, shown in the IS-04 subscription. */
    record Subscription(String peerId, boolean active) {
    }

    private final Settings settings;
    private final Map<Long, String> keys = new HashMap<>();
    private final Map<String, String[]> versions = new HashMap<>(); // id -> {content, version}
    private long lastVersion;

    Model(Settings settings) {
        this(settings, Map.of());
    }

    /** With the keys an earlier instance gave the same sessions (the bundle restarted, the sessions did not). */
    Model(Settings settings, Map<Long, String> earlierKeys) {
        this.settings = settings;
        this.keys.putAll(earlierKeys);
    }

    /** Session id to the key its resource ids derive from, to be handed to {@link #Model(Settings, Map)}. */
    synchronized Map<Long, String> keys() {
        return new HashMap<>(keys);
    }

    static boolean carried(SessionInfo s) {
        return s.spec().transport().startsWith("st2110-") && !s.state().isTerminal()
                && (s.spec().format() instanceof VideoFormat || s.spec().format() instanceof AudioFormat || data(s));
    }

    /** ST 2110-40 ancillary data (a blob format, or the video format whose rate it follows): a data flow. */
    static boolean data(SessionInfo s) {
        return "st2110-40".equals(s.spec().transport());
    }

    String baseUrl() {
        String h = settings.advertisedHost();
        return "http://" + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + settings.port() + "/";
    }

    String nodeId() {
        return uuid("node");
    }

    String deviceId() {
        return uuid("device");
    }

    /** The id of the sender or receiver of a session; stable while the session lives, whatever it is reconnected to. */
    synchronized String resourceId(SessionInfo s) {
        String key = keys.get(s.id());
        if (key == null) {
            ConnectionSpec c = s.spec();
            String base = c.direction() + "|" + c.transport() + "|" + c.format() + "|" + c.local() + "|" + c.remote() + "|"
                    + c.payloadType();
            key = base;
            for (int n = 2; keys.containsValue(key); n++) {
                key = base + "#" + n;
            }
            keys.put(s.id(), key);
        }
        return uuid((s.spec().direction() == Direction.TX ? "sender|" : "receiver|") + key);
    }

    private String uuid(String name) {
        return UUID.nameUUIDFromBytes(("mcm-nmos|" + settings.seed() + "|" + name).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Builds the model from the session list; {@code subscriptions} gives IS-05's view by sender/receiver id. */
    synchronized Snapshot build(List<SessionInfo> sessions, Function<String, Subscription> subscriptions) {
        return build(sessions, subscriptions, null);
    }

    /** The id of an idle receiver (stable: derived from the seed and the slot's media type and number). */
    String slotId(IdlePool.Slot slot) {
        return uuid("idle-receiver|" + slot.key());
    }

    /** With the receivers of the idle pool (their sessions, when they have one, are not listed again). */
    synchronized Snapshot build(List<SessionInfo> sessions, Function<String, Subscription> subscriptions, IdlePool pool) {
        Set<Long> live = new HashSet<>();
        List<Resource> sources = new ArrayList<>();
        List<Resource> flows = new ArrayList<>();
        List<Resource> senders = new ArrayList<>();
        List<Resource> receivers = new ArrayList<>();
        Set<Long> slotSessions = new HashSet<>();
        if (pool != null) {
            for (IdlePool.Slot slot : pool.slots()) {
                String id = slotId(slot);
                long sid = slot.sessionId;
                SessionInfo open = null;
                for (SessionInfo s : sessions) {
                    if (s.id() == sid && sid != 0) {
                        open = s.state().isTerminal() ? null : s;
                        slotSessions.add(sid);
                    }
                }
                receivers.add(versioned("receivers", id, slotReceiver(slot, id, open, subscriptions.apply(id)), sid));
            }
        }
        for (SessionInfo s : sessions) {
            if (!carried(s) || slotSessions.contains(s.id())) {
                continue;
            }
            live.add(s.id());
            String id = resourceId(s);
            Subscription sub = subscriptions.apply(id);
            if (s.spec().direction() == Direction.TX) {
                String sourceId = uuid("source|" + keys.get(s.id()));
                String flowId = uuid("flow|" + keys.get(s.id()));
                sources.add(versioned("sources", sourceId, source(s, sourceId), s.id()));
                flows.add(versioned("flows", flowId, flow(s, flowId, sourceId), s.id()));
                senders.add(versioned("senders", id, sender(s, id, flowId, sub), s.id()));
            } else {
                receivers.add(versioned("receivers", id, receiver(s, id, sub), s.id()));
            }
        }
        keys.keySet().retainAll(live);
        Resource node = versioned("nodes", nodeId(), node(), 0);
        List<String> senderIds = senders.stream().map(Resource::id).toList();
        List<String> receiverIds = receivers.stream().map(Resource::id).toList();
        Resource device = versioned("devices", deviceId(), device(senderIds, receiverIds), 0);
        Set<String> ids = new HashSet<>();
        for (List<Resource> l : List.of(sources, flows, senders, receivers)) {
            l.forEach(r -> ids.add(r.id));
        }
        ids.add(node.id);
        ids.add(device.id);
        versions.keySet().retainAll(ids);
        return new Snapshot(node, device, sources, flows, senders, receivers);
    }

    private Resource versioned(String type, String id, JsonObjectBuilder content, long sessionId) {
        JsonObject body = content.build();
        String text = Json.write(body);
        String[] known = versions.get(id);
        String version;
        if (known != null && known[0].equals(text)) {
            version = known[1];
        } else {
            long now = Math.max(Tai.nowNanos(), lastVersion + 1);
            lastVersion = now;
            version = Tai.format(now);
            versions.put(id, new String[] {text, version});
        }
        return new Resource(type, id, Json.object(body).add("version", version).build(), sessionId);
    }

    private JsonObjectBuilder core(String id, String label, String description) {
        return Json.object().add("id", id).add("label", label).add("description", description).add("tags", Json.emptyObject());
    }

    private JsonObjectBuilder node() {
        String base = baseUrl();
        String host = settings.advertisedHost();
        return core(nodeId(), settings.label(), "MCM media proxy (Media Communications Mesh for Java)")
                .add("href", base)
                .add("hostname", host)
                .add("api", Json.object()
                        .add("versions", Json.strings(List.of("v1.3")))
                        .add("endpoints", Json.array().add(Json.object().add("host", host).add("port", settings.port())
                                .add("protocol", "http"))))
                .add("caps", Json.emptyObject())
                .add("services", Json.array())
                .add("clocks", Json.array().add(Json.object().add("name", "clk0").add("ref_type", "internal")))
                .add("interfaces", Json.array().add(Json.object().add("chassis_id", jakarta.json.JsonValue.NULL)
                        .add("port_id", "00-00-00-00-00-00").add("name", Model.INTERFACE)));
    }

    static final String INTERFACE = "media0";

    private JsonObjectBuilder device(List<String> senders, List<String> receivers) {
        return core(deviceId(), settings.label(), "ST 2110 senders and receivers of the MCM media proxy's sessions")
                .add("type", "urn:x-nmos:device:generic")
                .add("node_id", nodeId())
                .add("senders", Json.strings(senders))
                .add("receivers", Json.strings(receivers))
                .add("controls", Json.array().add(Json.object()
                        .add("href", baseUrl() + "x-nmos/connection/v1.1/")
                        .add("type", "urn:x-nmos:control:sr-ctrl/v1.1")));
    }

    private static String label(SessionInfo s) {
        return "MCM session " + s.id() + " " + s.spec().transport() + " " + (s.spec().direction() == Direction.TX ? "sender" : "receiver");
    }

    private static String description(SessionInfo s) {
        return s.spec().format() + " over " + s.spec().transport() + " (owner " + s.owner() + ")";
    }

    private JsonObjectBuilder source(SessionInfo s, String sourceId) {
        MediaFormat f = s.spec().format();
        JsonObjectBuilder b = core(sourceId, label(s) + " source", description(s))
                .add("caps", Json.emptyObject())
                .add("device_id", deviceId())
                .add("parents", Json.array())
                .add("clock_name", "clk0");
        if (data(s)) {
            b.add("format", "urn:x-nmos:format:data");
        } else if (f instanceof AudioFormat a) {
            JsonArrayBuilder ch = Json.array();
            for (int i = 1; i <= a.channels(); i++) {
                ch.add(Json.object().add("label", "Channel " + i));
            }
            b.add("format", "urn:x-nmos:format:audio").add("channels", ch);
        } else {
            VideoFormat v = (VideoFormat) f;
            b.add("format", "urn:x-nmos:format:video").add("grain_rate", rate(v));
        }
        return b;
    }

    private static JsonObjectBuilder rate(VideoFormat v) {
        return Json.object().add("numerator", v.frameRate().numerator()).add("denominator", v.frameRate().denominator());
    }

    private JsonObjectBuilder flow(SessionInfo s, String flowId, String sourceId) {
        MediaFormat f = s.spec().format();
        JsonObjectBuilder b = core(flowId, label(s) + " flow", description(s))
                .add("source_id", sourceId)
                .add("device_id", deviceId())
                .add("parents", Json.array());
        if (data(s)) {
            return b.add("format", "urn:x-nmos:format:data").add("media_type", "video/smpte291");
        }
        if (f instanceof AudioFormat a) {
            return b.add("format", "urn:x-nmos:format:audio")
                    .add("sample_rate", Json.object().add("numerator", a.sampleRate()))
                    .add("media_type", "audio/L" + a.bitDepth())
                    .add("bit_depth", a.bitDepth());
        }
        VideoFormat v = (VideoFormat) f;
        b.add("format", "urn:x-nmos:format:video").add("grain_rate", rate(v))
                .add("frame_width", v.width()).add("frame_height", v.height())
                .add("interlace_mode", "progressive").add("colorspace", "BT709").add("transfer_characteristic", "SDR");
        if ("st2110-22".equals(s.spec().transport())) {
            return b.add("media_type", "video/jxsv");
        }
        return b.add("media_type", "video/raw").add("components", components(v));
    }

    private static JsonArrayBuilder components(VideoFormat v) {
        int w = v.width();
        int h = v.height();
        JsonArrayBuilder c = Json.array();
        switch (v.pixelFormat()) {
            case RGB24 -> {
                for (String n : List.of("R", "G", "B")) {
                    c.add(component(n, w, h, 8));
                }
            }
            case NV12 -> c.add(component("Y", w, h, 8)).add(component("Cb", w / 2, h / 2, 8)).add(component("Cr", w / 2, h / 2, 8));
            case YUV444P10LE -> c.add(component("Y", w, h, 10)).add(component("Cb", w, h, 10)).add(component("Cr", w, h, 10));
            case YUV422P8, UYVY -> c.add(component("Y", w, h, 8)).add(component("Cb", w / 2, h, 8)).add(component("Cr", w / 2, h, 8));
            default -> c.add(component("Y", w, h, 10)).add(component("Cb", w / 2, h, 10)).add(component("Cr", w / 2, h, 10));
        }
        return c;
    }

    private static JsonObjectBuilder component(String name, int w, int h, int depth) {
        return Json.object().add("name", name).add("width", w).add("height", h).add("bit_depth", depth);
    }

    static boolean multicast(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(host).isMulticastAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private JsonObjectBuilder sender(SessionInfo s, String id, String flowId, Subscription sub) {
        return core(id, label(s), description(s))
                .add("flow_id", flowId)
                .add("transport", multicast(s.spec().remote().host()) ? "urn:x-nmos:transport:rtp.mcast" : "urn:x-nmos:transport:rtp.ucast")
                .add("device_id", deviceId())
                .add("manifest_href", baseUrl() + "x-nmos/connection/v1.1/single/senders/" + id + "/transportfile")
                .add("interface_bindings", Json.strings(List.of(INTERFACE)))
                .add("subscription", Json.object()
                        .add("receiver_id", Json.stringOrNull(sub == null ? null : sub.peerId()))
                        .add("active", s.state() == SessionState.ACTIVE && (sub == null || sub.active())));
    }

    private JsonObjectBuilder slotReceiver(IdlePool.Slot slot, String id, SessionInfo live, Subscription sub) {
        boolean active = live != null && live.state() == SessionState.ACTIVE && (sub == null || sub.active());
        return core(id, "MCM receiver " + slot.key() + (live == null ? " (idle)" : " (session " + live.id() + ")"),
                "Idle receiver of the pool: an IS-05 activation with a " + slot.kind.mediaType + " SDP starts an RX session;"
                        + " the app attaches as a memif client at " + slot.socketPath)
                .add("format", slot.kind.format)
                .add("caps", Json.object().add("media_types", Json.strings(List.of(slot.kind.mediaType))))
                .add("device_id", deviceId())
                .add("transport", "urn:x-nmos:transport:rtp")
                .add("interface_bindings", Json.strings(List.of(INTERFACE)))
                .add("subscription", Json.object()
                        .add("sender_id", Json.stringOrNull(sub == null ? null : sub.peerId()))
                        .add("active", active));
    }

    private JsonObjectBuilder receiver(SessionInfo s, String id, Subscription sub) {
        MediaFormat f = s.spec().format();
        String format;
        String mediaType;
        if (data(s)) {
            format = "urn:x-nmos:format:data";
            mediaType = "video/smpte291";
        } else if (f instanceof AudioFormat a) {
            format = "urn:x-nmos:format:audio";
            mediaType = "audio/L" + a.bitDepth();
        } else {
            format = "urn:x-nmos:format:video";
            mediaType = "st2110-22".equals(s.spec().transport()) ? "video/jxsv" : "video/raw";
        }
        return core(id, label(s), description(s))
                .add("format", format)
                .add("caps", Json.object().add("media_types", Json.strings(List.of(mediaType))))
                .add("device_id", deviceId())
                .add("transport", "urn:x-nmos:transport:rtp")
                .add("interface_bindings", Json.strings(List.of(INTERFACE)))
                .add("subscription", Json.object()
                        .add("sender_id", Json.stringOrNull(sub == null ? null : sub.peerId()))
                        .add("active", s.state() == SessionState.ACTIVE && (sub == null || sub.active())));
    }
}
