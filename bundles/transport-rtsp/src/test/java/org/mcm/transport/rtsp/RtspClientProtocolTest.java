package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;

/** What the RTSP client says, seen by a scripted server: keep-alive within the session timeout, TEARDOWN on close. */
class RtspClientProtocolTest {

    @Test
    void keepAliveWithinTheSessionTimeoutAndTeardownOnClose() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (RtspBadInputTest.FakeCamera cam = new RtspBadInputTest.FakeCamera(m -> {
            seen.add(m.method + " " + m.uri + " session=" + m.header("Session"));
            return switch (m.method) {
                case "DESCRIBE" -> RtspBadInputTest.ok(m, "Content-Base: rtsp://127.0.0.1/cam/\r\n", RtspBadInputTest.SDP);
                case "SETUP" -> RtspBadInputTest.ok(m, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
                        + "Session: 5EC2E7;timeout=4\r\n", null);
                default -> RtspBadInputTest.ok(m, "", null);
            };
        })) {
            TestApp app = new TestApp(2, 1 << 16);
            TransportSession s = new RtspClientSession(ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(1 << 16))
                    .option("url", cam.url()).option("rtsp_transport", "tcp").build(), app, Peers.settings());
            try {
                RtspServerInteropTest.waitFor(() -> s.stats().get("keep_alives") >= 2, 8000, "two keep-alives: " + seen);
                assertEquals(1L, s.stats().get("connected"));
            } finally {
                s.close();
            }
            RtspServerInteropTest.waitFor(() -> seen.stream().anyMatch(l -> l.startsWith("TEARDOWN")), 3000,
                    "TEARDOWN: " + seen);
            assertTrue(seen.get(0).startsWith("OPTIONS "), seen.toString());
            assertTrue(seen.get(1).startsWith("DESCRIBE "), seen.toString());
            assertEquals("SETUP rtsp://127.0.0.1/cam/trackID=0 session=null", seen.get(2));
            assertEquals("PLAY rtsp://127.0.0.1/cam/ session=5EC2E7", seen.get(3));
            assertTrue(seen.stream().filter(l -> l.startsWith("GET_PARAMETER")).allMatch(l -> l.endsWith("session=5EC2E7")),
                    seen.toString());
            assertTrue(seen.stream().anyMatch(l -> l.equals("TEARDOWN rtsp://127.0.0.1/cam/trackID=0 session=5EC2E7")),
                    seen.toString());
        }
    }
}
