package org.mcm.nmos.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.session.SessionInfo;

/**
 * The pool of idle receivers: IS-04 receivers (schema-valid, stable ids) with no session until an IS-05 activation
 * with a sender's SDP starts one on an app link named after the receiver; a wrong SDP or a missing one is refused
 * with nothing started; disabling ends the session and the link.
 */
class IdleReceiversTest {

    static final String POOL = "video/raw:1, audio/L24:1, data/smpte291:0";

    TestSessions sessions;
    TestAppLinks links;
    NmosService node;
    String videoSdp;
    String audioSdp;
    String senderId;

    @BeforeEach
    void setUp() throws Exception {
        sessions = new TestSessions();
        videoSdp = sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", NodeApiTest.HD).remote(new Endpoint("239.10.0.1", 20000)).build())
                .description();
        audioSdp = sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-30", NodeApiTest.STEREO).remote(new Endpoint("239.10.0.2", 20002)).build())
                .description();
        links = new TestAppLinks();
        node = start("/tmp/mcm-idle", () -> links);
        senderId = NodeApiTest.ids(NodeApiTest.get(nodeApi() + "senders/", Schemas.is04("senders.json"))).get(0);
    }

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.stop();
        }
    }

    NmosService start(String dir, java.util.function.Supplier<org.mcm.api.app.AppLinkService> l) throws Exception {
        NmosService n = new NmosService(sessions, NodeApiTest.settings("idle").withIdleReceivers(POOL, dir), java.util.Map.of(), l);
        n.start();
        return n;
    }

    String nodeApi() {
        return "http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/";
    }

    String staged(String receiverId) {
        return "http://127.0.0.1:" + node.port() + "/x-nmos/connection/v1.1/single/receivers/" + receiverId + "/staged";
    }

    /** The idle receivers by media type, as the Node API lists them (each validated). */
    JsonNode receiver(String mediaType) throws Exception {
        JsonNode all = NodeApiTest.get(nodeApi() + "receivers/", Schemas.is04("receivers.json"));
        for (JsonNode r : all) {
            if (r.get("caps").get("media_types").get(0).asText().equals(mediaType)) {
                return NodeApiTest.get(nodeApi() + "receivers/" + r.get("id").asText(), Schemas.is04("receiver.json"));
            }
        }
        throw new AssertionError("no " + mediaType + " receiver in " + all);
    }

    static String connect(String senderId, String sdp) {
        ObjectNode b = Schemas.MAPPER.createObjectNode().put("sender_id", senderId).put("master_enable", true);
        b.set("transport_file", Schemas.MAPPER.createObjectNode().put("data", sdp).put("type", "application/sdp"));
        b.set("activation", Schemas.MAPPER.createObjectNode().put("mode", "activate_immediate"));
        String body = b.toString();
        Schemas.assertValid(Schemas.is05("receiver-stage-schema.json"), body);
        return body;
    }

    static JsonNode error(Http.Res r, int code) {
        assertEquals(code, r.code(), r.body());
        return Schemas.assertValid(Schemas.is05("error.json"), r.body());
    }

    List<SessionInfo> rxSessions() {
        List<SessionInfo> out = new ArrayList<>();
        for (SessionInfo s : sessions.list()) {
            if (s.spec().direction() == Direction.RX) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void theConfiguredPoolAppearsAsReceiversWithStableIds() throws Exception {
        JsonNode video = receiver("video/raw");
        JsonNode audio = receiver("audio/L24");
        assertEquals("urn:x-nmos:format:video", video.get("format").asText());
        assertEquals("urn:x-nmos:format:audio", audio.get("format").asText());
        assertFalse(video.get("subscription").get("active").asBoolean());
        assertTrue(video.get("description").asText().contains("/tmp/mcm-idle/nmos-rx-video-raw-1.sock"), video.toString());
        assertEquals(2, NodeApiTest.get(nodeApi() + "receivers/", Schemas.is04("receivers.json")).size(), "data/smpte291:0 gives none");
        JsonNode device = NodeApiTest.get(nodeApi() + "devices/", Schemas.is04("devices.json")).get(0);
        assertTrue(device.get("receivers").toString().contains(video.get("id").asText()));
        JsonNode staged = Schemas.assertValid(Schemas.is05("receiver-response-schema.json"), Http.get(staged(video.get("id").asText())).body());
        assertFalse(staged.get("master_enable").asBoolean());
        assertTrue(rxSessions().isEmpty(), "idle receivers have no session");

        // the same seed and pool give the same ids after a restart
        node.stop();
        node = start("/tmp/mcm-idle", () -> links);
        assertEquals(video.get("id").asText(), receiver("video/raw").get("id").asText());
        assertEquals(audio.get("id").asText(), receiver("audio/L24").get("id").asText());
    }

    @Test
    void anActivationWithASendersSdpStartsASessionTheAppAttachesTo() throws Exception {
        String id = receiver("video/raw").get("id").asText();
        Http.Res r = Http.patch(staged(id), connect(senderId, videoSdp));
        assertEquals(200, r.code(), r.body());
        Schemas.assertValid(Schemas.is05("receiver-response-schema.json"), r.body());

        List<SessionInfo> rx = rxSessions();
        assertEquals(1, rx.size());
        SessionInfo s = rx.get(0);
        assertEquals("nmos idle receiver video/raw#1", s.owner());
        assertEquals(NodeApiTest.HD, s.spec().format(), "the format is the SDP's");
        assertEquals("st2110-20", s.spec().transport());
        assertEquals(20000, s.spec().local().port(), "port from the SDP");
        assertEquals("239.10.0.1", s.spec().remote().host(), "group from the SDP");
        assertEquals(1, links.opened.size());
        TestAppLinks.Link link = links.opened.get(0);
        assertEquals("/tmp/mcm-idle/nmos-rx-video-raw-1.sock", link.request().socketPath());
        assertEquals(Direction.RX, link.request().direction());
        assertEquals(NodeApiTest.HD.bufferSize(), link.request().bufferSize());
        assertFalse(link.request().pooled(), "the app allocates the memory, as upstream's memif clients do");

        JsonNode now = receiver("video/raw");
        assertEquals(id, now.get("id").asText());
        assertTrue(now.get("subscription").get("active").asBoolean());
        assertEquals(senderId, now.get("subscription").get("sender_id").asText());
        assertTrue(now.get("label").asText().contains("session " + s.id()), now.get("label").asText());
        JsonNode active = Schemas.assertValid(Schemas.is05("receiver-response-schema.json"), Http.get(staged(id).replace("/staged", "/active")).body());
        assertEquals(senderId, active.get("sender_id").asText());
        assertEquals(20000, active.get("transport_params").get(0).get("destination_port").asInt());
        assertEquals(1, NodeApiTest.get(nodeApi() + "receivers/", Schemas.is04("receivers.json")).size() - 1,
                "the session is shown as the idle receiver, not as a receiver of its own");

        // re-targeted to another stream of the same size: the same session and link
        String other = videoSdp.replace("239.10.0.1", "239.10.0.7");
        assertEquals(200, Http.patch(staged(id), connect(senderId, other)).code());
        assertEquals(1, rxSessions().size());
        assertEquals("239.10.0.7", sessions.get(s.id()).orElseThrow().spec().remote().host());
        assertEquals(1, links.opened.size());
        assertNull(link.closed);

        // disabled: the session ends, the link closes, the receiver is idle again
        Http.Res off = Http.patch(staged(id), "{\"master_enable\":false,\"activation\":{\"mode\":\"activate_immediate\"}}");
        assertEquals(200, off.code(), off.body());
        assertTrue(rxSessions().isEmpty());
        assertNotNull(link.closed);
        assertTrue(link.closed.contains("disabled"), link.closed);
        assertFalse(receiver("video/raw").get("subscription").get("active").asBoolean());
    }

    @Test
    void aWrongOrMissingSdpIsRefusedAndNothingStarts() throws Exception {
        String audio = receiver("audio/L24").get("id").asText();
        String before = Http.get(staged(audio)).body();
        error(Http.patch(staged(audio), connect(senderId, videoSdp)), 400);
        error(Http.patch(staged(audio), "{\"master_enable\":true,\"activation\":{\"mode\":\"activate_immediate\"}}"), 400);
        error(Http.patch(staged(audio), connect(senderId, "v=0\r\nthis is no SDP\r\n")), 400);
        assertEquals(before, Http.get(staged(audio)).body(), "nothing staged");
        assertTrue(rxSessions().isEmpty());
        assertTrue(links.opened.isEmpty());

        // the right SDP works
        assertEquals(200, Http.patch(staged(audio), connect(senderId, audioSdp)).code());
        assertEquals(NodeApiTest.STEREO, rxSessions().get(0).spec().format());
        assertEquals("/tmp/mcm-idle/nmos-rx-audio-l24-1.sock", links.opened.get(0).request().socketPath());
    }

    @Test
    void withoutTheAppDataPathTheActivationFailsCleanly() throws Exception {
        node.stop();
        node = start("/tmp/mcm-idle", () -> null);
        String id = receiver("video/raw").get("id").asText();
        JsonNode e = error(Http.patch(staged(id), connect(senderId, videoSdp)), 500);
        assertTrue(e.get("error").asText().contains("memif"), e.toString());
        assertTrue(rxSessions().isEmpty());
        assertFalse(Schemas.MAPPER.readTree(Http.get(staged(id)).body()).get("master_enable").asBoolean(), "nothing staged");
    }

    @Test
    void aBadPoolConfigurationIsReportedAndTheNodeRunsWithout() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> IdlePool.parse("video/raw:x", "/tmp"));
        assertThrows(IllegalArgumentException.class, () -> IdlePool.parse("video/h264:1", "/tmp"));
        assertThrows(IllegalArgumentException.class, () -> IdlePool.parse("video/raw:1,video/raw:2", "/tmp"));
        assertEquals(3, IdlePool.parse("video/raw:2,audio/L16", "/d").size());
        node.stop();
        node = new NmosService(sessions, NodeApiTest.settings("idle").withIdleReceivers("video/raw:x", "/tmp"), java.util.Map.of(), () -> links);
        node.start();
        assertTrue(node.idleStatus.contains("count is not a number"), node.idleStatus);
        assertEquals(0, NodeApiTest.get(nodeApi() + "receivers/", Schemas.is04("receivers.json")).size());
    }
}
