package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.mcm.itests.Polls.waitFor;

import java.io.IOException;
import java.io.StringReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.itests.ApplianceProcessIT.Proxy;
import org.mcm.itests.support.ControlClient;

/**
 * The bundle cache kept between starts of the same image: a restart runs exactly the image's feature bundles, started
 * as the feature says (whatever an operator stopped or uninstalled in the console), plus what FileInstall finds in
 * the deploy folder, with the configuration files as they are; and an image whose bundle jar changed starts from a
 * fresh cache. Runs the built image as a process ({@code bin/media_proxy}) in a copy of the tree.
 */
public class BundleCacheProcessIT {

    private static final String PASSWORD = "cache-test-1";
    private static final String LOCAL = "org.mcm.transport.local";
    private static final String ST2110 = "org.mcm.transport.st2110";

    private static Path home;
    private static int grpc;
    private static int console;
    private static String[] args;

    @BeforeClass
    public static void image() throws IOException {
        home = ApplianceProcessIT.copyOfImage();
        grpc = Provisioning.freePort();
        console = Provisioning.freePort();
        args = new String[] {"-t", Integer.toString(Provisioning.freePort()), "-g", Integer.toString(grpc),
                "--console-port", Integer.toString(console), "--console-password", PASSWORD};
        Files.writeString(home.resolve("deploy/org.mcm.nmos.cfg"), "port=" + Provisioning.freePort() + "\n");
    }

    @AfterClass
    public static void cleanup() throws IOException {
        ApplianceProcessIT.delete(home);
    }

