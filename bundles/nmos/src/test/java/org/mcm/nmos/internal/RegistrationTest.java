package org.mcm.nmos.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;

/** Registration with registries written for the test: order, heartbeats, 404 re-registration, failover, DELETE. */
class RegistrationTest {

    static final long HEARTBEAT = 400;

    TestSessions sessions;
    TestRegistry first;
    TestRegistry second;
    NmosService node;

    @BeforeEach
    void setUp() throws Exception {
        sessions = new TestSessions();
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", NodeApiTest.HD).remote(new Endpoint("239.10.0.1", 20000)).build());
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-30", NodeApiTest.STEREO).remote(new Endpoint("239.10.0.2", 20002)).build());
        sessions.add(ConnectionSpec.builder(Direction.RX, "st2110-20", NodeApiTest.HD).local(new Endpoint("", 20006)).build());
        first = new TestRegistry();
        second = new TestRegistry();
    }

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.stop();
        }
        first.close();
        second.close();
    }

    void start(String... registries) throws Exception {
        node = new NmosService(sessions, new Settings("127.0.0.1", 0, "", "reg test", "reg", "127.0.0.1", List.of(registries), HEARTBEAT));
        node.start();
    }

    /** Polls {@code c} every 10 ms until it holds; fails naming {@code what} after {@code millis}. */
    static void await(String what, BooleanSupplier c, long millis) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofMillis(millis)).pollInterval(Duration.ofMillis(10))
                .until(c::getAsBoolean);
    }

    static List<String> types(List<TestRegistry.Event> events) {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.type()));
        return out;
    }

    @Test
    void registersInOrderKeepsCurrentAndDeletesOnStop() throws Exception {
        start(first.url());
        await("9 resources registered", () -> first.resources.size() == 9, 5000);
        assertEquals(List.of("node", "device", "source", "source", "flow", "flow", "sender", "sender", "receiver"),
                types(first.events("post")), "dependency order");
        assertTrue(first.violations.isEmpty(), first.violations.toString());

        // heartbeats at the configured interval
        await("3 heartbeats", () -> first.events("heartbeat").size() >= 3, 5000);
        List<TestRegistry.Event> hb = first.events("heartbeat");
        for (int i = 1; i < hb.size(); i++) {
            long gap = (hb.get(i).atNanos() - hb.get(i - 1).atNanos()) / 1_000_000;
            assertTrue(gap >= HEARTBEAT - 50 && gap <= HEARTBEAT + 1000, "heartbeat gap " + gap + " ms");
        }

        // a new sender is posted with its source and flow; the device's new version too
        int posts = first.events("post").size();
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", NodeApiTest.HD).remote(new Endpoint("239.10.0.9", 20010)).build());
        node.changed();
        await("the new sender", () -> first.resources.size() == 12, 5000);
        List<String> added = types(first.events("post").subList(posts, first.events("post").size()));
        assertTrue(added.containsAll(List.of("device", "source", "flow", "sender")), added.toString());

        // an ended session: its sender, flow and source are deleted, children first
        sessions.end(sessions.list().get(0).id());
        node.changed();
        await("the ended sender deleted", () -> first.resources.size() == 9, 5000);
        assertEquals(List.of("sender", "flow", "source"), types(first.events("delete")));

        node.stop();
        node = null;
        assertTrue(first.resources.isEmpty(), "everything deleted on shutdown: " + first.resources);
        List<String> deletes = types(first.events("delete"));
        assertEquals("node", deletes.get(deletes.size() - 1), "the node last");
        assertTrue(first.violations.isEmpty(), first.violations.toString());
    }

    @Test
    void registersAgainAfterA404Heartbeat() throws Exception {
        start(first.url());
        await("registered", () -> first.resources.size() == 9, 5000);
        int nodePosts = (int) first.events("post").stream().filter(e -> e.type().equals("node")).count();
        first.forget();
        await("registered again", () -> first.resources.size() == 9, 5000);
        assertEquals(nodePosts + 1, first.events("post").stream().filter(e -> e.type().equals("node")).count());
        assertTrue(node.registrar().registrations.sum() >= 2);
        assertTrue(first.violations.isEmpty(), first.violations.toString());
    }

    @Test
    void failsOverToTheNextRegistryByPriority() throws Exception {
        start(first.url(), second.url());
        await("registered with the first", () -> first.resources.size() == 9, 5000);
        assertTrue(second.events.isEmpty(), "the second is not used while the first answers");
        first.close();
        await("registered with the second", () -> second.resources.size() == 9, 10_000);
        assertTrue(node.registrar().status.contains(second.url()), node.registrar().status);
        assertTrue(node.registrar().failovers.sum() >= 1);
        assertTrue(second.violations.isEmpty(), second.violations.toString());
        await("heartbeats to the second", () -> second.events("heartbeat").size() >= 2, 5000);
    }

    @Test
    void anUnreachableRegistryTakesNothingElseDown() throws Exception {
        first.close();
        start(first.url());
        await("the registrar giving up on the unreachable registry", () -> node.registrar().status.contains("failed"), 10_000);
        assertEquals(200, Http.get("http://127.0.0.1:" + node.port() + "/x-nmos/node/v1.3/self").code());
        assertTrue(node.registrar().status.contains("failed"), node.registrar().status);
    }
}
