package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;

/**
 * Hostile RTSP peers and garbage SDP: each gets a clear error and a counter, the session lives on (the client
 * reconnects, the server keeps serving), nothing hangs and nothing is held.
 */
class RtspBadInputTest {

    static final String SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
            + "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0IAHpWoKA9puAgICBA=,aM48gA==\r\n"
            + "a=control:trackID=0\r\n";

    /** A scripted camera: answers each request with what the script makes of it (null: stays silent). */
    static final class FakeCamera implements AutoCloseable {
        final ServerSocket ss = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final Thread t;

        FakeCamera(Function<RtspMessage, byte[]> script) throws IOException {
            this(script, false);
        }

        FakeCamera(Function<RtspMessage, byte[]> script, boolean hangUpAfterAnswer) throws IOException {
            t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try (Socket s = ss.accept()) {
                        connections.incrementAndGet();
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        RtspMessage m;
                        while ((m = RtspMessage.read(in)) != null) {
                            byte[] b = script.apply(m);
                            if (b != null) {
                                out.write(b);
                                out.flush();
                            }
                            if (b != null && (b.length == 0 || hangUpAfterAnswer)) {
                                break; // hang up
                            }
                        }
                    } catch (IOException e) {
                        // next connection
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        String url() {
            return "rtsp://127.0.0.1:" + ss.getLocalPort() + "/cam";
        }

        @Override
        public void close() throws IOException {
            ss.close();
        }
    }

    static byte[] ok(RtspMessage m, String extra, String body) {
        String b = body == null ? "" : body;
        return ("RTSP/1.0 200 OK\r\nCSeq: " + m.cseq() + "\r\n" + extra
                + (b.isEmpty() ? "" : "Content-Length: " + b.getBytes(StandardCharsets.UTF_8).length + "\r\n") + "\r\n" + b)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Runs a client against the script until it has counted an RTSP error; returns its description. */
    String clientFails(Function<RtspMessage, byte[]> script, String counter) throws Exception {
        return clientFails(new FakeCamera(script), counter);
    }

    String clientFails(FakeCamera camera, String counter) throws Exception {
        try (FakeCamera cam = camera) {
            TestApp app = new TestApp(4, 1 << 16);
            try (TransportSession s = new RtspClientSession(ConnectionSpec.builder(Direction.RX, "rtsp",
                    new BlobFormat(1 << 16)).option("url", cam.url()).option("rtsp_transport", "tcp")
                    .option("timeout", "1").build(), app, Peers.settings())) {
                RtspServerInteropTest.waitFor(() -> s.stats().get(counter) >= 2, 15_000, counter + ": " + s.stats());
                assertEquals(1L, s.stats().get("reconnecting"));
                assertEquals(0L, s.stats().get("frames"));
                assertTrue(cam.connections.get() >= 2, "reconnected");
                return s.description();
            } finally {
                assertEquals(4, app.free.size(), "no app buffer held");
            }
        }
    }

    @Test
    void malformedStatusLine() throws Exception {
        String d = clientFails(m -> "HTTP/1.1 200 OK\r\nCSeq: 1\r\n\r\n".getBytes(StandardCharsets.UTF_8), "rtsp_errors");
        assertTrue(d.contains("bad status line: 'HTTP/1.1 200 OK'"), d);
    }

    @Test
    void truncatedBody() throws Exception {
        String d = clientFails(new FakeCamera(m ->
                ("RTSP/1.0 200 OK\r\nCSeq: " + m.cseq() + "\r\nContent-Length: 500\r\n\r\nv=0\r\n").getBytes(), true),
                "rtsp_errors");
        assertTrue(d.contains("truncated body: 5 of 500 bytes"), d);
    }

    @Test
    void headersOver64KiB() throws Exception {
        String d = clientFails(m -> {
            StringBuilder b = new StringBuilder("RTSP/1.0 200 OK\r\nCSeq: " + m.cseq() + "\r\n");
            while (b.length() < 70 * 1024) {
                b.append("X-Padding: ").append("a".repeat(1000)).append("\r\n");
            }
            return b.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
        }, "rtsp_errors");
        assertTrue(d.contains("longer than 65536"), d);
    }

    @Test
    void wrongCSeq() throws Exception {
        String d = clientFails(m -> ("RTSP/1.0 200 OK\r\nCSeq: " + (m.cseq() + 7) + "\r\n\r\n").getBytes(), "rtsp_errors");
        assertTrue(d.contains("CSeq"), d);
    }

    @Test
    void serverThatNeverAnswers() throws Exception {
        String d = clientFails(m -> null, "rtsp_errors");
        assertTrue(d.contains("no answer"), d);
    }

    @Test
    void sdpGarbage() throws Exception {
        String d = clientFails(m -> m.method.equals("DESCRIBE") ? ok(m, "", "hello, I am not an SDP") : ok(m, "", null),
                "rtsp_errors");
        assertTrue(d.contains("v=0"), d);
    }

    @Test
    void sdpWithoutH264() throws Exception {
        String d = clientFails(m -> m.method.equals("DESCRIBE")
                ? ok(m, "", "v=0\r\nm=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\n") : ok(m, "", null), "rtsp_errors");
        assertTrue(d.contains("no H264"), d);
    }

    @Test
    void setupWithoutSession() throws Exception {
        String d = clientFails(m -> m.method.equals("DESCRIBE") ? ok(m, "", SDP)
                : m.method.equals("SETUP") ? ok(m, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", null)
                        : ok(m, "", null), "rtsp_errors");
        assertTrue(d.contains("without a Session"), d);
    }

    @Test
    void sdpParserNamesWhatIsWrong() {
        assertTrue(assertThrows(RtspException.class, () -> ClientSdp.parse("")).getMessage().contains("no SDP"));
        assertTrue(assertThrows(RtspException.class, () -> ClientSdp.parse("v=0\r\nthis is no line"))
                .getMessage().contains("line 2"));
        assertTrue(assertThrows(RtspException.class, () -> ClientSdp.parse("v=0\r\nm=video 0 RTP/AVP x\r\n"))
                .getMessage().contains("not a number"));
        assertTrue(assertThrows(RtspException.class, () -> ClientSdp.parse(
                "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 sprop-parameter-sets=!!!,@@\r\n"))
                .getMessage().contains("base64"));
        assertTrue(assertThrows(RtspException.class, () -> ClientSdp.parse(
                "v=0\r\nm=video 0 RTP/AVP 97\r\na=rtpmap:96 H264/90000\r\n")).getMessage().contains("no H264"));
        ClientSdp ok = assertDoesNotThrow(SDP);
        assertEquals(96, ok.payloadType());
        assertEquals(2, ok.parameterSets().length);
        assertEquals("rtsp://h:1/cam/trackID=0", ok.trackUrl("rtsp://h:1/cam"));
    }

    private static ClientSdp assertDoesNotThrow(String sdp) {
        try {
            return ClientSdp.parse(sdp);
        } catch (RtspException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void messageReaderBounds() {
        assertTrue(assertThrows(RtspException.class, () -> read("GARBAGE\r\n\r\n")).getMessage().contains("bad request line"));
        assertTrue(assertThrows(RtspException.class, () -> read("OPTIONS * RTSP/1.0\r\nno colon here\r\n\r\n"))
                .getMessage().contains("without a name"));
        assertTrue(assertThrows(RtspException.class, () -> read("RTSP/1.0 200 OK\r\nContent-Length: -3\r\n\r\n"))
                .getMessage().contains("Content-Length"));
        assertTrue(assertThrows(RtspException.class, () -> read("RTSP/1.0 200 OK\r\nContent-Length: 999999\r\n\r\n"))
                .getMessage().contains("Content-Length"));
        assertTrue(assertThrows(RtspException.class, () -> read("RTSP/1.0 20x OK\r\n\r\n")).getMessage().contains("status"));
        assertTrue(assertThrows(RtspException.class, () -> read("RTSP/1.0 200 OK\r\nCSeq: 1")).getMessage().contains("closed"));
        assertTrue(assertThrows(RtspException.class, () -> read("$\u0000\u0010ab")).getMessage().contains("truncated"));
        assertTrue(assertThrows(RtspException.class, () -> read("OPTIONS * RTSP/1.0\r\nA: \u0000\r\n\r\n"))
                .getMessage().contains("NUL"));
    }

    static RtspMessage read(String s) throws IOException {
        return RtspMessage.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** Our server: bad requests get 400 (or the fitting status), the connection closes, others are served. */
    @Test
    void serverAnswersBadRequestsAndServesOn() throws Exception {
        try (RtspServer server = new RtspServer("127.0.0.1", 0, "", "", 1 << 20, 1400)) {
            server.publish("x");
            assertEquals(400, status(server, "GARBAGE\r\n\r\n"));
            assertEquals(400, status(server, "OPTIONS rtsp://127.0.0.1/x RTSP/1.0\r\n\r\n")); // no CSeq
            StringBuilder big = new StringBuilder("OPTIONS rtsp://127.0.0.1/x RTSP/1.0\r\nCSeq: 1\r\n");
            while (big.length() < 70 * 1024) {
                big.append("X-Pad: ").append("b".repeat(1000)).append("\r\n");
            }
            assertEquals(400, status(server, big.append("\r\n").toString()));
            assertEquals(404, status(server, "DESCRIBE rtsp://127.0.0.1/nope RTSP/1.0\r\nCSeq: 2\r\n\r\n"));
            assertEquals(461, status(server, "SETUP rtsp://127.0.0.1/x/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
                    + "Transport: RTP/AVP;multicast;port=5000-5001\r\n\r\n"));
            assertEquals(400, status(server, "SETUP rtsp://127.0.0.1/x/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
                    + "Transport: RTP/AVP;unicast;client_port=abc\r\n\r\n"));
            assertEquals(454, status(server, "PLAY rtsp://127.0.0.1/x RTSP/1.0\r\nCSeq: 4\r\nSession: 1234\r\n\r\n"));
            assertEquals(501, status(server, "RECORD rtsp://127.0.0.1/x RTSP/1.0\r\nCSeq: 5\r\n\r\n"));
            assertTrue(server.badRequests.sum() >= 4);
            assertEquals(200, status(server, "OPTIONS rtsp://127.0.0.1/x RTSP/1.0\r\nCSeq: 6\r\n\r\n"));
            RtspServerInteropTest.waitFor(() -> server.connectionCount() == 0, 5000, "connections closed");
        }
    }

    static int status(RtspServer server, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            RtspMessage m = RtspMessage.read(s.getInputStream());
            return m == null ? -1 : m.status;
        }
    }
}
