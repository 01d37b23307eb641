package org.mcm.itests;

import static org.mcm.itests.Polls.waitFor;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Hashtable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The nmos bundle in a real Felix with the appliance's bundles: its APIs follow the real sessions, IS-05 PATCHes
 * re-target real ST 2110 sessions through the control bundle, and the bundle and the transport bundle come and go
 * without taking anything else down.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NmosBundleIT {

    static final VideoFormat FMT = new VideoFormat(640, 360, Rational.of(25, 1), PixelFormat.YUV422P10LE);
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();

    @Inject
    BundleContext context;
    @Inject
    SessionManager sessions;
    @Inject
    ConfigurationAdmin cm;

    @Configuration
    public Option[] config() {
        return Provisioning.appliance();
    }


    static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return HTTP.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String get(String url) {
        try {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)).GET());
            return r.statusCode() == 200 ? r.body() : "HTTP " + r.statusCode() + " " + r.body();
        } catch (IOException | InterruptedException e) {
            return "unreachable: " + e;
        }
    }

    static int patch(String url, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json))).statusCode();
    }

    static String firstId(String json) {
        Matcher m = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }

    Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(bsn + " not installed");
    }

    @Test
    public void nodeFollowsRealSessionsAndIs05RetargetsThemAcrossBundleRestarts() throws Exception {
        int port = Provisioning.freePort();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("port", port);
        props.put("seed", "pax");
        cm.getConfiguration("org.mcm.nmos", null).update(props);
        String node = "http://127.0.0.1:" + port + "/x-nmos/node/v1.3/";
        String conn = "http://127.0.0.1:" + port + "/x-nmos/connection/v1.1/single/";
        waitFor("Node API on the configured port", () -> get(node + "self").contains("\"href\""), 20_000);

        int dst = Provisioning.freePort();
        SessionManager.Session tx = sessions.create(ConnectionSpec.builder(Direction.TX, "st2110-20", FMT)
                .remote(new Endpoint("127.0.0.1", dst)).build(), "itest", null);
        SessionManager.Session rx = sessions.create(ConnectionSpec.builder(Direction.RX, "st2110-20", FMT)
                .local(new Endpoint("", Provisioning.freePort())).build(), "itest", null);
        waitFor("a sender and a receiver", () -> firstId(get(node + "senders/")) != null && firstId(get(node + "receivers/")) != null, 5000);
        String senderId = firstId(get(node + "senders/"));
        String receiverId = firstId(get(node + "receivers/"));
        String sdp = get(conn + "senders/" + senderId + "/transportfile");
        assertEquals(tx.info().description(), sdp);

        // IS-05 re-targets the real receiver session to the sender's stream
        assertEquals(200, patch(conn + "receivers/" + receiverId + "/staged", "{\"sender_id\":\"" + senderId
                + "\",\"master_enable\":true,\"transport_file\":{\"data\":" + jsonString(sdp)
                + ",\"type\":\"application/sdp\"},\"activation\":{\"mode\":\"activate_immediate\"}}"));
        assertEquals(dst, rx.info().spec().local().port());
        assertEquals(SessionState.ACTIVE, rx.info().state());
        // and the sender to another destination
        int dst2 = Provisioning.freePort();
        assertEquals(200, patch(conn + "senders/" + senderId + "/staged",
                "{\"transport_params\":[{\"destination_port\":" + dst2 + "}],\"activation\":{\"mode\":\"activate_immediate\"}}"));
        assertEquals(dst2, tx.info().spec().remote().port());
        assertTrue(get(conn + "senders/" + senderId + "/transportfile").contains("m=video " + dst2 + " "));
        // master_enable false: the session stays, without a transport
        assertEquals(200, patch(conn + "receivers/" + receiverId + "/staged",
                "{\"master_enable\":false,\"activation\":{\"mode\":\"activate_immediate\"}}"));
        assertEquals(SessionState.CREATED, rx.info().state());
        // a bad SDP: 400, the session untouched
        assertEquals(400, patch(conn + "receivers/" + receiverId + "/staged", "{\"master_enable\":true,\"transport_file\":{\"data\":\"v=0\\nm=video 1 RTP/AVP 96\\n\","
                + "\"type\":\"application/sdp\"},\"activation\":{\"mode\":\"activate_immediate\"}}"));
        assertEquals(SessionState.CREATED, rx.info().state());

        // the nmos bundle restarts: the APIs close and come back with the same ids; the sessions never notice
        String nodeId = firstId(get(node + "self"));
        Bundle nmos = bundle("org.mcm.nmos");
        nmos.stop();
        String stopped = get(node + "self");
        assertTrue(stopped, stopped.startsWith("unreachable"));
        assertEquals(SessionState.ACTIVE, tx.info().state());
        nmos.start();
        waitFor("Node API back", () -> get(node + "self").contains(nodeId), 10_000);
        assertTrue(get(node + "senders/").contains(senderId));

        // the ST 2110 bundle goes away: its sessions end and the node's senders and receivers with them
        Bundle st2110 = bundle("org.mcm.transport.st2110");
        st2110.stop();
        try {
            assertEquals(SessionState.TRANSPORT_GONE, tx.info().state());
            waitFor("no senders", () -> get(node + "senders/").equals("[]"), 5000);
            assertTrue(get(node + "self").contains(nodeId));
        } finally {
            st2110.start();
        }
        waitFor("st2110-20 back", () -> sessions.transports().stream().anyMatch(t -> t.protocol().equals("st2110-20")), 10_000);
        SessionManager.Session again = sessions.create(ConnectionSpec.builder(Direction.TX, "st2110-20", FMT)
                .remote(new Endpoint("127.0.0.1", dst)).build(), "itest", null);
        waitFor("the sender back with the id of the same spec", () -> get(node + "senders/").contains(senderId), 5000);
        again.close();
        rx.close();
        tx.close();
        assertFalse(get(node + "receivers/").contains(receiverId));
        cm.getConfiguration("org.mcm.nmos", null).delete();
    }
}
