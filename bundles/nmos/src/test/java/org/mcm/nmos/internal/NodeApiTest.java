package org.mcm.nmos.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/** The IS-04 Node API over HTTP: every response validated against the IS-04 v1.3 schemas. */
class NodeApiTest {

    static final VideoFormat HD = new VideoFormat(1920, 1080, Rational.of(60000, 1001), PixelFormat.YUV422P10LE);
    static final AudioFormat STEREO = new AudioFormat(48000, 2, 24, PacketTime.PT_1MS);

    TestSessions sessions;
    NmosService node;
    String base;

    static Settings settings(String seed) {
        return new Settings("127.0.0.1", 0, "", "test proxy", seed, "127.0.0.1", List.of(), 5000);
    }

    @BeforeEach
    void setUp() throws Exception {
        sessions = new TestSessions();
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", HD).remote(new Endpoint("239.10.0.1", 20000)).build());
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-30", STEREO).remote(new Endpoint("127.0.0.1", 20002)).build());
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-22", HD).remote(new Endpoint("239.10.0.3", 20004)).build());
        sessions.add(ConnectionSpec.builder(Direction.RX, "st2110-20", HD).local(new Endpoint("", 20006)).build());
        sessions.add(ConnectionSpec.builder(Direction.RX, "st2110-30", STEREO).local(new Endpoint("", 20008)).build());
        sessions.add(ConnectionSpec.builder(Direction.TX, "memif-only", new BlobFormat(100)).build()); // not an NMOS sender
        node = new NmosService(sessions, settings("node-a"));
        node.start();
        base = "http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/";
    }

    @AfterEach
    void tearDown() {
        node.stop();
    }

    static JsonNode get(String url, String schema) throws Exception {
        Http.Res r = Http.get(url);
        assertEquals(200, r.code(), url + ": " + r.body());
        assertTrue(r.type().startsWith("application/json"), r.type());
        return Schemas.assertValid(schema, r.body());
    }

