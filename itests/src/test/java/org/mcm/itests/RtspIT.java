package org.mcm.itests;

import static org.mcm.itests.Polls.waitFor;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.BlobFormat;
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
 * The RTSP transport bundle in the real appliance: it registers the Transport {@code rtsp}, its RTSP server answers
 * on the configured port, a camera's RTP reaches its RX session; uninstalled at runtime it ends exactly its own
 * sessions (TRANSPORT_GONE) and frees its port while another transport's session runs on; installed again it
 * serves again, without restarting anything.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RtspIT {

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

    @Test
    public void installsServesUninstallsAndComesBack() throws Exception {
        Bundle rtsp = bundle("org.mcm.transport.rtsp");
        assertNotNull("the rtsp bundle is in the appliance", rtsp);
        assertEquals(Bundle.ACTIVE, rtsp.getState());
        int port = Provisioning.freePort();
        org.osgi.service.cm.Configuration c = cm.getConfiguration("org.mcm.transport.rtsp", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("rtspPort", port);
        c.update(props);
        waitFor("RTSP server on " + port, () -> options(port) == 200, 10_000);
        waitFor("transport rtsp offered", () -> sessions.transports().stream().anyMatch(t -> t.protocol().equals("rtsp")), 5000);

        SessionManager.Session tx = sessions.create(ConnectionSpec.builder(Direction.TX, "rtsp", new BlobFormat(1 << 20))
                .option("name", "it").build(), "itest", null);
        assertEquals(SessionState.ACTIVE, tx.info().state());
        assertEquals("rtsp://127.0.0.1:" + port + "/it", tx.info().description());
        int rxPort = Provisioning.freePort();
        SessionManager.Session rx = sessions.create(ConnectionSpec.builder(Direction.RX, "rtsp", new BlobFormat(1 << 20))
                .local(new Endpoint("", rxPort)).build(), "itest", null);
        SessionManager.Session local = sessions.create(ConnectionSpec.builder(Direction.TX, "local", new BlobFormat(64))
                .option("group", "rtsp-it").build(), "itest", null);
        // a camera's RTP reaches the RX session and is counted in the generic session stats (console, Prometheus)
        try (DatagramSocket cam = new DatagramSocket()) {
            byte[] p = {(byte) 0x80, (byte) 0xE0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 0x65, 1, 2, 3};
            for (int i = 0; i < 5; i++) {
                cam.send(new DatagramPacket(p, p.length, InetAddress.getLoopbackAddress(), rxPort));
            }
        }
        waitFor("packets counted", () -> rx.info().stats().getOrDefault("packets", 0L) >= 5, 5000);
        assertTrue(describe(port, "it").contains("a=rtpmap:96 H264/90000"));

        String location = rtsp.getLocation();
        rtsp.uninstall();
        waitFor("rtsp sessions gone", () -> tx.info().state() == SessionState.TRANSPORT_GONE
                && rx.info().state() == SessionState.TRANSPORT_GONE, 10_000);
        assertEquals("another transport's session runs on", SessionState.ACTIVE, local.info().state());
        waitFor("RTSP port closed", () -> options(port) == -1, 5000);
        assertTrue(sessions.transports().stream().noneMatch(t -> t.protocol().equals("rtsp")));

        Bundle again = context.installBundle(location);
        again.start();
        waitFor("RTSP server back", () -> options(port) == 200, 10_000);
        SessionManager.Session tx2 = sessions.create(ConnectionSpec.builder(Direction.TX, "rtsp", new BlobFormat(1 << 20))
                .option("name", "again").build(), "itest", null);
        assertEquals(SessionState.ACTIVE, tx2.info().state());
        assertEquals(200, describeStatus(port, "again"));
        tx2.close();
        tx.close();
        rx.close();
        local.close();
    }

    private int options(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(3000);
            s.getOutputStream().write(("OPTIONS rtsp://127.0.0.1:" + port + "/ RTSP/1.0\r\nCSeq: 1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = head(s.getInputStream());
            return Integer.parseInt(head.split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private String describe(int port, String name) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("DESCRIBE rtsp://127.0.0.1:" + port + "/" + name + " RTSP/1.0\r\nCSeq: 1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = head(s.getInputStream());
            int at = head.indexOf("Content-Length: ");
            int len = at < 0 ? 0 : Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)).trim());
            return head + new String(s.getInputStream().readNBytes(len), StandardCharsets.UTF_8);
        }
    }

    private int describeStatus(int port, String name) throws IOException {
        return Integer.parseInt(describe(port, name).split(" ")[1]);
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed");
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

}
