package org.mcm.nmos.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;

/**
 * Registry discovery by unicast DNS-SD against a real DNS server, Debian's dnsmasq, serving the facility's
 * {@code _nmos-register._tcp} PTR, SRV and TXT records on loopback: the node registers with the best {@code pri},
 * ignores records it cannot use, fails over to the next registry when the best stops answering, and a configured
 * registry URL wins over DNS-SD. Skipped, saying why, when dnsmasq is not installed ({@code .ci/run} installs it).
 */
class UnicastDnsSdTest {

    static final String DOMAIN = "studio.test";
    static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");

    TestSessions sessions;
    Process dns;
    int dnsPort;
    Path conf;
    NmosService node;
    TestRegistry best;
    TestRegistry backup;
    TestRegistry old;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DNSMASQ), "dnsmasq is not installed (apt-get install dnsmasq-base): unicast DNS-SD test skipped");
        sessions = new TestSessions();
        sessions.add(ConnectionSpec.builder(Direction.TX, "st2110-20", NodeApiTest.HD).remote(new Endpoint("239.10.0.1", 20000)).build());
        best = new TestRegistry();
        backup = new TestRegistry();
        old = new TestRegistry();
        String records = "ptr-record=_nmos-register._tcp." + DOMAIN + ",main._nmos-register._tcp." + DOMAIN + "\n"
                + "ptr-record=_nmos-register._tcp." + DOMAIN + ",backup._nmos-register._tcp." + DOMAIN + "\n"
                + "ptr-record=_nmos-register._tcp." + DOMAIN + ",old._nmos-register._tcp." + DOMAIN + "\n"
                + registry("main", best.port(), "v1.2,v1.3", 10)
                + registry("backup", backup.port(), "v1.3", 20)
                + registry("old", old.port(), "v1.1,v1.2", 0) // the best pri but no v1.3: ignored
                + "host-record=registry-host." + DOMAIN + ",127.0.0.1\n";
        startDns(records);
    }

    static String registry(String name, int port, String versions, int pri) {
        String instance = name + "._nmos-register._tcp." + DOMAIN;
        return "srv-host=" + instance + ",registry-host." + DOMAIN + "," + port + ",0,0\n"
                + "txt-record=" + instance + ",\"api_proto=http\",\"api_ver=" + versions + "\",\"api_auth=false\",\"pri=" + pri + "\"\n";
    }

    void startDns(String records) throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            dnsPort = s.getLocalPort();
        }
        conf = Files.createTempFile("mcm-dnsmasq", ".conf");
        Files.writeString(conf, "port=" + dnsPort + "\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n" + records);
        dns = new ProcessBuilder(DNSMASQ.toString(), "--no-daemon", "--conf-file=" + conf, "--pid-file=").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // ready when it answers a query for the service
        UnicastDnsSd probe = new UnicastDnsSd(DOMAIN, "127.0.0.1:" + dnsPort);
        RegistrationTest.await("dnsmasq answering", () -> {
            try {
                return !probe.browse().isEmpty();
            } catch (Exception e) {
                return false;
            }
        }, 10_000);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.stop();
        }
        if (dns != null) {
            dns.destroy();
            dns.waitFor(5, TimeUnit.SECONDS);
            Files.deleteIfExists(conf);
        }
        for (TestRegistry r : new TestRegistry[] {best, backup, old}) {
            if (r != null) {
                r.close();
            }
        }
    }

    NmosService start(List<String> registries) throws IOException {
        // mDNS on loopback is off: only unicast DNS-SD finds registries here
        NmosService n = new NmosService(sessions, new Settings("127.0.0.1", 0, "", "udns test", "udns", "127.0.0.1", registries, 300,
                true, "", true).withUnicastDnsSd(DOMAIN, "127.0.0.1:" + dnsPort));
        n.start();
        return n;
    }

    @Test
    void registersWithTheBestRegistryTheDomainListsAndFailsOverByPriority() throws Exception {
        node = start(List.of());
        String nodeId = node.snapshot().node().id();
        RegistrationTest.await("registration with the pri 10 registry", () -> "node".equals(best.resources.get(nodeId)), 10_000);
        RegistrationTest.await("heartbeats", () -> !best.events("heartbeat").isEmpty(), 5_000);
        assertTrue(best.violations.isEmpty(), best.violations.toString());
        assertTrue(backup.events.isEmpty(), "the pri 20 registry used first: " + backup.events);
        assertTrue(old.events.isEmpty(), "the registry without v1.3 was used: " + old.events);
        assertEquals(1, node.unicast().ignored.sum(), "the v1.1/v1.2 record counted as ignored, once however often it is read");
        assertNull(node.discovery(), "no mDNS on loopback");
        assertEquals(List.of(best.url() + "", backup.url()), node.discovered(), "best pri first, the unusable one left out");

        // the best registry stops answering (its records stay): the node moves to the next by priority
        best.close();
        RegistrationTest.await("failover to the pri 20 registry", () -> "node".equals(backup.resources.get(nodeId)), 10_000);
        assertTrue(backup.violations.isEmpty(), backup.violations.toString());
        assertTrue(node.registrar().failovers.sum() >= 1);
        assertTrue(old.events.isEmpty(), "the registry without v1.3 was used: " + old.events);
    }

    @Test
    void aConfiguredRegistryWinsOverDnsSd() throws Exception {
        try (TestRegistry configured = new TestRegistry()) {
            node = start(List.of(configured.url()));
            String nodeId = node.snapshot().node().id();
            RegistrationTest.await("registration with the configured registry", () -> "node".equals(configured.resources.get(nodeId)), 10_000);
            // on purpose a fixed span: the node would have asked a DNS-SD registry by then
            org.awaitility.Awaitility.await("no DNS-SD registry used").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1))
                    .until(() -> best.events.isEmpty() && backup.events.isEmpty());
            assertNull(node.unicast(), "DNS-SD is not asked when a registry is configured");
            node.stop();
            node = null;
        }
    }

    @Test
    void txtStringsAsTheJdkGivesThem() {
        assertEquals(List.of("api_proto=http", "api_ver=v1.2,v1.3", "pri=10"), UnicastDnsSd.strings("api_proto=http api_ver=v1.2,v1.3 pri=10"));
        assertEquals(List.of("a=b c", "d=\"e\"", ""), UnicastDnsSd.strings("\"a=b c\" \"d=\\\"e\\\"\" \"\""));
    }
}
