package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.Direction;
import org.mcm.api.session.SessionState;

class ConsoleDataTest {

    private static final long S = 1_000_000_000L;

    @Test
    @SuppressWarnings("unchecked")
    void sessionsWithRatesTransportsAndTotals() {
        Rates rates = new Rates();
        TransportRows.Row local = new TransportRows.Row(31, "org.mcm.transport.local", "1.0.0", "ACTIVE", Set.of("local"),
                "local: shm", 1, true);
        var first = List.of(
                Fixtures.session(1, Direction.TX, "local", SessionState.ACTIVE, Map.of("frames", 0L, "bytes", 0L)),
                Fixtures.session(2, Direction.TX, "local", SessionState.TRANSPORT_GONE, Map.of("app_frames_in", 5L)));
        ConsoleData.render(true, first, List.of(local), rates, 0, 1000);
        var second = List.of(
                Fixtures.session(1, Direction.TX, "local", SessionState.ACTIVE, Map.of("frames", 30L, "bytes", 3_000_000L)),
                first.get(1));
        String json = ConsoleData.render(true, second, List.of(local), rates, S, 2000);
        Map<String, Object> d = (Map<String, Object>) MiniJson.parse(json);
        assertEquals(2000.0, d.get("time"));
        assertEquals(true, d.get("managerAvailable"));
        List<Map<String, Object>> sessions = (List<Map<String, Object>>) d.get("sessions");
        assertEquals(2, sessions.size());
        Map<String, Object> s1 = sessions.get(0);
        assertEquals(1.0, s1.get("id"));
        assertEquals("sdk:/127.0.0.1:5000", s1.get("owner"));
        assertEquals("TX", s1.get("direction"));
        assertEquals("local", s1.get("transport"));
        assertEquals("video 640x360@30 yuv422p10le", s1.get("format"));
        assertEquals("ACTIVE", s1.get("state"));
        assertEquals("127.0.0.1:9100", s1.get("remote"));
        assertEquals("", s1.get("description")); // e.g. an RTSP session's URL and state
        assertEquals(30.0, s1.get("fps"));
        assertEquals(24_000_000.0, s1.get("bitrate"));
        assertEquals(0.0, s1.get("lossRate"));
        assertEquals(Map.of("frames", 30.0, "bytes", 3_000_000.0), s1.get("stats"));
        Map<String, Object> s2 = sessions.get(1);
        assertEquals("TRANSPORT_GONE", s2.get("state"));
        assertEquals(true, s2.get("terminal"));
        assertEquals("transport 'local' went away", s2.get("reason"));
        assertEquals(0.0, s2.get("fps"));
        List<Map<String, Object>> transports = (List<Map<String, Object>>) d.get("transports");
        assertEquals(List.of("local"), transports.get(0).get("protocols"));
        assertEquals(31.0, transports.get(0).get("bundleId"));
        assertEquals("ACTIVE", transports.get(0).get("state"));
        assertEquals(Map.of("sessionsListed", 2.0, "sessionsOpen", 1.0, "transportsLoaded", 1.0), d.get("totals"));
        assertEquals(1, rates.tracked(), "ended sessions are not tracked");
    }

    @Test
    @SuppressWarnings("unchecked")
    void withoutSessionManager() {
        Map<String, Object> d = (Map<String, Object>) MiniJson.parse(
                ConsoleData.render(false, List.of(), List.of(), new Rates(), 0, 0));
        assertEquals(false, d.get("managerAvailable"));
        assertEquals(List.of(), d.get("sessions"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void codecsAreListed() {
        Map<String, Object> d = (Map<String, Object>) MiniJson.parse(ConsoleData.render(true, List.of(), List.of(),
                List.of(new ConsoleData.CodecRow("jpegxs", "org.mcm.codec.jpegxs", "0.1.0", "ACTIVE")), new Rates(), 0, 0));
        List<Object> codecs = (List<Object>) d.get("codecs");
        org.junit.jupiter.api.Assertions.assertEquals(1, codecs.size());
        Map<String, Object> c = (Map<String, Object>) codecs.get(0);
        org.junit.jupiter.api.Assertions.assertEquals("jpegxs", c.get("name"));
        org.junit.jupiter.api.Assertions.assertEquals("org.mcm.codec.jpegxs", c.get("bundle"));
        org.junit.jupiter.api.Assertions.assertEquals("ACTIVE", c.get("state"));
    }
}
