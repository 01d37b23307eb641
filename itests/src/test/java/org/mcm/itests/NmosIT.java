package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Two appliances on loopback as NMOS nodes registered with a registry written for the test; a controller written
 * for the test finds proxy A's senders and proxy B's receiver in the registry, connects them through IS-05 (the
 * unicast way: the receiver gets the sender's SDP, the sender's destination is set to the receiver) and an SDK app on
 * B receives, bit-exact, the frames an SDK app on A sends; then a scheduled IS-05 activation moves B's receiver to
 * A's second sender at the stated TAI time. Last, B's idle receiver (the configured pool, no session until then) is
 * connected to A's first sender: the activation starts an RX session and an app that attaches to the receiver's
 * memif socket as a direct memif client gets the frames, bit-exact.
 */
public class NmosIT {

    static final int W = 640;
    static final int H = 360;
    static final int FRAME = W * H * 4; // yuv422p10le
    static final int FPS = 20;
    static final long FRAME_MS = 1000 / FPS;
    static final int DISTINCT = 4;
    /** Room for the way from the receiving proxy through the app and its pipe to this test (a busy 2-core box). */
    static final long DELIVERY = 60_000_000L;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private static Path homeA;
    private static Path homeB;
    private static Path work;

    @BeforeClass
    public static void setUp() throws IOException {
        homeA = ApplianceProcessIT.copyOfImage();
        homeB = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-nmos");
    }

    @AfterClass
    public static void tearDown() throws IOException {
        ApplianceProcessIT.delete(homeA);
        ApplianceProcessIT.delete(homeB);
        ApplianceProcessIT.delete(work);
    }

    /** A minimal IS-04 Registration API: keeps what is posted, answers heartbeats, deletes. */
    static final class Registry implements AutoCloseable {
        final HttpServer server;
        final Map<String, JsonObject> resources = new ConcurrentHashMap<>();
        final Map<String, String> types = new ConcurrentHashMap<>();

        Registry() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/x-nmos/registration/v1.3/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        List<JsonObject> list(String type) {
            List<JsonObject> out = new ArrayList<>();
            types.forEach((id, t) -> {
                if (t.equals(type)) {
                    out.add(resources.get(id));
                }
            });
            return out;
        }

        private void handle(HttpExchange ex) throws IOException {
            String path = ex.getRequestURI().getPath().substring("/x-nmos/registration/v1.3/".length());
            byte[] in = ex.getRequestBody().readAllBytes();
            int code;
            String body = "";
            if (ex.getRequestMethod().equals("POST") && path.equals("resource")) {
                JsonObject req = Json.createReader(new StringReader(new String(in, StandardCharsets.UTF_8))).readObject();
                JsonObject data = req.getJsonObject("data");
                String id = data.getString("id");
                code = resources.containsKey(id) ? 200 : 201;
                resources.put(id, data);
                types.put(id, req.getString("type"));
                body = data.toString();
            } else if (ex.getRequestMethod().equals("POST") && path.startsWith("health/nodes/")) {
                code = resources.containsKey(path.substring("health/nodes/".length())) ? 200 : 404;
                body = code == 200 ? "{\"health\":\"" + System.currentTimeMillis() / 1000 + "\"}" : "{\"code\":404,\"error\":\"unknown\",\"debug\":null}";
            } else if (ex.getRequestMethod().equals("DELETE") && path.startsWith("resource/")) {
                String id = path.substring(path.lastIndexOf('/') + 1);
                code = resources.remove(id) != null ? 204 : 404;
                types.remove(id);
            } else {
                code = 404;
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(b);
                }
            }
            ex.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static byte[] source(Path file, long seed) throws IOException {
        byte[] all = new byte[FRAME * DISTINCT];
        Random r = new Random(seed);
        for (int i = 0; i < all.length; i += 2) {
            int v = r.nextInt(1024);
            all[i] = (byte) v;
            all[i + 1] = (byte) (v >>> 8);
        }
        Files.write(file, all);
        return all;
    }

    static int match(byte[] source, byte[] frame) {
        for (int k = 0; k < DISTINCT; k++) {
            if (Arrays.equals(source, k * FRAME, (k + 1) * FRAME, frame, 0, FRAME)) {
                return k;
            }
        }
        return -1;
    }

    static ApplianceProcessIT.Proxy proxy(Path home, String seed, int nmosPort, String registry, int tcp) throws Exception {
        return proxy(home, seed, nmosPort, registry, tcp, "");
    }

