package org.mcm.nmos.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An IS-04 v1.3 Registration API written for the tests: it keeps what nodes register, checks every POST body against
 * the registration schema and the referential order the specification requires (a resource's parents registered
 * first), answers heartbeats (404 for a node it does not hold) and records every request in order.
 */
final class TestRegistry implements AutoCloseable {

    record Event(String what, String type, String id, long atNanos) {
    }

    static final String BASE = "/x-nmos/registration/v1.3/";

    private final HttpServer server;
    final Map<String, String> resources = new ConcurrentHashMap<>(); // id -> type
    final Map<String, JsonNode> bodies = new ConcurrentHashMap<>();
    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();

    TestRegistry() throws IOException {
        this("127.0.0.1");
    }

    /** Listening on {@code host} (an address of an interface the test made). */
    TestRegistry(String host) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Forgets every registration (as a registry does when a node's heartbeats stopped for too long). */
    void forget() {
        resources.clear();
        bodies.clear();
    }

    List<Event> events(String what) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.what.equals(what)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        byte[] in = ex.getRequestBody().readAllBytes();
        try {
            if (method.equals("POST") && path.equals(BASE + "resource")) {
                post(ex, new String(in, StandardCharsets.UTF_8));
            } else if (method.equals("POST") && path.startsWith(BASE + "health/nodes/")) {
                String id = path.substring((BASE + "health/nodes/").length());
                events.add(new Event("heartbeat", "node", id, System.nanoTime()));
                if ("node".equals(resources.get(id))) {
                    reply(ex, 200, "{\"health\":\"" + (System.currentTimeMillis() / 1000) + "\"}");
                } else {
                    reply(ex, 404, "{\"code\":404,\"error\":\"node not registered\",\"debug\":null}");
                }
            } else if (method.equals("DELETE") && path.startsWith(BASE + "resource/")) {
                String[] p = path.substring((BASE + "resource/").length()).split("/");
                String type = p[0].substring(0, p[0].length() - 1);
                events.add(new Event("delete", type, p[1], System.nanoTime()));
                if (type.equals(resources.get(p[1]))) {
                    for (Map.Entry<String, JsonNode> e : bodies.entrySet()) {
                        if (references(e.getValue(), p[1])) {
                            violations.add("DELETE " + type + " " + p[1] + " while " + resources.get(e.getKey()) + " " + e.getKey() + " refers to it");
                        }
                    }
                    resources.remove(p[1]);
                    bodies.remove(p[1]);
                    reply(ex, 204, null);
                } else {
                    reply(ex, 404, "{\"code\":404,\"error\":\"no such resource\",\"debug\":null}");
                }
            } else {
                reply(ex, 404, "{\"code\":404,\"error\":\"not a Registration API path\",\"debug\":null}");
            }
        } catch (RuntimeException e) {
            violations.add("registry failed on " + method + " " + path + ": " + e);
            reply(ex, 500, "{\"code\":500,\"error\":\"test registry failed\",\"debug\":null}");
        }
    }

    private static boolean references(JsonNode body, String id) {
        for (String k : List.of("node_id", "device_id", "source_id", "flow_id")) {
            if (body.has(k) && body.get(k).asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private void post(HttpExchange ex, String body) throws IOException {
        if (!Schemas.valid(Schemas.is04("registrationapi-resource-post-request.json"), body)) {
            violations.add("POST body does not validate: " + body);
            reply(ex, 400, "{\"code\":400,\"error\":\"schema\",\"debug\":null}");
            return;
        }
        JsonNode req = Schemas.MAPPER.readTree(body);
        String type = req.get("type").asText();
        JsonNode data = req.get("data");
        String id = data.get("id").asText();
        events.add(new Event("post", type, id, System.nanoTime()));
        Map<String, String> parents = new java.util.LinkedHashMap<>();
        switch (type) {
            case "device" -> parents.put("node_id", "node");
            case "source", "receiver" -> parents.put("device_id", "device");
            case "flow" -> {
                parents.put("device_id", "device");
                parents.put("source_id", "source");
            }
            case "sender" -> {
                parents.put("device_id", "device");
                parents.put("flow_id", "flow");
            }
            default -> {
            }
        }
        for (Map.Entry<String, String> p : parents.entrySet()) {
            String ref = data.get(p.getKey()).asText();
            if (!p.getValue().equals(resources.get(ref))) {
                violations.add(type + " " + id + " posted before its " + p.getValue() + " " + ref);
                reply(ex, 400, "{\"code\":400,\"error\":\"parent not registered\",\"debug\":null}");
                return;
            }
        }
        boolean existed = resources.containsKey(id);
        resources.put(id, type);
        bodies.put(id, data);
        ex.getResponseHeaders().set("Location", BASE + "resource/" + type + "s/" + id);
        reply(ex, existed ? 200 : 201, data.toString());
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }
        ex.close();
    }
}
