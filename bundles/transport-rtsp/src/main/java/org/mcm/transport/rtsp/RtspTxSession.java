package org.mcm.transport.rtsp;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;

/**
 * TX: the app puts H.264 access units (Annex-B, bare or behind upstream's 14-byte type-5 header, whose RTP
 * timestamp is then kept) and the RTSP server publishes them at {@code rtsp://<bind>:<port>/<name>}. The name is
 * the {@code name} option, else the local port, else {@code session<id>}.
 */
final class RtspTxSession implements org.mcm.api.transport.TransportSession {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._~-]{1,64}");

    private final RtspTransport owner;
    final Publication pub;
    private final long startNanos = System.nanoTime();

    RtspTxSession(ConnectionSpec spec, TransportContext ctx, RtspTransport owner, RtspSettings s)
            throws TransportException {
        this.owner = owner;
        String name = spec.options().get("name");
        if (name == null) {
            name = spec.local().port() != 0 ? Integer.toString(spec.local().port()) : "session" + ctx.sessionId();
        }
        if (!NAME.matcher(name).matches()) {
            throw new TransportException("RTSP stream name '" + name + "' must be 1-64 of A-Z a-z 0-9 . _ ~ -");
        }
        RtspServer server = owner.server();
        if (server == null) {
            throw new TransportException("the RTSP server is not running (rtspPort 0 or it could not bind; see the log)");
        }
        try {
            pub = server.publish(name);
        } catch (IOException e) {
            throw new TransportException(e.getMessage());
        }
    }

    @Override
    public FrameSink input() {
        return this::put;
    }

    private boolean put(Frame f) {
        try {
            java.nio.ByteBuffer b = f.data();
            int len = f.length();
            int from = H264Stream.auStart(b, len);
            long ts;
            if (from == 14) {
                ts = b.getInt(2) & 0xFFFF_FFFFL; // the camera's RTP timestamp, as on the wire
                if (b.order() == java.nio.ByteOrder.LITTLE_ENDIAN) {
                    ts = Integer.reverseBytes((int) ts) & 0xFFFF_FFFFL;
                }
            } else if (f.timestamp() != 0) {
                ts = f.timestamp() & 0xFFFF_FFFFL;
            } else {
                ts = ((System.nanoTime() - startNanos) * 90_000 / 1_000_000_000L) & 0xFFFF_FFFFL;
            }
            pub.publish(b, from, len, ts);
            return true;
        } finally {
            f.release();
        }
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = new TreeMap<>();
        m.put("frames", pub.frames.sum());
        m.put("bytes", pub.bytes.sum());
        m.put("packets", pub.packetsSent.sum());
        m.put("send_drops", pub.sendDrops.sum());
        m.put("bad_frames", pub.badFrames.sum());
        m.put("clients", (long) pub.clients.size());
        m.put("clients_served", pub.clientsServed.sum());
        m.put("clients_timed_out", pub.clientsTimedOut.sum());
        m.put("rtcp_receiver_reports", pub.receiverReports.sum());
        m.put("rtcp_bad", pub.rtcpBad.sum());
        // per client, from its receiver reports: numbered in the order they joined (client1, client2, ...)
        long worstFraction = 0;
        long worstJitter = 0;
        int i = 0;
        for (RtspServer.Client c : pub.clients) {
            i++;
            String k = "client" + i + "_";
            m.put(k + "packets", c.packets);
            m.put(k + "receiver_reports", c.receiverReports);
            m.put(k + "lost", c.cumulativeLost);
            m.put(k + "fraction_lost_permille", c.fractionLost * 1000L / 256);
            m.put(k + "jitter_us", c.jitter * 1_000_000L / 90_000);
            worstFraction = Math.max(worstFraction, c.fractionLost * 1000L / 256);
            worstJitter = Math.max(worstJitter, c.jitter * 1_000_000L / 90_000);
        }
        m.put("clients_worst_fraction_lost_permille", worstFraction);
        m.put("clients_worst_jitter_us", worstJitter);
        return m;
    }

    @Override
    public String description() {
        RtspServer server = owner.server();
        if (server == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(server.url(pub.name));
        if (pub.clients.isEmpty()) {
            return b.toString();
        }
        b.append(" (").append(pub.clients.size()).append(pub.clients.size() == 1 ? " client" : " clients");
        for (RtspServer.Client c : pub.clients) {
            b.append("; ").append(c.peer()).append(c.udp() ? " udp" : " tcp");
            if (c.receiverReports > 0) {
                b.append(" lost ").append(c.cumulativeLost).append(" (").append(c.fractionLost * 100 / 256)
                        .append("%) jitter ").append(c.jitter * 1000 / 90_000).append(" ms");
            } else {
                b.append(" no RTCP yet");
            }
        }
        return b.append(')').toString();
    }

    @Override
    public void close() {
        RtspServer server = owner.server();
        if (server != null) {
            server.unpublish(pub);
        }
        owner.txClosed(this);
    }
}
