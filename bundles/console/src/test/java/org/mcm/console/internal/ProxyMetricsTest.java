package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.Direction;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionState;
import org.mcm.api.session.TransportInfo;

class ProxyMetricsTest {

    private static final TransportInfo LOCAL = new TransportInfo("local", "local \"shm\"", Set.of(Direction.TX, Direction.RX),
            "org.mcm.transport.local", "0.1.0.x", 1);

    @Test
    void perSessionCountersGaugesAndProxyWideCounters() {
        ProxyMetrics m = new ProxyMetrics();
        SessionInfo tx = Fixtures.session(1, Direction.TX, "local", SessionState.ACTIVE,
                Map.of("frames", 10L, "bytes", 1000L, "receivers", 2L, "app_frames_in", 10L));
        String text = m.scrape(true, List.of(tx), List.of(LOCAL));
        Map<String, Double> s = ExpositionFormat.check(text);
        String labels = "{session=1;transport=local;direction=TX;state=ACTIVE;}";
        assertEquals(10.0, s.get("mcm_session_frames_total" + labels));
        assertEquals(1000.0, s.get("mcm_session_bytes_total" + labels));
        assertEquals(2.0, s.get("mcm_session_receivers" + labels), "a level is a gauge without _total");
        assertTrue(text.contains("# TYPE mcm_session_receivers gauge\n"));
        assertTrue(text.contains("# TYPE mcm_session_frames_total counter\n"));
        assertEquals(1.0, s.get("mcm_sessions_created_total"));
        assertEquals(1.0, s.get("mcm_sessions_open"));
        assertEquals(10.0, s.get("mcm_frames_total"));
        assertEquals(1000.0, s.get("mcm_bytes_total"));
        assertEquals(1.0, s.get("mcm_session_manager_up"));
        assertEquals(1.0, s.get("mcm_transport_sessions_active{transport=local;bundle=org.mcm.transport.local;bundle_version=0.1.0.x;}"));
        assertEquals(1.0, s.get("mcm_transport_sessions{transport=local;state=ACTIVE;}"));
        assertEquals(0.0, s.get("mcm_transport_sessions{transport=local;state=CLOSED;}"));
        assertEquals(1.0, s.get("mcm_session_info{session=1;transport=local;direction=TX;state=ACTIVE;owner=sdk:/127.0.0.1:5000;format=video 640x360@30 yuv422p10le;}"));
        assertEquals(0.0, s.get("mcm_sessions_ended_total{state=TRANSPORT_GONE;}"));
    }

    @Test
    void levelsAreGaugesWithTheirLatestValueNotTheirPeak() {
        ProxyMetrics m = new ProxyMetrics();
        SessionInfo two = Fixtures.session(1, Direction.TX, "rtsp", SessionState.ACTIVE,
                Map.of("frames", 50L, "clients", 2L, "client1_jitter_us", 900L, "client1_lost", 3L,
                        "client1_fraction_lost_permille", 40L, "clients_worst_jitter_us", 900L));
        m.observe(two);
        SessionInfo one = Fixtures.session(1, Direction.TX, "rtsp", SessionState.ACTIVE,
                Map.of("frames", 60L, "clients", 1L, "client1_jitter_us", 120L, "client1_lost", 3L,
                        "client1_fraction_lost_permille", 0L, "clients_worst_jitter_us", 120L, "wait_us_p99", 70L));
        m.observe(one);
        String text = m.scrape(true, List.of(one), List.of());
        Map<String, Double> s = ExpositionFormat.check(text);
        String labels = "{session=1;transport=rtsp;direction=TX;state=ACTIVE;}";
        assertEquals(1.0, s.get("mcm_session_clients" + labels), "a client count goes down");
        assertEquals(120.0, s.get("mcm_session_client1_jitter_us" + labels));
        assertEquals(0.0, s.get("mcm_session_client1_fraction_lost_permille" + labels));
        assertEquals(120.0, s.get("mcm_session_clients_worst_jitter_us" + labels));
        assertEquals(70.0, s.get("mcm_session_wait_us_p99" + labels), "a percentile of the last frames is a level");
        assertEquals(3.0, s.get("mcm_session_client1_lost_total" + labels), "a count stays a counter");
        assertEquals(60.0, s.get("mcm_session_frames_total" + labels));
        assertTrue(text.contains("# TYPE mcm_session_clients gauge\n"));
        assertTrue(text.contains("# TYPE mcm_session_client1_jitter_us gauge\n"));
        assertFalse(text.contains("mcm_session_clients_total"));
    }

