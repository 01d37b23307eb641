package org.mcm.nmos.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;

/**
 * DNS-SD over mDNS between two jmDNS instances on an interface the test makes (loopback has no MULTICAST flag): the
 * root end of a veth pair whose other end sits in a namespace the test makes, with two addresses, one for each
 * instance; each hears the other through the interface's multicast loopback, and what goes out reaches only the
 * test's namespace. An announcer plays the facility's registries
 * ({@code _nmos-register._tcp} records pointing at registries written for the test) and browses for nodes, the node
 * under test runs its own mDNS on the other address. Checks the priority order, that unusable records are ignored,
 * failover to the next registry, and peer-to-peer mode ({@code _nmos-node._tcp} with its TXT records) when there is
 * no registry. Skipped, saying why, where interfaces cannot be made (not root, no iproute2).
 */
class DnsSdTest {

    static final long HEARTBEAT = 300;
    static final String DEV = "mcmdns" + ProcessHandle.current().pid() % 10000;
    static final String NS = DEV + "ns";
    static final int SUBNET = ThreadLocalRandom.current().nextInt(1, 250);
    static final String NODE_IP = "10.213." + SUBNET + ".1";
    static final String PEER_IP = "10.213." + SUBNET + ".2";

    TestSessions sessions;
    JmDNS announcer;
    NmosService node;

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.err.println(String.join(" ", cmd) + ": " + out.trim());
        }
        return p.exitValue();
    }

    @BeforeAll
    static void makeInterface() throws Exception {
        boolean ok = Files.isExecutable(Path.of("/usr/sbin/ip")) && sh("ip", "netns", "add", NS) == 0;
        Assumptions.assumeTrue(ok, "network namespaces cannot be made here (needs root and iproute2): DNS-SD test skipped");
        int rc = sh("ip", "link", "add", DEV, "type", "veth", "peer", "name", DEV + "p");
        rc |= sh("ip", "link", "set", DEV + "p", "netns", NS);
        rc |= sh("ip", "netns", "exec", NS, "ip", "link", "set", DEV + "p", "up");
        rc |= sh("ip", "link", "set", DEV, "multicast", "on");
        rc |= sh("ip", "addr", "add", NODE_IP + "/24", "dev", DEV);
        rc |= sh("ip", "addr", "add", PEER_IP + "/24", "dev", DEV);
        rc |= sh("ip", "link", "set", DEV, "up");
        if (rc != 0) {
            removeInterface();
            throw new AssertionError("could not set up " + DEV);
        }
    }

    @AfterAll
    static void removeInterface() throws Exception {
        sh("ip", "link", "del", DEV);
        sh("ip", "netns", "del", NS);
    }

    @BeforeEach
    void setUp() throws Exception {
        sessions = new TestSessions();
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", NodeApiTest.HD).remote(new Endpoint("239.10.0.1", 20000)).build());
        sessions.add(ConnectionSpec.builder(Direction.RX, "st2110-20", NodeApiTest.HD).local(new Endpoint("", 20006)).build());
        announcer = JmDNS.create(InetAddress.getByName(PEER_IP), "facility");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.stop();
        }
        announcer.close();
    }

    void startNode() throws IOException {
        node = new NmosService(sessions, new Settings(NODE_IP, 0, "", "dnssd test", "dnssd", NODE_IP, List.of(), HEARTBEAT,
                true, "", true));
        node.start();
    }

    ServiceInfo registry(String name, int port, String ver, String pri) throws IOException {
        ServiceInfo info = ServiceInfo.create(Discovery.REGISTER, name, port, 0, 0,
                Map.of("api_proto", "http", "api_ver", ver, "api_auth", "false", "pri", pri));
        announcer.registerService(info);
        return info;
    }

    @Test
    void registersWithTheBestDiscoveredRegistryAndFailsOverByPriority() throws Exception {
        try (TestRegistry best = new TestRegistry(PEER_IP); TestRegistry backup = new TestRegistry(PEER_IP);
                TestRegistry old = new TestRegistry(PEER_IP)) {
            registry("backup", backup.port(), "v1.2,v1.3", "20");
            ServiceInfo main = registry("main", best.port(), "v1.2,v1.3", "10");
            registry("old", old.port(), "v1.1,v1.2", "0"); // best priority but no v1.3: to be ignored
            startNode();
            String nodeId = node.snapshot().node().id();
            RegistrationTest.await("registration with the pri 10 registry", () -> "node".equals(best.resources.get(nodeId)), 20_000);
            RegistrationTest.await("the node's heartbeats", () -> !best.events("heartbeat").isEmpty(), 10_000);
            assertTrue(best.violations.isEmpty(), best.violations.toString());
            assertTrue(backup.events.isEmpty(), "the pri 20 registry was used first: " + backup.events);
            assertTrue(old.events.isEmpty(), "the registry without v1.3 was used: " + old.events);
            assertTrue(node.discovery().ignored.sum() >= 1, "the v1.1/v1.2 record was not counted as ignored");
            assertTrue(node.registrar().registered());
            assertFalse(node.discovery().advertising(), "a registered node advertises _nmos-node._tcp");

            // the best registry goes away: the node moves to the next one by priority
            announcer.unregisterService(main);
            best.close();
            RegistrationTest.await("failover to the pri 20 registry", () -> "node".equals(backup.resources.get(nodeId)), 20_000);
            assertTrue(backup.violations.isEmpty(), backup.violations.toString());
            assertTrue(old.events.isEmpty(), "the registry without v1.3 was used: " + old.events);
        }
    }

    @Test
    void advertisesTheNodePeerToPeerWithoutRegistryAndStopsOnceRegistered() throws Exception {
        browseNodes();
        startNode();
        ServiceInfo seen = awaitNode(20_000);
        assertEquals(node.port(), seen.getPort());
        assertEquals("http", seen.getPropertyString("api_proto"));
        assertEquals("v1.3", seen.getPropertyString("api_ver"));
        assertEquals("false", seen.getPropertyString("api_auth"));
        for (String k : List.of("ver_slf", "ver_src", "ver_flw", "ver_dvc", "ver_snd", "ver_rcv")) {
            String v = seen.getPropertyString(k);
            assertTrue(v != null && v.matches("\\d+") && Integer.parseInt(v) < 256, k + " = " + v);
        }
        int senders = Integer.parseInt(seen.getPropertyString("ver_snd"));
        int receivers = Integer.parseInt(seen.getPropertyString("ver_rcv"));
        assertTrue(seen.getInet4Addresses().length > 0 && seen.getInet4Addresses()[0].getHostAddress().equals(NODE_IP),
                "advertised address " + List.of(seen.getInet4Addresses()));

        // a new sender changes ver_snd (and not ver_rcv) in the advertised records
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-30", NodeApiTest.STEREO).remote(new Endpoint("239.10.0.2", 20002)).build());
        long end = System.nanoTime() + 15_000_000_000L;
        ServiceInfo now = seen;
        while (Integer.parseInt(now.getPropertyString("ver_snd")) == senders) {
            assertTrue(System.nanoTime() < end, "ver_snd did not change after a sender was added: " + now);
            Thread.sleep(100); // a poll: each round asks the other side's mDNS cache again (200 ms query below)
            // what the other side's mDNS cache holds now (the node's re-announcement replaced the TXT record)
            now = announcer.getServiceInfo(Discovery.NODE, seen.getName(), 200);
            assertTrue(now != null && now.getPropertyString("ver_snd") != null, "the node's record vanished: " + now);
        }
        assertTrue(node.discovery().textUpdates.sum() >= 1, "the change went out as a TXT update");
        assertEquals((senders + 1) % 256, Integer.parseInt(now.getPropertyString("ver_snd")));
        assertEquals(receivers, Integer.parseInt(now.getPropertyString("ver_rcv")));

        // a registry appears: the node registers and withdraws its peer-to-peer record
        try (TestRegistry reg = new TestRegistry(PEER_IP)) {
            registry("late", reg.port(), "v1.3", "50");
            String nodeId = node.snapshot().node().id();
            RegistrationTest.await("registration with the registry announced later", () -> "node".equals(reg.resources.get(nodeId)), 20_000);
            RegistrationTest.await("withdrawal of _nmos-node._tcp", () -> !node.discovery().advertising(), 10_000);
            RegistrationTest.await("the record gone from mDNS", nodes::isEmpty, 15_000);
        }
    }

    /** What the announcer's browse of {@code _nmos-node._tcp} resolved last, by instance name. */
    final Map<String, ServiceInfo> nodes = new ConcurrentHashMap<>();

    void browseNodes() {
        announcer.addServiceListener(Discovery.NODE, new ServiceListener() {
            @Override
            public void serviceAdded(ServiceEvent e) {
                announcer.requestServiceInfo(e.getType(), e.getName(), 1000);
            }

            @Override
            public void serviceRemoved(ServiceEvent e) {
                nodes.remove(e.getName());
            }

            @Override
            public void serviceResolved(ServiceEvent e) {
                if (e.getInfo().getPropertyString("ver_slf") != null) {
                    nodes.put(e.getName(), e.getInfo());
                }
            }
        });
    }

    ServiceInfo awaitNode(long millis) throws InterruptedException {
        RegistrationTest.await("a _nmos-node._tcp record with its TXT", () -> !nodes.isEmpty(), millis);
        return nodes.values().iterator().next();
    }
}
