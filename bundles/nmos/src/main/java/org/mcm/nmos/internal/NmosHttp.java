package org.mcm.nmos.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Node API ({@code /x-nmos/node/v1.3/}) and the Connection API ({@code /x-nmos/connection/v1.1/}) on a listener
 * of their own (the JDK's HTTP server). Errors are the APIs' error body; bad requests are counted.
 */
final class NmosHttp {

    private static final Logger LOG = LoggerFactory.getLogger(NmosHttp.class);
    static final int MAX_BODY = 1 << 20;
    static final List<String> NODE_TYPES = List.of("self", "devices", "sources", "flows", "senders", "receivers");

    /** A response: status, media type and body. */
    record Reply(int code, String type, String body) {
        static Reply json(int code, JsonValue v) {
            return new Reply(code, "application/json", Json.write(v));
        }

        static Reply error(NmosError e) {
            return json(e.code, Json.error(e.code, e.getMessage(), e.debug));
        }
    }

    private final NmosService node;
    private HttpServer server;
    private ExecutorService pool;
    final LongAdder badRequests = new LongAdder();
    final LongAdder requests = new LongAdder();

    NmosHttp(NmosService node) {
        this.node = node;
    }

    /** Starts listening; returns the bound port. */
    int start(String host, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 32);
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "nmos-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::exchange);
        server.start();
        return server.getAddress().getPort();
    }

    void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }

    private void exchange(HttpExchange ex) throws IOException {
        Reply r;
        try {
            requests.increment();
            String body = "";
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                try (InputStream in = ex.getRequestBody()) {
                    byte[] b = in.readNBytes(MAX_BODY + 1);
                    if (b.length > MAX_BODY) {
                        throw new NmosError(413, "request body larger than " + MAX_BODY + " bytes");
                    }
                    body = new String(b, StandardCharsets.UTF_8);
                }
            }
            r = handle(ex.getRequestMethod(), ex.getRequestURI().getPath(), body);
        } catch (NmosError e) {
            r = Reply.error(e);
        } catch (RuntimeException e) {
            LOG.warn("NMOS request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            r = Reply.json(500, Json.error(500, "internal error: " + e, null));
        }
        if (r.code >= 400) {
            badRequests.increment();
        }
        var h = ex.getResponseHeaders();
        h.set("Access-Control-Allow-Origin", "*");
        h.set("Access-Control-Allow-Methods", "GET, PUT, POST, PATCH, HEAD, OPTIONS, DELETE");
        h.set("Access-Control-Allow-Headers", "Content-Type, Accept");
        h.set("Access-Control-Max-Age", "3600");
        if (r.type != null) {
            h.set("Content-Type", r.type);
        }
        if (r.type != null && r.type.equals("application/sdp")) {
            h.set("Cache-Control", "no-cache");
        }
        byte[] out = r.body == null ? new byte[0] : r.body.getBytes(StandardCharsets.UTF_8);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(r.code, head || out.length == 0 ? -1 : out.length);
        if (!head && out.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
        ex.close();
    }

    static List<String> segments(String path) {
        List<String> s = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                s.add(p);
            }
        }
        return s;
    }

    private static JsonArray list(String... items) {
        return Json.strings(List.of(items));
    }

    Reply handle(String method, String path, String body) throws NmosError {
        if (method.equals("OPTIONS")) {
            return new Reply(200, null, null);
        }
        List<String> s = segments(path);
        boolean read = method.equals("GET") || method.equals("HEAD");
        if (s.isEmpty()) {
            return get(read, list("x-nmos/"));
        }
        if (!s.get(0).equals("x-nmos")) {
            throw new NmosError(404, "no resource at " + path);
        }
        if (s.size() == 1) {
            return get(read, list("node/", "connection/"));
        }
        String api = s.get(1);
        if (api.equals("node")) {
            return nodeApi(method, read, s, path);
        }
        if (api.equals("connection")) {
            return connectionApi(method, read, s, path, body);
        }
        throw new NmosError(404, "no API '" + api + "' here (node, connection)");
    }

    private static Reply get(boolean read, JsonValue v) throws NmosError {
        if (!read) {
            throw new NmosError(405, "method not allowed here");
        }
        return Reply.json(200, v);
    }

    // ---- IS-04 Node API -----------------------------------------------------------------------------------------

    private Reply nodeApi(String method, boolean read, List<String> s, String path) throws NmosError {
        if (s.size() == 2) {
            return get(read, list("v1.3/"));
        }
        if (!s.get(2).equals("v1.3")) {
            throw new NmosError(404, "Node API version " + s.get(2) + " is not served (v1.3)");
        }
        if (s.size() == 3) {
            return get(read, list("self/", "sources/", "flows/", "devices/", "senders/", "receivers/"));
        }
        String type = s.get(3);
        if (!NODE_TYPES.contains(type)) {
            throw new NmosError(404, "no Node API resource type '" + type + "'");
        }
        Model.Snapshot snap = node.snapshot();
        if (type.equals("self")) {
            if (s.size() > 4) {
                throw new NmosError(404, "no resource at " + path);
            }
            return get(read, snap.node().body());
        }
        if (s.size() == 4) {
            JsonArrayBuilder a = Json.array();
            for (Model.Resource r : snap.ofType(type)) {
                a.add(r.body());
            }
            return get(read, a.build());
        }
        Model.Resource r = snap.find(type, s.get(4));
        if (r == null) {
            throw new NmosError(404, "no " + type.substring(0, type.length() - 1) + " " + s.get(4));
        }
        if (s.size() == 5) {
            return get(read, r.body());
        }
        if (s.size() == 6 && type.equals("receivers") && s.get(5).equals("target")) {
            throw new NmosError(501, "connect receivers through the IS-05 Connection API (/x-nmos/connection/v1.1/)");
        }
        throw new NmosError(404, "no resource at " + path);
    }

    // ---- IS-05 Connection API -----------------------------------------------------------------------------------

    private Reply connectionApi(String method, boolean read, List<String> s, String path, String body) throws NmosError {
        if (s.size() == 2) {
            return get(read, list("v1.1/"));
        }
        if (!s.get(2).equals("v1.1")) {
            throw new NmosError(404, "Connection API version " + s.get(2) + " is not served (v1.1)");
        }
        if (s.size() == 3) {
            return get(read, list("bulk/", "single/"));
        }
        Connections c = node.connections();
        node.snapshot(); // ports follow the sessions
        if (s.get(3).equals("bulk")) {
            if (s.size() == 4) {
                return get(read, list("senders/", "receivers/"));
            }
            if (s.size() != 5 || !(s.get(4).equals("senders") || s.get(4).equals("receivers"))) {
                throw new NmosError(404, "no resource at " + path);
            }
            if (!method.equals("POST")) {
                throw new NmosError(405, "bulk " + s.get(4) + " takes POST");
            }
            return bulk(c, s.get(4).equals("senders"), body);
        }
        if (!s.get(3).equals("single")) {
            throw new NmosError(404, "no resource at " + path);
        }
        if (s.size() == 4) {
            return get(read, list("senders/", "receivers/"));
        }
        String kind = s.get(4);
        if (!kind.equals("senders") && !kind.equals("receivers")) {
            throw new NmosError(404, "no resource at " + path);
        }
        boolean senders = kind.equals("senders");
        if (s.size() == 5) {
            JsonArrayBuilder a = Json.array();
            for (Connections.Port p : c.ports()) {
                if (p.sender == senders) {
                    a.add(p.id + "/");
                }
            }
            return get(read, a.build());
        }
        Connections.Port p = c.port(s.get(5));
        if (p == null || p.sender != senders) {
            throw new NmosError(404, "no " + (senders ? "sender " : "receiver ") + s.get(5));
        }
        if (s.size() == 6) {
            return senders ? get(read, list("constraints/", "staged/", "active/", "transportfile/", "transporttype/"))
                    : get(read, list("constraints/", "staged/", "active/", "transporttype/"));
        }
        if (s.size() > 7) {
            throw new NmosError(404, "no resource at " + path);
        }
        switch (s.get(6)) {
            case "constraints":
                return get(read, c.constraints(p));
            case "active":
                return get(read, c.active(p));
            case "transporttype":
                return get(read, Json.P.createValue("urn:x-nmos:transport:rtp"));
            case "transportfile":
                if (!senders) {
                    throw new NmosError(404, "receivers have no transportfile");
                }
                if (!read) {
                    throw new NmosError(405, "method not allowed here");
                }
                return new Reply(200, "application/sdp", c.transportFile(p));
            case "staged":
                if (read) {
                    return Reply.json(200, c.staged(p));
                }
                if (!method.equals("PATCH")) {
                    throw new NmosError(405, "staged takes GET or PATCH");
                }
                Connections.Patched r = c.patch(p, parse(body));
                node.changed();
                return Reply.json(r.code(), r.body());
            default:
                throw new NmosError(404, "no resource at " + path);
        }
    }

    private static JsonStructure parse(String body) throws NmosError {
        try {
            return Json.parse(body);
        } catch (IllegalArgumentException e) {
            throw new NmosError(400, e.getMessage());
        }
    }

    private Reply bulk(Connections c, boolean senders, String body) throws NmosError {
        JsonStructure req = parse(body);
        if (!(req instanceof JsonArray items)) {
            throw new NmosError(400, "a bulk request is an array of {id, params}");
        }
        for (JsonValue v : items) {
            if (!(v instanceof JsonObject o) || !(o.get("id") instanceof jakarta.json.JsonString)
                    || !(o.get("params") instanceof JsonObject) || o.size() != 2) {
                throw new NmosError(400, "every bulk item must be {\"id\": <uuid>, \"params\": {...}}");
            }
        }
        JsonArrayBuilder out = Json.array();
        for (JsonValue v : items) {
            JsonObject o = (JsonObject) v;
            String id = o.getString("id");
            if (!Connections.UUID_PATTERN.matcher(id).matches()) {
                throw new NmosError(400, "bulk item id '" + id + "' is not a UUID");
            }
            Connections.Port p = c.port(id);
            try {
                if (p == null || p.sender != senders) {
                    throw new NmosError(404, "no " + (senders ? "sender " : "receiver ") + id);
                }
                Connections.Patched r = c.patch(p, o.getJsonObject("params"));
                out.add(Json.object().add("id", id).add("code", r.code()));
            } catch (NmosError e) {
                out.add(Json.object().add("id", id).add("code", e.code).add("error", e.getMessage())
                        .add("debug", Json.stringOrNull(e.debug)));
            }
        }
        node.changed();
        return Reply.json(200, out.build());
    }
}