    @Test
    void countersNeverGoDownWhenASessionEndsAndIsForgotten() {
        ProxyMetrics m = new ProxyMetrics();
        SessionInfo active = Fixtures.session(1, Direction.TX, "local", SessionState.ACTIVE,
                Map.of("frames", 100L, "bytes", 5000L));
        m.scrape(true, List.of(active), List.of(LOCAL));
        // the transport went away: the session reports only the proxy's own counters now
        SessionInfo gone = Fixtures.session(1, Direction.TX, "local", SessionState.TRANSPORT_GONE,
                Map.of("app_frames_in", 100L));
        m.observe(gone);
        Map<String, Double> s = ExpositionFormat.check(m.scrape(true, List.of(gone), List.of()));
        String labels = "{session=1;transport=local;direction=TX;state=TRANSPORT_GONE;}";
        assertEquals(100.0, s.get("mcm_session_frames_total" + labels), "held at its highest value");
        assertEquals(100.0, s.get("mcm_frames_total"));
        assertEquals(5000.0, s.get("mcm_bytes_total"));
        assertEquals(1.0, s.get("mcm_sessions_ended_total{state=TRANSPORT_GONE;}"));
        assertEquals(0.0, s.get("mcm_sessions_open"));
        // forgotten by the manager: the proxy-wide counters keep its share
        s = ExpositionFormat.check(m.scrape(true, List.of(), List.of()));
        assertEquals(100.0, s.get("mcm_frames_total"));
        assertEquals(5000.0, s.get("mcm_bytes_total"));
        assertEquals(1.0, s.get("mcm_sessions_created_total"));
        assertEquals(1.0, s.get("mcm_sessions_ended_total{state=TRANSPORT_GONE;}"));
        assertFalse(s.keySet().stream().anyMatch(k -> k.startsWith("mcm_session_frames_total{")));
        // a late event about the forgotten session counts nothing twice
        m.observe(gone);
        s = ExpositionFormat.check(m.scrape(true, List.of(), List.of()));
        assertEquals(1.0, s.get("mcm_sessions_created_total"));
        assertEquals(1.0, s.get("mcm_sessions_ended_total{state=TRANSPORT_GONE;}"));
    }

    @Test
    void aSessionSeenOnlyThroughEventsIsCounted() {
        ProxyMetrics m = new ProxyMetrics();
        m.observe(Fixtures.session(7, Direction.RX, "st2110-20", SessionState.CREATED, Map.of()));
        m.observe(Fixtures.session(7, Direction.RX, "st2110-20", SessionState.ACTIVE, Map.of("frames", 3L, "bytes", 30L)));
        m.observe(Fixtures.session(7, Direction.RX, "st2110-20", SessionState.CLOSED, Map.of()));
        Map<String, Double> s = ExpositionFormat.check(m.scrape(true, List.of(), List.of()));
        assertEquals(1.0, s.get("mcm_sessions_created_total"));
        assertEquals(1.0, s.get("mcm_sessions_ended_total{state=CLOSED;}"));
        assertEquals(3.0, s.get("mcm_frames_total"));
        assertEquals(30.0, s.get("mcm_bytes_total"));
    }

    @Test
    void withoutASessionManagerTheEndpointStillAnswers() {
        ProxyMetrics m = new ProxyMetrics();
        Map<String, Double> s = ExpositionFormat.check(m.scrape(false, List.of(), List.of()));
        assertEquals(0.0, s.get("mcm_session_manager_up"));
        assertEquals(0.0, s.get("mcm_sessions_open"));
    }

    @Test
    void oddStatsKeysAndLabelValuesStayWithinTheFormat() {
        ProxyMetrics m = new ProxyMetrics();
        SessionInfo odd = new SessionInfo(3, "grpc \"ops\"\nline2\\x", Fixtures.session(3, Direction.RX, "st2110-20",
                SessionState.ACTIVE, Map.of()).spec(), SessionState.ACTIVE, "", java.time.Instant.EPOCH,
                Map.of("weird key/1", 4L, "weird-key/1", 5L, "done_total", 6L), "");
        String text = m.scrape(true, List.of(odd), List.of());
        Map<String, Double> s = ExpositionFormat.check(text);
        String labels = "{session=3;transport=st2110-20;direction=RX;state=ACTIVE;}";
        assertEquals(6.0, s.get("mcm_session_done_total" + labels), "no double _total");
        assertTrue(s.containsKey("mcm_session_weird_key_1_total" + labels), text);
        assertTrue(s.keySet().stream().anyMatch(k -> k.contains("owner=grpc \"ops\"\nline2\\x;")), text);
    }
    @Test
    void proxyWideCountersIncludingEveryAuthCounterAreExposed() {
        ProxyMetrics m = new ProxyMetrics();
        Map<String, Long> counters = Map.of("sdk_auth_refused", 3L, "grpc_auth_refused", 2L, "sessions_created", 5L,
                "grpc_weird-name", 1L);
        String text = m.scrape(true, List.of(), List.of(), counters);
        Map<String, Double> s = ExpositionFormat.check(text);
        assertEquals(3.0, s.get("mcm_proxy_sdk_auth_refused_total"));
        assertEquals(2.0, s.get("mcm_proxy_grpc_auth_refused_total"));
        assertTrue(text.contains("# TYPE mcm_proxy_sdk_auth_refused_total counter\n"), text);
        assertTrue(text.contains("# HELP mcm_proxy_grpc_auth_refused_total gRPC calls refused with UNAUTHENTICATED"), text);
        assertEquals(5.0, s.get("mcm_proxy_sessions_created_total"), "any counted counter appears");
        assertEquals(1.0, s.get("mcm_proxy_grpc_weird_name_total"));
        assertEquals(0.0, s.get("mcm_proxy_sdk_auth_accepted_total"), "auth counters are written before their first event");
        assertEquals(0.0, s.get("mcm_proxy_grpc_delete_refused_total"));
        assertEquals(0.0, s.get("mcm_sessions_created_total"), "the console's own family stays apart");
    }

    @Test
    void withoutTheControlBundlesCountersNoneAreWritten() {
        Map<String, Double> s = ExpositionFormat.check(new ProxyMetrics().scrape(false, List.of(), List.of(), null));
        assertTrue(s.keySet().stream().noneMatch(k -> k.startsWith("mcm_proxy_")), s.toString());
    }
}
