package org.mcm.transport.rtsp;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportProtocol;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Transport {@code rtsp}: H.264 over RTP. RX without a {@code url} option is upstream's payload type 5 (a camera
 * pushes RTP to {@code local.port}). The sessions this service opened end when it goes away (bundle stop, update or
 * uninstall); nothing else does.
 */
@Component(service = Transport.class, configurationPid = {"org.mcm.dataplane", RtspTransport.PID})
@TransportProtocol(RtspTransport.PROTOCOL)
public final class RtspTransport implements Transport {

    static final String PROTOCOL = "rtsp";
    static final String PID = "org.mcm.transport.rtsp";
    private static final Logger LOG = LoggerFactory.getLogger(RtspTransport.class);

    private final Set<TransportSession> open = ConcurrentHashMap.newKeySet();
    private final Set<RtspTxSession> published = ConcurrentHashMap.newKeySet();
    private volatile RtspSettings settings;
    private volatile RtspServer server;

    @Activate
    void activate(RtspSettings s) {
        settings = s;
        startServer(s);
    }

    @Modified
    synchronized void modified(RtspSettings s) {
        RtspSettings old = settings;
        settings = s;
        if (old == null || old.rtspPort() != s.rtspPort() || !old.rtspBind().equals(s.rtspBind())
                || !old.rtspUser().equals(s.rtspUser()) || !old.rtspPassword().equals(s.rtspPassword())
                || old.maxRtpPacket() != s.maxRtpPacket() || old.sessionTimeout() != s.sessionTimeout()
                || old.sendOffload() != s.sendOffload()) {
            RtspServer was = server;
            server = null;
            if (was != null) {
                was.close();
            }
            startServer(s);
            RtspServer now = server;
            if (now != null) {
                for (RtspTxSession t : published) {
                    now.adopt(t.pub); // published streams stay; their clients reconnect
                }
            }
        }
    }

    private void startServer(RtspSettings s) {
        if (s.rtspPort() == 0) {
            return;
        }
        try {
            server = new RtspServer(s.rtspBind(), s.rtspPort(), s.rtspUser(), s.rtspPassword(), s.socketBuffer(),
                    s.maxRtpPacket(), s.sessionTimeout(), s.sendOffload());
            LOG.info("RTSP server listening on {}:{}{}; RTP to UDP clients from port {} ({})", s.rtspBind(),
                    server.port(), s.rtspUser().isEmpty() ? "" : " (authentication required)", server.rtpPort(),
                    server.udpSendKind());
        } catch (java.io.IOException e) {
            LOG.warn("RTSP server cannot listen on {}:{}: {}; TX sessions of the rtsp transport are refused",
                    s.rtspBind(), s.rtspPort(), e.getMessage());
        }
    }

    /** The running RTSP server, or null. */
    RtspServer server() {
        return server;
    }

    void txClosed(RtspTxSession t) {
        published.remove(t);
    }

    @Deactivate
    void deactivate() {
        int n = open.size();
        for (TransportSession s : open) {
            s.close();
        }
        open.clear();
        RtspServer was = server;
        server = null;
        if (was != null) {
            was.close();
        }
        if (n > 0) {
            LOG.info("rtsp transport stopping: closed its {} session(s)", n);
        }
    }

    /** Carries the Metatype of the settings PID so the Web Console can edit it (the transport reads it too). */
    @Component(service = {}, configurationPid = PID)
    @Designate(ocd = RtspSettings.class)
    public static final class SettingsMetatype {
    }

    @Override
    public String protocol() {
        return PROTOCOL;
    }

    @Override
    public String description() {
        return "H.264 over RTP: cameras pushing RTP (upstream payload type 5), RTSP cameras (url option), TX sessions served by the RTSP server";
    }

    @Override
    public Set<Direction> directions() {
        return EnumSet.allOf(Direction.class);
    }

    @Override
    public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
        RtspSettings s = settings;
        if (s == null) {
            throw new TransportException("the rtsp transport is not active");
        }
        if (spec.direction() == Direction.TX) {
            RtspTxSession t = new RtspTxSession(spec, ctx, this, s);
            published.add(t);
            return track(t);
        }
        if (spec.options().containsKey("url")) {
            return track(new RtspClientSession(spec, ctx, s));
        }
        return track(new RtpRxSession(spec, ctx, s));
    }

    private TransportSession track(TransportSession s) {
        open.add(s);
        return new TransportSession() {
            @Override
            public FrameSink input() {
                return s.input();
            }

            @Override
            public Map<String, Long> stats() {
                return s.stats();
            }

            @Override
            public String description() {
                return s.description();
            }

            @Override
            public void close() {
                open.remove(s);
                s.close();
            }
        };
    }
}