    static ApplianceProcessIT.Proxy proxy(Path home, String seed, int nmosPort, String registry, int tcp, String idle) throws Exception {
        Path deploy = home.resolve("deploy");
        Files.createDirectories(deploy);
        Files.writeString(deploy.resolve("org.mcm.nmos.config"), "port=I\"" + nmosPort + "\"\nseed=\"" + seed + "\"\nlabel=\""
                + seed + "\"\nregistries=[\"" + registry + "\"]\nheartbeatMillis=L\"1000\"\nidleReceivers=\"" + idle + "\"\n");
        ApplianceProcessIT.Proxy p = TwoProxiesIT.start(home, tcp, Provisioning.freePort(), work.resolve("memif-" + seed));
        Polls.waitFor("NMOS Node API of " + seed, () -> {
            try {
                return get("http://127.0.0.1:" + nmosPort + "/x-nmos/node/v1.3/self").contains(seed);
            } catch (Exception e) {
                return false;
            }
        }, 30_000);
        return p;
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static JsonObject patch(String url, JsonObject body, int expect) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("PATCH " + url + ": " + r.body(), expect, r.statusCode());
        return Json.createReader(new StringReader(r.body())).readObject();
    }

    static Process app(Path home, String program, int tcp, Path err, String... more) throws IOException {
        String[] fmt = {"-t", "st2110-20", "-w", Integer.toString(W), "-h", Integer.toString(H), "-x", "yuv422p10le",
                "-f", Integer.toString(FPS), "-q"};
        ProcessBuilder b = new ProcessBuilder(SdkEndToEndIT.cmd(home, program, fmt, more));
        b.environment().put("JAVA", SdkEndToEndIT.javaBin());
        b.environment().put("MCM_MEDIA_PROXY_PORT", Integer.toString(tcp));
        b.redirectError(err.toFile());
        if (program.equals("mcm-sender")) {
            b.redirectOutput(err.resolveSibling(err.getFileName() + ".out").toFile());
        }
        return b.start();
    }

    static long taiNanosNow() {
        return (System.currentTimeMillis() + 37_000L) * 1_000_000L;
    }

    /** The connection API base of the device a sender or receiver belongs to, as the registry says. */
    static String connectionApi(Registry reg, JsonObject resource) {
        JsonObject device = reg.resources.get(resource.getString("device_id"));
        for (JsonValue c : device.getJsonArray("controls")) {
            JsonObject o = c.asJsonObject();
            if (o.getString("type").equals("urn:x-nmos:control:sr-ctrl/v1.1")) {
                return o.getString("href");
            }
        }
        throw new AssertionError("device has no IS-05 control: " + device);
    }

    static JsonObject senderWithPort(Registry reg, String nodeLabel, int port) throws Exception {
        for (JsonObject s : reg.list("sender")) {
            String sdp = get(s.getString("manifest_href"));
            if (sdp.contains("m=video " + port + " ")) {
                return s;
            }
        }
        return null;
    }