    static List<String> ids(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.get("id").asText()));
        return out;
    }

    @Test
    void everyResourceValidatesAndReferencesHold() throws Exception {
        Schemas.assertValid(Schemas.is04("nodeapi-base.json"), Http.get(base).body());
        JsonNode self = get(base + "self", Schemas.is04("node.json"));
        assertEquals("http://127.0.0.1:" + node.port() + "/", self.get("href").asText());
        JsonNode devices = get(base + "devices/", Schemas.is04("devices.json"));
        JsonNode sources = get(base + "sources/", Schemas.is04("sources.json"));
        JsonNode flows = get(base + "flows/", Schemas.is04("flows.json"));
        JsonNode senders = get(base + "senders/", Schemas.is04("senders.json"));
        JsonNode receivers = get(base + "receivers/", Schemas.is04("receivers.json"));
        assertEquals(1, devices.size());
        assertEquals(3, senders.size(), "three ST 2110 senders (the memif-only session is not one)");
        assertEquals(3, sources.size());
        assertEquals(3, flows.size());
        assertEquals(2, receivers.size());
        JsonNode device = devices.get(0);
        assertEquals(self.get("id").asText(), device.get("node_id").asText());
        assertEquals(ids(senders), listOf(device.get("senders")));
        assertEquals(ids(receivers), listOf(device.get("receivers")));
        assertEquals("urn:x-nmos:control:sr-ctrl/v1.1", device.get("controls").get(0).get("type").asText());
        for (String type : List.of("devices", "sources", "flows", "senders", "receivers")) {
            JsonNode list = Http.get(base + type + "/").body().isEmpty() ? null : Schemas.MAPPER.readTree(Http.get(base + type + "/").body());
            for (JsonNode r : list) {
                String single = type.substring(0, type.length() - 1) + ".json";
                JsonNode one = get(base + type + "/" + r.get("id").asText(), Schemas.is04(single));
                assertEquals(r, one);
            }
        }
        Set<String> sourceIds = new HashSet<>(ids(sources));
        Set<String> flowIds = new HashSet<>(ids(flows));
        for (JsonNode f : flows) {
            assertTrue(sourceIds.contains(f.get("source_id").asText()));
        }
        List<String> media = new ArrayList<>();
        for (JsonNode f : flows) {
            media.add(f.get("media_type").asText());
        }
        assertEquals(List.of("video/raw", "audio/L24", "video/jxsv"), media);
        assertEquals(1920, flows.get(0).get("frame_width").asInt());
        assertEquals(60000, flows.get(0).get("grain_rate").get("numerator").asInt());
        assertEquals(1001, flows.get(0).get("grain_rate").get("denominator").asInt());
        for (JsonNode s : senders) {
            assertTrue(flowIds.contains(s.get("flow_id").asText()));
            assertTrue(s.get("manifest_href").asText().endsWith("/x-nmos/connection/v1.1/single/senders/" + s.get("id").asText() + "/transportfile"));
        }
        assertEquals("urn:x-nmos:transport:rtp.mcast", senders.get(0).get("transport").asText());
        assertEquals("urn:x-nmos:transport:rtp.ucast", senders.get(1).get("transport").asText());
    }

    @Test
    void ancillaryDataSessionsAreDataSendersAndReceivers() throws Exception {
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-40", new org.mcm.api.media.BlobFormat(4096))
                .remote(new Endpoint("239.10.0.40", 20040)).build());
        sessions.add(ConnectionSpec.builder(Direction.RX, "st2110-40", new org.mcm.api.media.BlobFormat(4096))
                .local(new Endpoint("", 20042)).build());
        String base = "http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/";
        JsonNode flows = get(base + "flows/", Schemas.is04("flows.json"));
        JsonNode sources = get(base + "sources/", Schemas.is04("sources.json"));
        JsonNode receivers = get(base + "receivers/", Schemas.is04("receivers.json"));
        get(base + "senders/", Schemas.is04("senders.json"));
        JsonNode flow = flows.get(flows.size() - 1);
        assertEquals("urn:x-nmos:format:data", flow.get("format").asText());
        assertEquals("video/smpte291", flow.get("media_type").asText());
        get(base + "flows/" + flow.get("id").asText(), Schemas.is04("flow.json"));
        assertEquals("urn:x-nmos:format:data", sources.get(sources.size() - 1).get("format").asText());
        JsonNode rx = receivers.get(receivers.size() - 1);
        assertEquals("urn:x-nmos:format:data", rx.get("format").asText());
        assertEquals("video/smpte291", rx.get("caps").get("media_types").get(0).asText());
        get(base + "receivers/" + rx.get("id").asText(), Schemas.is04("receiver.json"));
    }

    static List<String> listOf(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void errorsUseTheErrorSchema() throws Exception {
        for (String path : List.of("senders/00000000-0000-4000-8000-000000000000", "flows/nope", "bogus/", "self/x")) {
            Http.Res r = Http.get(base + path);
            assertEquals(404, r.code(), path);
            JsonNode e = Schemas.assertValid(Schemas.is04("error.json"), r.body());
            assertEquals(404, e.get("code").asInt());
        }
        Http.Res r = Http.get("http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.2/self");
        assertEquals(404, r.code());
        Schemas.assertValid(Schemas.is04("error.json"), r.body());
        Http.Res post = Http.post(base + "self", "{}");
        assertEquals(405, post.code());
        Schemas.assertValid(Schemas.is04("error.json"), post.body());
    }

    @Test
    void idsAreStableAcrossRestartsAndVersionsMoveOnChange() throws Exception {
        JsonNode senders = get(base + "senders/", Schemas.is04("senders.json"));
        JsonNode self = get(base + "self", Schemas.is04("node.json"));
        JsonNode device = get(base + "devices/", Schemas.is04("devices.json")).get(0);
        node.stop();
        // same seed, same session specs, new session ids: same resource ids
        TestSessions again = new TestSessions();
        sessions.list().forEach(s -> again.add(s.spec()));
        node = new NmosService(again, settings("node-a"));
        node.start();
        base = "http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/";
        assertEquals(ids(senders), ids(get(base + "senders/", Schemas.is04("senders.json"))));
        assertEquals(self.get("id"), get(base + "self", Schemas.is04("node.json")).get("id"));
        // another seed: other ids
        NmosService other = new NmosService(again, settings("node-b"));
        other.start();
        try {
            JsonNode otherSenders = get("http://127.0.0.1:" + other.port() + "/x-nmos/node/v1.3/senders/", Schemas.is04("senders.json"));
            assertTrue(java.util.Collections.disjoint(ids(senders), ids(otherSenders)));
        } finally {
            other.stop();
        }
        // a receiver reconnected keeps its id, its version moves on; the device's does when a sender goes
        JsonNode rx = get(base + "receivers/", Schemas.is04("receivers.json")).get(0);
        long rxSession = again.list().stream().filter(s -> s.spec().direction() == Direction.RX).findFirst().orElseThrow().id();
        again.reconnect(rxSession, ConnectionSpec.builder(Direction.RX, "st2110-20", HD).local(new Endpoint("", 30000))
                .remote(new Endpoint("239.1.2.3", 0)).build());
        again.reconnect(rxSession, null);
        JsonNode rx2 = get(base + "receivers/" + rx.get("id").asText(), Schemas.is04("receiver.json"));
        assertNotEquals(rx.get("version").asText(), rx2.get("version").asText(), "inactive now: a new version");
        assertEquals(false, rx2.get("subscription").get("active").asBoolean());
        assertTrue(Tai.parse(rx2.get("version").asText()) > Tai.parse(rx.get("version").asText()));
        JsonNode dev1 = get(base + "devices/", Schemas.is04("devices.json")).get(0);
        assertEquals(device.get("id"), dev1.get("id"));
        again.end(again.list().get(0).id());
        JsonNode dev2 = get(base + "devices/", Schemas.is04("devices.json")).get(0);
        assertEquals(2, dev2.get("senders").size());
        assertTrue(Tai.parse(dev2.get("version").asText()) > Tai.parse(dev1.get("version").asText()));
        assertEquals(2, get(base + "flows/", Schemas.is04("flows.json")).size());
    }

    @Test
    void theValidatorRejectsBrokenResources() throws Exception {
        String self = Http.get(base + "self").body();
        com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode) Schemas.MAPPER.readTree(self);
        n.remove("href");
        assertTrue(!Schemas.valid(Schemas.is04("node.json"), n.toString()), "missing href");
        String sender = Schemas.MAPPER.readTree(Http.get(base + "senders/").body()).get(0).toString();
        assertTrue(Schemas.valid(Schemas.is04("sender.json"), sender));
        assertTrue(!Schemas.valid(Schemas.is04("sender.json"), sender.replaceFirst("\"version\":\"[0-9]+:", "\"version\":\"x:")),
                "a version that is not <seconds>:<nanoseconds> (checked through $ref resource_core.json)");
        assertTrue(!Schemas.valid(Schemas.is04("sender.json"), sender.replace("urn:x-nmos:transport:rtp.mcast", "urn:x-nmos:bogus")));
    }
}
