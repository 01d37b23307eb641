package org.mcm.nmos.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.session.SessionState;

/** The IS-05 Connection API over HTTP: responses validated against the IS-05 v1.1 schemas; bad input refused whole. */
class ConnectionApiTest {

    TestSessions sessions;
    NmosService node;
    String api;
    String senderId;
    String receiverId;
    long rxSession;
    String sdp;

    @BeforeEach
    void setUp() throws Exception {
        sessions = new TestSessions();
        var tx = sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", NodeApiTest.HD).remote(new Endpoint("239.10.0.1", 20000)).build());
        sdp = tx.description();
        rxSession = sessions.add(ConnectionSpec.builder(Direction.RX, "st2110-20", NodeApiTest.HD).local(new Endpoint("", 20006)).build()).id();
        node = new NmosService(sessions, NodeApiTest.settings("conn"));
        node.start();
        String nodeApi = "http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/";
        senderId = Schemas.MAPPER.readTree(Http.get(nodeApi + "senders/").body()).get(0).get("id").asText();
        receiverId = Schemas.MAPPER.readTree(Http.get(nodeApi + "receivers/").body()).get(0).get("id").asText();
        api = "http://127.0.0.1:" + node.port() + "/x-nmos/connection/v1.1/";
    }

    @AfterEach
    void tearDown() {
        node.stop();
    }

    JsonNode ok(Http.Res r, int code, String schema) {
        assertEquals(code, r.code(), r.body());
        return Schemas.assertValid(schema, r.body());
    }

    JsonNode error(Http.Res r, int code) {
        assertEquals(code, r.code(), r.body());
        JsonNode e = Schemas.assertValid(Schemas.is05("error.json"), r.body());
        assertEquals(code, e.get("code").asInt());
        return e;
    }

    String rx(String leaf) {
        return api + "single/receivers/" + receiverId + "/" + leaf;
    }

    String tx(String leaf) {
        return api + "single/senders/" + senderId + "/" + leaf;
    }

    static String json(String s) {
        return s.replace('\'', '"');
    }

    @Test
    void listingsAndViewsValidate() throws Exception {
        ok(Http.get(api), 200, Schemas.is05("connectionapi-base.json"));
        ok(Http.get(api + "single/"), 200, Schemas.is05("connectionapi-single.json"));
        ok(Http.get(api + "bulk/"), 200, Schemas.is05("connectionapi-bulk.json"));
        JsonNode senders = ok(Http.get(api + "single/senders/"), 200, Schemas.is05("sender-receiver-base.json"));
        assertEquals(List.of(receiverId + "/"), NodeApiTest.listOf(ok(Http.get(api + "single/receivers/"), 200,
                Schemas.is05("sender-receiver-base.json"))));
        assertEquals(List.of(senderId + "/"), NodeApiTest.listOf(senders));
        ok(Http.get(api + "single/senders/" + senderId + "/"), 200, Schemas.is05("connectionapi-sender.json"));
        ok(Http.get(api + "single/receivers/" + receiverId + "/"), 200, Schemas.is05("connectionapi-receiver.json"));
        ok(Http.get(tx("constraints")), 200, Schemas.is05("constraints-schema.json"));
        ok(Http.get(rx("constraints")), 200, Schemas.is05("constraints-schema.json"));
        JsonNode staged = ok(Http.get(tx("staged")), 200, Schemas.is05("sender-response-schema.json"));
        assertEquals("239.10.0.1", staged.get("transport_params").get(0).get("destination_ip").asText());
        ok(Http.get(tx("active")), 200, Schemas.is05("sender-response-schema.json"));
        JsonNode rxActive = ok(Http.get(rx("active")), 200, Schemas.is05("receiver-response-schema.json"));
        assertEquals(20006, rxActive.get("transport_params").get(0).get("destination_port").asInt());
        ok(Http.get(rx("staged")), 200, Schemas.is05("receiver-response-schema.json"));
        ok(Http.get(tx("transporttype")), 200, Schemas.is05("transporttype-response-schema.json"));
        Http.Res file = Http.get(tx("transportfile"));
        assertEquals(200, file.code());
        assertTrue(file.type().startsWith("application/sdp"));
        assertEquals(sdp, file.body());
        error(Http.get(rx("transportfile")), 404);
        error(Http.get(api + "single/senders/" + receiverId + "/staged"), 404);
        error(Http.get(api + "single/receivers/00000000-0000-4000-8000-000000000000/staged"), 404);
    }