    @Test
    public void restartRunsTheDeclaredSetAndAChangedImageStartsFresh() throws Exception {
        Path deploy = home.resolve("deploy");
        int rtsp1 = Provisioning.freePort();
        int rtsp2 = Provisioning.freePort();
        Files.writeString(deploy.resolve("org.mcm.transport.rtsp.cfg"), "rtspPort=" + rtsp1 + "\n");
        int features;
        Set<String> declaredTransports;
        long maxFirstId;
        // first start, fresh cache: then an operator changes the running set through the console and deploy/
        try (Proxy p = start()) {
            Map<String, JsonObject> bundles = bundles();
            features = bundles.size();
            assertAllActive(bundles);
            try (ControlClient c = new ControlClient("127.0.0.1", grpc)) {
                declaredTransports = new HashSet<>(c.transports());
                assertTrue(declaredTransports.toString(), declaredTransports.contains("local"));
                Path gone = TestBundles.transportBundle("cache-gone", deploy);
                Path kept = TestBundles.transportBundle("cache-kept", deploy);
                waitFor("deployed transports visible", () -> c.transports().containsAll(List.of("cache-gone", "cache-kept")), 20_000);
                assertTrue(Files.isRegularFile(gone) && Files.isRegularFile(kept));
                waitFor("RTSP listens on its configured port " + rtsp1, () -> ProxyIT.canConnect(rtsp1), 20_000);

                bundleAction(bundles.get(LOCAL), "stop");
                bundleAction(bundles.get(ST2110), "uninstall");
                bundleAction(bundles().get("org.mcm.itests.transport.cache-kept"), "stop");
                waitFor("the local transport stopped", () -> !c.transports().contains("local"), 20_000);
                waitFor("the deployed transport stopped", () -> !c.transports().contains("cache-kept"), 20_000);
                Map<String, JsonObject> after = bundles();
                assertNull("st2110 uninstalled", after.get(ST2110));
                assertEquals("Resolved", after.get(LOCAL).getString("state"));
                maxFirstId = maxId(after);
            }
        }
        assertTrue("a complete start leaves the cache stamp", Files.isRegularFile(home.resolve("var/felix-cache.id")));
        // while stopped: a deployed jar removed, a configuration file edited
        Files.delete(deploy.resolve("test-transport-cache-gone.jar"));
        Files.writeString(deploy.resolve("org.mcm.transport.rtsp.cfg"), "rtspPort=" + rtsp2 + "\n");

        // restart with the kept cache: the declared set, as a start with a fresh cache would have it
        try (Proxy p = start()) {
            Map<String, JsonObject> bundles = bundles();
            assertAllActive(bundles);
            assertEquals("the feature's bundles and the one jar left in deploy/: " + bundles.keySet(), features + 1, bundles.size());
            assertNull("the removed jar's bundle is gone", bundles.get("org.mcm.itests.transport.cache-gone"));
            assertTrue("the cache was kept: the uninstalled feature bundle was installed again, with a new id",
                    bundles.get(ST2110).getJsonNumber("id").longValue() > maxFirstId);
            assertTrue("the bundles nobody touched kept their ids",
                    bundles.get("org.mcm.control").getJsonNumber("id").longValue() <= maxFirstId);
            try (ControlClient c = new ControlClient("127.0.0.1", grpc)) {
                Set<String> expected = new HashSet<>(declaredTransports);
                expected.add("cache-kept");
                waitFor("the declared transports and the deployed one", () -> new HashSet<>(c.transports()).equals(expected), 20_000);
            }
            waitFor("RTSP listens on the port edited while stopped, " + rtsp2, () -> ProxyIT.canConnect(rtsp2), 20_000);
            assertFalse("not on the old one", ProxyIT.canConnect(rtsp1));
        }

        // a bundle jar of the image changes (as an upgrade or a rebuild does): the cache is not reused
        Path localJar;
        try (var s = Files.walk(home.resolve("system"))) {
            localJar = s.filter(f -> f.getFileName().toString().startsWith("mcm-transport-local-")
                    && f.getFileName().toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        Path changed = home.resolve("changed.jar");
        TestBundles.withVersion(localJar, "0.1.0.changedimage", changed);
        Files.move(changed, localJar, StandardCopyOption.REPLACE_EXISTING);
        try (Proxy p = start()) {
            Map<String, JsonObject> bundles = bundles();
            assertAllActive(bundles);
            assertEquals("the image's new jar runs", "0.1.0.changedimage", bundles.get(LOCAL).getString("version"));
            assertEquals(features + 1, bundles.size());
            long maxFeatureId = 0;
            for (Map.Entry<String, JsonObject> e : bundles.entrySet()) {
                if (!e.getKey().startsWith("org.mcm.itests.")) {
                    maxFeatureId = Math.max(maxFeatureId, e.getValue().getJsonNumber("id").longValue());
                }
            }
            assertEquals("a fresh cache: the feature's bundles numbered from 1 again", features - 1, maxFeatureId);
        }
    }

    private static Proxy start() throws Exception {
        Proxy p = new Proxy(home, "media_proxy", args);
        p.line("INFO: TCP Server listening on", 60_000);
        p.line("INFO: gRPC Server listening on", 60_000);
        p.line("INFO: media proxy started:", 60_000); // the console (start level 5) is up, the start complete
        waitFor("console answers", () -> ApplianceProcessIT.http(url("bundles.json"), "admin", PASSWORD) == 200, 20_000);
        return p;
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + console + "/system/console/" + path;
    }

    /** Installed bundles by symbolic name (the console's bundles.json), once every one has settled. */
    private static Map<String, JsonObject> bundles() throws Exception {
        Map<String, JsonObject> out = new HashMap<>();
        waitFor("no bundle starting or stopping", () -> {
            out.clear();
            JsonObject root;
            try (var r = Json.createReader(new StringReader(ApplianceProcessIT.httpBody(url("bundles.json"), "admin", PASSWORD)))) {
                root = r.readObject();
            } catch (IOException e) {
                return false; // the console is busy restarting a bundle: ask again
            }
            boolean settled = true;
            for (JsonValue v : root.getJsonArray("data")) {
                JsonObject b = v.asJsonObject();
                out.put(b.getString("symbolicName"), b);
                String state = b.getString("state");
                settled &= !state.equals("Starting") && !state.equals("Stopping") && !state.equals("Installed");
            }
            return settled;
        }, 20_000);
        return out;
    }

    private static void assertAllActive(Map<String, JsonObject> bundles) {
        List<String> notActive = new ArrayList<>();
        for (JsonObject b : bundles.values()) {
            if (!b.getString("state").equals("Active") && !b.getBoolean("fragment", false)) {
                notActive.add(b.getString("symbolicName") + " " + b.getString("state"));
            }
        }
        assertTrue("bundles not active: " + notActive, notActive.isEmpty());
    }

    private static long maxId(Map<String, JsonObject> bundles) {
        long max = 0;
        for (JsonObject b : bundles.values()) {
            max = Math.max(max, b.getJsonNumber("id").longValue());
        }
        return max;
    }

    /** What an operator does in the console's bundle list: POST {@code action=stop|uninstall} for a bundle. */
    private static void bundleAction(JsonObject bundle, String action) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url("bundles/" + bundle.getJsonNumber("id").longValue()))
                .toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
        c.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
        try (var o = c.getOutputStream()) {
            o.write(("action=" + action).getBytes(StandardCharsets.UTF_8));
        }
        int code = c.getResponseCode();
        c.disconnect();
        assertEquals(action + " " + bundle.getString("symbolicName"), 200, code);
    }
}
