package org.mcm.nmos.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IS-04 registration: posts the node's resources to the first registry of the configured list that answers, in
 * dependency order (node, device, sources, flows, senders, receivers), then keeps them current (changed resources
 * posted again, vanished ones deleted children first), sends a heartbeat every few seconds, registers everything
 * again when a heartbeat answers 404, moves on to the next registry by priority when one fails, and deletes its
 * resources when the node stops.
 */
final class Registrar {

    private static final Logger LOG = LoggerFactory.getLogger(Registrar.class);
    static final String PATH = "x-nmos/registration/v1.3/";

    private final NmosService node;
    private List<String> registries;
    private volatile List<String> offered;
    private final boolean discovered;
    private final long heartbeatMillis;
    private final HttpClient http;
    private final Map<String, String[]> registered = new LinkedHashMap<>(); // id -> {type, version}
    private final Object wake = new Object();
    private volatile boolean running;
    private Thread thread;
    private int index;
    private volatile boolean isRegistered;
    private long lastHeartbeat;
    private boolean dirty;

    volatile String status = "not started";
    volatile String current = "";
    final LongAdder heartbeats = new LongAdder();
    final LongAdder registrations = new LongAdder();
    final LongAdder failovers = new LongAdder();

    Registrar(NmosService node, List<String> registries, long heartbeatMillis) {
        this(node, registries, heartbeatMillis, false);
    }

    /**
     * @param discovered the list comes from DNS-SD: it starts empty and {@link #registries(List)} replaces it as
     *                   registries come and go
     */
    Registrar(NmosService node, List<String> registries, long heartbeatMillis, boolean discovered) {
        this.node = node;
        this.discovered = discovered;
        this.registries = normalise(registries);
        this.offered = this.registries;
        this.heartbeatMillis = heartbeatMillis;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
    }

    private static List<String> normalise(List<String> in) {
        List<String> out = new ArrayList<>();
        for (String r : in) {
            if (r != null && !r.isBlank()) {
                out.add(r.endsWith("/") ? r : r + "/");
            }
        }
        return List.copyOf(out);
    }

    boolean enabled() {
        return discovered || !registries.isEmpty();
    }

    /** True while the node's resources are held by a registry (not peer-to-peer). */
    boolean registered() {
        return isRegistered;
    }

    /** The registries DNS-SD found now, best first: the loop moves to the first of them unless its own is still listed. */
    void registries(List<String> now) {
        offered = normalise(now);
        changed();
    }

    /** Takes the list DNS-SD offered last (on the loop's thread). */
    private void takeOffered() {
        List<String> o = offered;
        if (o == registries) {
            return;
        }
        String was = registries.isEmpty() ? null : registries.get(index % registries.size());
        registries = o;
        if (was != null && o.contains(was) && isRegistered) {
            index = o.indexOf(was);
            return;
        }
        isRegistered = false;
        registered.clear();
        index = 0;
    }

    void start() {
        if (!enabled()) {
            status = "no registry configured (the Node API answers controllers pointed at it)";
            return;
        }
        running = true;
        thread = new Thread(this::loop, "nmos-registration");
        thread.setDaemon(true);
        thread.start();
    }

    /** Something in the model changed: sync soon. */
    void changed() {
        synchronized (wake) {
            dirty = true;
            wake.notifyAll();
        }
    }

    void stop() {
        if (thread == null) {
            return;
        }
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (isRegistered) {
            try {
                unregisterAll();
                status = "unregistered from " + current;
            } catch (IOException | InterruptedException | RegistryError e) {
                LOG.warn("NMOS: could not delete the node's resources from {}: {}", current, e.getMessage());
            }
        }
        thread = null;
    }

    private static final class RegistryError extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        RegistryError(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    private void loop() {
        long backoff = 500;
        while (running) {
            try {
                takeOffered();
                if (registries.isEmpty()) {
                    status = "looking for a registry by DNS-SD (_nmos-register._tcp)";
                    current = "";
                    pause(1000);
                    continue;
                }
                index = index % registries.size();
                current = registries.get(index);
                if (!isRegistered) {
                    registerAll();
                    backoff = 500;
                }
                sync();
                long now = System.nanoTime() / 1_000_000;
                if (now - lastHeartbeat >= heartbeatMillis) {
                    heartbeat();
                }
                pause(Math.max(1, heartbeatMillis - (System.nanoTime() / 1_000_000 - lastHeartbeat)));
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            } catch (IOException | RegistryError e) {
                if (!running) {
                    return;
                }
                LOG.warn("NMOS registry {} failed: {}", current, e.toString());
                isRegistered = false;
                registered.clear();
                index = (index + 1) % Math.max(1, registries.size());
                failovers.increment();
                status = "registry " + current + " failed (" + e + "); trying " + registries.get(index % registries.size());
                if (index == 0) {
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException ie) {
                        if (!running) {
                            return;
                        }
                    }
                    backoff = Math.min(backoff * 2, 5000);
                }
            }
        }
    }