    @Test
    void receiverPatchedWithASendersSdpReconnectsItsSession() throws Exception {
        String body = Schemas.MAPPER.createObjectNode()
                .put("sender_id", senderId).put("master_enable", true)
                .set("transport_file", Schemas.MAPPER.createObjectNode().put("data", sdp).put("type", "application/sdp"))
                .toString();
        body = body.substring(0, body.length() - 1) + json(",'activation':{'mode':'activate_immediate'}}");
        Schemas.assertValid(Schemas.is05("receiver-stage-schema.json"), body);
        JsonNode r = ok(Http.patch(rx("staged"), body), 200, Schemas.is05("receiver-response-schema.json"));
        assertEquals("activate_immediate", r.get("activation").get("mode").asText());
        assertTrue(r.get("activation").get("activation_time").isTextual());
        assertEquals(1, sessions.reconnects.size());
        ConnectionSpec to = sessions.reconnects.get(0).spec();
        assertEquals("239.10.0.1", to.remote().host(), "group from the SDP");
        assertEquals(20000, to.local().port(), "port from the SDP");
        assertEquals(NodeApiTest.HD, to.format(), "the app's format stays");
        JsonNode active = ok(Http.get(rx("active")), 200, Schemas.is05("receiver-response-schema.json"));
        assertEquals(senderId, active.get("sender_id").asText());
        assertEquals("239.10.0.1", active.get("transport_params").get(0).get("multicast_ip").asText());
        assertEquals("127.0.0.1", active.get("transport_params").get(0).get("source_ip").asText());
        assertEquals(sdp, active.get("transport_file").get("data").asText());
        JsonNode staged = ok(Http.get(rx("staged")), 200, Schemas.is05("receiver-response-schema.json"));
        assertTrue(staged.get("activation").get("mode").isNull(), "mode back to null after the PATCH");
        // IS-04 shows the subscription
        JsonNode rec = Schemas.MAPPER.readTree(Http.get("http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/receivers/" + receiverId).body());
        assertEquals(senderId, rec.get("subscription").get("sender_id").asText());
        assertTrue(rec.get("subscription").get("active").asBoolean());

        // master_enable false stops it
        ok(Http.patch(rx("staged"), json("{'master_enable':false,'activation':{'mode':'activate_immediate'}}")), 200,
                Schemas.is05("receiver-response-schema.json"));
        assertNull(sessions.reconnects.get(1).spec());
        assertEquals(SessionState.CREATED, sessions.get(rxSession).orElseThrow().state());
        assertEquals(false, Schemas.MAPPER.readTree(Http.get(rx("active")).body()).get("master_enable").asBoolean());
    }

    @Test
    void badRequestsChangeNothing() throws Exception {
        String before = Http.get(rx("staged")).body();
        error(Http.patch(rx("staged"), "{\"master_enable\": tru"), 400);
        error(Http.patch(rx("staged"), json("{'master_enable':'yes'}")), 400);
        error(Http.patch(rx("staged"), json("{'bogus':1}")), 400);
        error(Http.patch(rx("staged"), json("[1,2]")), 400);
        JsonNode legs = error(Http.patch(rx("staged"), json("{'transport_params':[{'destination_port':5000},{'destination_port':5002}]}")), 400);
        assertTrue(legs.get("error").asText().contains("single leg"), legs.toString());
        error(Http.patch(rx("staged"), json("{'transport_params':[{'destination_port':70000}]}")), 400);
        error(Http.patch(rx("staged"), json("{'transport_params':[{'multicast_ip':'10.0.0.1'}]}")), 400);
        error(Http.patch(rx("staged"), json("{'transport_params':[{'fec_enabled':true}]}")), 400);
        error(Http.patch(rx("staged"), json("{'sender_id':'not-a-uuid'}")), 400);
        JsonNode badSdp = error(Http.patch(rx("staged"), json("{'transport_file':{'data':'v=0\\r\\nm=video x RTP/AVP 96\\r\\n','type':'application/sdp'},"
                + "'activation':{'mode':'activate_immediate'}}")), 400);
        assertTrue(badSdp.get("error").asText().contains("line 2"), badSdp.toString());
        error(Http.patch(rx("staged"), json("{'activation':{'mode':'activate_scheduled_absolute','requested_time':'1:0'}}")), 400);
        error(Http.patch(rx("staged"), json("{'activation':{'mode':'activate_scheduled_absolute'}}")), 400);
        error(Http.patch(rx("staged"), json("{'activation':{'mode':'activate_scheduled_relative','requested_time':'abc'}}")), 400);
        error(Http.patch(rx("staged"), json("{'activation':{'mode':'now'}}")), 400);
        error(Http.patch(tx("staged"), json("{'transport_file':{'data':null,'type':null}}")), 400);
        assertEquals(before, Http.get(rx("staged")).body(), "nothing staged by refused requests");
        assertTrue(sessions.reconnects.isEmpty());

        // the session refuses: 500, active unchanged
        String active = Http.get(tx("active")).body();
        sessions.refuseReconnect = "no route to 239.1.1.1";
        JsonNode e = error(Http.patch(tx("staged"), json("{'transport_params':[{'destination_ip':'239.1.1.1'}],"
                + "'activation':{'mode':'activate_immediate'}}")), 500);
        assertTrue(e.get("error").asText().contains("no route"));
        assertEquals(active, Http.get(tx("active")).body());
        assertTrue(Http.get(tx("staged")).body().contains("239.10.0.1"), "the refused values were not staged");
        assertTrue(node.http().badRequests.sum() >= 16, "bad requests are counted");
    }