    @Test(timeout = 300_000)
    @SuppressWarnings("try") // the resource is held open for the block, not used in it
    public void aControllerConnectsTwoProxiesThroughTheRegistryAndMovesTheReceiverOnSchedule() throws Exception {
        int tcpA = Provisioning.freePort();
        int tcpB = Provisioning.freePort();
        int p1 = Provisioning.freePort();
        int p2 = Provisioning.freePort();
        int idle = Provisioning.freePort();
        byte[] src1 = source(work.resolve("src1.raw"), 1);
        byte[] src2 = source(work.resolve("src2.raw"), 2);
        List<Process> apps = new ArrayList<>();
        try (Registry reg = new Registry();
                ApplianceProcessIT.Proxy a = proxy(homeA, "proxy-a", Provisioning.freePort(), reg.url(), tcpA);
                ApplianceProcessIT.Proxy b = proxy(homeB, "proxy-b", Provisioning.freePort(), reg.url(), tcpB, "video/raw:1")) {
            // B's app receives on a port nobody sends to; A's apps send to ports nobody listens on yet
            Process rx = app(homeB, "mcm-receiver", tcpB, work.resolve("rx.err"), "-P", Integer.toString(tcpB), "-l", "127.0.0.1:" + idle,
                    "-n", "100000", "-o", "-", "--idle-timeout", "60");
            apps.add(rx);
            apps.add(app(homeA, "mcm-sender", tcpA, work.resolve("tx1.err"), "-P", Integer.toString(tcpA), "-r", "127.0.0.1:" + p1,
                    "-n", "100000", "-i", work.resolve("src1.raw").toString(), "--loop", "--no-stamp"));
            apps.add(app(homeA, "mcm-sender", tcpA, work.resolve("tx2.err"), "-P", Integer.toString(tcpA), "-r", "127.0.0.1:" + p2,
                    "-n", "100000", "-i", work.resolve("src2.raw").toString(), "--loop", "--no-stamp"));

            // the controller: everything it knows comes from the registry
            Polls.waitFor("two senders and two receivers (the app's and the idle one) in the registry",
                    () -> reg.list("sender").size() == 2 && reg.list("receiver").size() == 2 && reg.list("node").size() == 2, 30_000);
            JsonObject sender1 = senderWithPort(reg, "proxy-a", p1);
            JsonObject sender2 = senderWithPort(reg, "proxy-a", p2);
            assertTrue("senders found by their SDPs", sender1 != null && sender2 != null);
            JsonObject receiver = null;
            JsonObject idleReceiver = null;
            for (JsonObject r : reg.list("receiver")) {
                if (r.getString("label").contains("video/raw#1")) {
                    idleReceiver = r;
                } else {
                    receiver = r;
                }
            }
            assertTrue("the app's receiver and the idle one", receiver != null && idleReceiver != null);
            String receiverId = receiver.getString("id");
            String rxUrl = connectionApi(reg, receiver) + "single/receivers/" + receiver.getString("id") + "/staged";
            String sdp1 = get(sender1.getString("manifest_href"));
            JsonObject connect = Json.createObjectBuilder()
                    .add("sender_id", sender1.getString("id"))
                    .add("master_enable", true)
                    .add("transport_file", Json.createObjectBuilder().add("data", sdp1).add("type", "application/sdp"))
                    .add("activation", Json.createObjectBuilder().add("mode", "activate_immediate"))
                    .build();
            patch(rxUrl, connect, 200);
            // the registry hears of the subscription
            Polls.waitFor("receiver subscription in the registry", () -> {
                JsonObject r = reg.resources.get(receiverId);
                return r != null && r.getJsonObject("subscription").get("sender_id").toString().contains(sender1.getString("id"));
            }, 10_000);

            // frames from sender 1, bit-exact and in order
            byte[] frame = new byte[FRAME];
            DataInputStream in = new DataInputStream(rx.getInputStream());
            int first = -1;
            int skipped = 0;
            for (int i = 0; i < 60; i++) {
                in.readFully(frame);
                int k = match(src1, frame);
                if (first < 0) {
                    if (k < 0) {
                        assertTrue("only a frame cut by the connection may differ", ++skipped <= 2);
                        i--;
                        continue;
                    }
                    first = k;
                }
                assertEquals("frame " + i + " bit-exact and in order", (first + i) % DISTINCT, k);
            }

            // a scheduled activation moves the receiver to sender 2 at a stated TAI time
            long at = taiNanosNow() + 3_000_000_000L;
            String sdp2 = get(sender2.getString("manifest_href"));
            JsonObject move = Json.createObjectBuilder()
                    .add("sender_id", sender2.getString("id"))
                    .add("transport_file", Json.createObjectBuilder().add("data", sdp2).add("type", "application/sdp"))
                    .add("activation", Json.createObjectBuilder().add("mode", "activate_scheduled_absolute")
                            .add("requested_time", (at / 1_000_000_000L) + ":" + (at % 1_000_000_000L)))
                    .build();
            JsonObject accepted = patch(rxUrl, move, 202);
            assertEquals((at / 1_000_000_000L) + ":" + (at % 1_000_000_000L),
                    accepted.getJsonObject("activation").getString("activation_time"));
            long lastFrom1 = 0;
            long firstFrom2 = 0;
            int odd = 0;
            long deadline = at + 10_000_000_000L;
            while (firstFrom2 == 0 || taiNanosNow() < firstFrom2 + 500_000_000L) {
                in.readFully(frame);
                long now = taiNanosNow();
                if (match(src1, frame) >= 0) {
                    assertEquals("no frame of sender 1 once sender 2's arrived", 0, firstFrom2);
                    lastFrom1 = now;
                } else if (match(src2, frame) >= 0) {
                    if (firstFrom2 == 0) {
                        firstFrom2 = now;
                    }
                } else {
                    assertTrue("only a frame cut by the switch may differ", ++odd <= 2);
                }
                assertTrue("sender 2's frames arrived", now < deadline);
            }
            long frameNanos = FRAME_MS * 1_000_000L;
            System.out.println("NmosIT: activation at TAI " + at + ": last frame of sender 1 received at "
                    + (lastFrom1 - at) / 1_000_000 + " ms, first of sender 2 at " + (firstFrom2 - at) / 1_000_000
                    + " ms; frames cut by the connection " + skipped + ", by the switch " + odd);
            // the switch happens at the stated time, give or take a frame: sender 1 stops being received within a
            // frame of it; the first whole frame of sender 2 is the one that starts after the switch, received one frame
            // period later (the frame is paced over its period), plus the pipe to this test
            assertTrue("sender 1 received until " + (lastFrom1 - at) / 1_000_000 + " ms after the activation time",
                    lastFrom1 <= at + frameNanos + DELIVERY);
            assertTrue("sender 2's first frame " + (firstFrom2 - at) / 1_000_000 + " ms after the activation time",
                    firstFrom2 >= at && firstFrom2 <= at + 2 * frameNanos + DELIVERY);
            JsonObject active = Json.createReader(new StringReader(get(rxUrl.replace("/staged", "/active")))).readObject();
            assertEquals(sender2.getString("id"), active.getString("sender_id"));

            // master_enable false stops it
            patch(rxUrl, Json.createObjectBuilder().add("master_enable", false)
                    .add("activation", Json.createObjectBuilder().add("mode", "activate_immediate")).build(), 200);
            Polls.waitFor("receiver inactive in the registry", () -> {
                JsonObject r = reg.resources.get(receiverId);
                return r != null && !r.getJsonObject("subscription").getBoolean("active");
            }, 10_000);

            // B's idle receiver: no session until the controller connects it to sender 1; then an app attaches to
            // the memif socket the receiver's description names, as a direct memif client, and gets the frames
            String idleId = idleReceiver.getString("id");
            String description = idleReceiver.getString("description");
            String socket = description.substring(description.indexOf("memif client at ") + "memif client at ".length()).trim();
            assertEquals(work.resolve("memif-proxy-b").resolve("nmos-rx-video-raw-1.sock").toString(), socket);
            assertTrue("no socket before the activation", !Files.exists(Path.of(socket)));
            String idleUrl = connectionApi(reg, idleReceiver) + "single/receivers/" + idleId + "/staged";
            patch(idleUrl, Json.createObjectBuilder()
                    .add("sender_id", sender1.getString("id"))
                    .add("master_enable", true)
                    .add("transport_file", Json.createObjectBuilder().add("data", sdp1).add("type", "application/sdp"))
                    .add("activation", Json.createObjectBuilder().add("mode", "activate_immediate"))
                    .build(), 200);
            Polls.waitFor("the idle receiver active in the registry", () -> {
                JsonObject r = reg.resources.get(idleId);
                return r != null && r.getJsonObject("subscription").getBoolean("active")
                        && r.getJsonObject("subscription").getString("sender_id").equals(sender1.getString("id"));
            }, 10_000);
            Process attached = app(homeB, "mcm-receiver", tcpB, work.resolve("rx-idle.err"), "--memif", socket, "-n", "100000",
                    "-o", "-", "--idle-timeout", "3");
            apps.add(attached);
            DataInputStream idleIn = new DataInputStream(attached.getInputStream());
            int firstIdle = -1;
            int prevIdle = -1;
            int idleDropped = 0;
            int cut = 0;
            try {
                for (int i = 0; i < 30; i++) {
                    idleIn.readFully(frame);
                    int k = match(src1, frame);
                    if (firstIdle < 0) {
                        if (k < 0) {
                            assertTrue("only a frame cut by the attach may differ", ++cut <= 2);
                            i--;
                            continue;
                        }
                        firstIdle = k;
                    }
                    if (i > 0) { // a starved app may miss a frame (counted by the proxy), never get one damaged or out of order
                        assertTrue("idle receiver frame " + i + " bit-exact", k >= 0);
                        int step = Math.floorMod(k - prevIdle, DISTINCT);
                        assertTrue("idle receiver frame " + i + " in order: " + prevIdle + " then " + k, step >= 1);
                        idleDropped += step - 1;
                        // the app writes to a pipe this JVM reads: on a loaded 2-core machine the reader stalls now
                        // and then (5 of 30 missed once in CI with other work running); a third of the stream is the bound
                        assertTrue("idle receiver: at most 10 of 30 frames missed, " + idleDropped + " were", idleDropped <= 10);
                    }
                    prevIdle = k;
                }
                System.out.println("NmosIT: idle receiver app got 30 frames bit-exact, " + idleDropped + " missed");
            } catch (java.io.EOFException e) {
                fail("the app on the idle receiver ended early: " + Files.readString(work.resolve("rx-idle.err")));
            }
            Thread drain = new Thread(() -> {
                try {
                    idleIn.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // the app ended
                }
            });
            drain.setDaemon(true);
            drain.start();
            // disabled: its session ends, the app gets no more frames and ends
            patch(idleUrl, Json.createObjectBuilder().add("master_enable", false)
                    .add("activation", Json.createObjectBuilder().add("mode", "activate_immediate")).build(), 200);
            assertTrue("the attached app ends when the receiver is disabled", attached.waitFor(20, TimeUnit.SECONDS));
        } catch (java.io.EOFException e) {
            fail("receiver ended early: " + Files.readString(work.resolve("rx.err")));
        } finally {
            for (Process p : apps) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