    private void pause(long millis) throws InterruptedException {
        synchronized (wake) {
            if (!dirty) {
                wake.wait(Math.min(millis, 1000));
            }
            dirty = false;
        }
    }

    private void registerAll() throws IOException, InterruptedException, RegistryError {
        registered.clear();
        Model.Snapshot snap = node.snapshot();
        int code = post(snap.node());
        if (code == 200) {
            // the registry still holds an earlier registration of this node: start clean
            delete("nodes", snap.node().id());
            post(snap.node());
        }
        isRegistered = true;
        lastHeartbeat = System.nanoTime() / 1_000_000;
        registrations.increment();
        sync();
        status = "registered with " + current;
        LOG.info("NMOS node {} registered with {}", snap.node().id(), current);
    }

    private void sync() throws IOException, InterruptedException, RegistryError {
        Model.Snapshot snap = node.snapshot();
        Map<String, Model.Resource> now = new LinkedHashMap<>();
        for (Model.Resource r : snap.all()) {
            now.put(r.id(), r);
        }
        List<String> gone = new ArrayList<>();
        for (String id : registered.keySet()) {
            if (!now.containsKey(id)) {
                gone.add(id);
            }
        }
        Collections.reverse(gone); // children first
        for (String id : gone) {
            delete(registered.get(id)[0], id);
            registered.remove(id);
        }
        for (Model.Resource r : now.values()) {
            String[] known = registered.get(r.id());
            if (known == null || !known[1].equals(r.version())) {
                post(r);
            }
        }
    }

    private void heartbeat() throws IOException, InterruptedException, RegistryError {
        String id = node.snapshot().node().id();
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(current + PATH + "health/nodes/" + id))
                .POST(HttpRequest.BodyPublishers.noBody()));
        lastHeartbeat = System.nanoTime() / 1_000_000;
        if (r.statusCode() == 404) {
            LOG.warn("NMOS registry {} no longer knows this node (heartbeat 404): registering again", current);
            status = "heartbeat 404 at " + current + ": registering again";
            isRegistered = false;
            registered.clear();
            return;
        }
        if (r.statusCode() != 200) {
            throw new RegistryError(r.statusCode(), "heartbeat answered " + r.statusCode());
        }
        heartbeats.increment();
    }

    private static String singular(String type) {
        return type.substring(0, type.length() - 1);
    }

    private int post(Model.Resource r) throws IOException, InterruptedException, RegistryError {
        String body = Json.write(Json.object().add("type", singular(r.type())).add("data", r.body()).build());
        HttpResponse<String> resp = send(HttpRequest.newBuilder(URI.create(current + PATH + "resource"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        int code = resp.statusCode();
        if (code == 200 || code == 201) {
            registered.put(r.id(), new String[] {r.type(), r.version()});
            return code;
        }
        if (code >= 500) {
            throw new RegistryError(code, "POST " + singular(r.type()) + " answered " + code);
        }
        // the registry refused this resource (4xx): say so once a version, do not loop on it
        LOG.warn("NMOS registry {} refused {} {}: {} {}", current, singular(r.type()), r.id(), code, resp.body());
        registered.put(r.id(), new String[] {r.type(), r.version()});
        return code;
    }

    private void delete(String type, String id) throws IOException, InterruptedException, RegistryError {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(current + PATH + "resource/" + type + "/" + id)).DELETE());
        if (r.statusCode() >= 500) {
            throw new RegistryError(r.statusCode(), "DELETE " + type + "/" + id + " answered " + r.statusCode());
        }
    }

    private void unregisterAll() throws IOException, InterruptedException, RegistryError {
        List<String> ids = new ArrayList<>(registered.keySet());
        Collections.reverse(ids);
        for (String id : ids) {
            delete(registered.get(id)[0], id);
        }
        registered.clear();
        isRegistered = false;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