    @Test
    void scheduledActivationsHappenAtTheirTimeAndLock() throws Exception {
        long at = Tai.nowNanos() + 600_000_000L;
        String req = json("{'transport_params':[{'destination_ip':'239.20.0.2','destination_port':20100}],"
                + "'activation':{'mode':'activate_scheduled_absolute','requested_time':'" + Tai.format(at) + "'}}");
        Schemas.assertValid(Schemas.is05("sender-stage-schema.json"), req);
        JsonNode r = ok(Http.patch(tx("staged"), req), 202, Schemas.is05("sender-response-schema.json"));
        assertEquals(Tai.format(at), r.get("activation").get("activation_time").asText());
        long patchedAt = System.nanoTime();
        long taiAtPatch = Tai.nowNanos();
        error(Http.patch(tx("staged"), json("{'master_enable':false}")), 423);
        assertTrue(sessions.reconnects.isEmpty(), "not before its time");
        await("the scheduled activation").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> !sessions.reconnects.isEmpty());
        assertEquals(1, sessions.reconnects.size());
        long lateMs = (sessions.reconnects.get(0).atNanos() - patchedAt - (at - taiAtPatch)) / 1_000_000;
        // within a frame of the requested time (a frame at 25 fps: 40 ms, room for a busy 2-core machine)
        assertTrue(Math.abs(lateMs) <= 40, "activated " + lateMs + " ms off the requested time");
        assertEquals(new Endpoint("239.20.0.2", 20100), sessions.reconnects.get(0).spec().remote());
        JsonNode active = ok(Http.get(tx("active")), 200, Schemas.is05("sender-response-schema.json"));
        assertEquals("239.20.0.2", active.get("transport_params").get(0).get("destination_ip").asText());
        assertTrue(Schemas.MAPPER.readTree(Http.get(tx("staged")).body()).get("activation").get("mode").isNull());

        // relative, then cancelled: never applied
        JsonNode rel = ok(Http.patch(tx("staged"), json("{'activation':{'mode':'activate_scheduled_relative','requested_time':'2:0'}}")),
                202, Schemas.is05("sender-response-schema.json"));
        assertTrue(Tai.parse(rel.get("activation").get("activation_time").asText()) >= Tai.nowNanos() + 1_000_000_000L);
        ok(Http.patch(tx("staged"), json("{'activation':{'mode':null}}")), 200, Schemas.is05("sender-response-schema.json"));
        // on purpose a fixed span: past the time the cancelled activation was due (2 s), nothing may happen
        await("the cancelled activation never happening").during(Duration.ofMillis(2300)).atMost(Duration.ofSeconds(3))
                .until(() -> sessions.reconnects.size() == 1);
    }

    @Test
    void bulkRequests() throws Exception {
        String req = json("[{'id':'" + receiverId + "','params':{'master_enable':false,'activation':{'mode':'activate_immediate'}}},"
                + "{'id':'00000000-0000-4000-8000-000000000000','params':{}},"
                + "{'id':'" + receiverId + "','params':{'transport_params':[{},{}]}}]");
        Schemas.assertValid(Schemas.is05("bulk-receiver-post-schema.json"), req);
        JsonNode r = ok(Http.post(api + "bulk/receivers", req), 200, Schemas.is05("bulk-response-schema.json"));
        assertEquals(200, r.get(0).get("code").asInt());
        assertEquals(404, r.get(1).get("code").asInt());
        assertEquals(400, r.get(2).get("code").asInt());
        assertEquals(1, sessions.reconnects.size());
        error(Http.post(api + "bulk/senders", "{}"), 400);
        error(Http.get(api + "bulk/senders"), 405);
    }

    @Test
    void consolePageShowsRegistryAndConnectionState() throws Exception {
        String body = Schemas.MAPPER.createObjectNode().put("sender_id", senderId).put("master_enable", true)
                .set("transport_file", Schemas.MAPPER.createObjectNode().put("data", sdp).put("type", "application/sdp")).toString();
        body = body.substring(0, body.length() - 1) + json(",'activation':{'mode':'activate_immediate'}}");
        assertEquals(200, Http.patch(rx("staged"), body).code());
        String html = StatusPage.html(node, sessions);
        assertTrue(html.contains(node.snapshot().node().id()));
        assertTrue(html.contains("no registry configured"), html);
        assertTrue(html.contains("<td>receiver</td><td>" + receiverId + "</td><td>ACTIVE</td><td>true</td><td>" + senderId + "</td>"), html);
        assertTrue(html.contains("activated "), html);
        assertEquals("&lt;b&gt;&amp;&quot;", StatusPage.esc("<b>&\""));
        assertTrue(StatusPage.html(null, null).contains("not running"));
    }
}
