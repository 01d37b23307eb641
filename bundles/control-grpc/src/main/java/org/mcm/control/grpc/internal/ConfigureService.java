package org.mcm.control.grpc.internal;

import java.util.List;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.control.Counters;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import controller.ConfigureGrpc;
import controller.ControlReply;
import controller.RxControlRequest;
import controller.St20pRxOps;
import controller.St20pTxOps;
import controller.StFps;
import controller.StFrameFmt;
import controller.StopControlRequest;
import controller.TxControlRequest;
import io.grpc.stub.StreamObserver;

/**
 * Upstream's {@code controller.Configure}: an upstream-style controller starts and stops ST 2110-20 sessions.
 * Replies are text, as upstream: "Create MTL TX session: &lt;id&gt;" or "... : Failed" (with the reason in
 * parentheses, which upstream does not give).
 */
final class ConfigureService extends ConfigureGrpc.ConfigureImplBase {

    static final String SERVICE = "controller.Configure";
    static final String OWNER = "grpc:controller.Configure";
    static final String STOP_REPLY = "gPRC reply: well received.";

    private static final Logger LOG = LoggerFactory.getLogger(ConfigureService.class);

    private final SessionManager sessions;
    private final Counters counters;
    private final boolean mayEndAppSessions;

    ConfigureService(SessionManager sessions, Counters counters,
            boolean mayEndAppSessions) {
        this.sessions = sessions;
        this.counters = counters;
        this.mayEndAppSessions = mayEndAppSessions;
    }

    @Override
    public void txStart(TxControlRequest request, StreamObserver<ControlReply> reply) {
        String text;
        try {
            St20pTxOps ops = request.getSt20Tx();
            VideoFormat fmt = video(ops.getWidth(), ops.getHeight(), ops.getFps(), ops.getInputFmt());
            ConnectionSpec spec = ConnectionSpec.builder(Direction.TX, "st2110-20", fmt)
                    .remote(new Endpoint(ipv4(ops.getTxPort().getDipAddrList()), ops.getTxPort().getUdpPort()))
                    .payloadType(ops.getTxPort().getPayloadType())
                    .build();
            text = "Create MTL TX session: " + sessions.create(spec, OWNER, null).id();
        } catch (SessionException | IllegalArgumentException e) {
            LOG.warn("controller TxStart failed: {}", e.getMessage());
            text = "Create MTL TX session: Failed (" + e.getMessage() + ")";
        }
        reply.onNext(ControlReply.newBuilder().setMessage(text).build());
        reply.onCompleted();
    }

    @Override
    public void rxStart(RxControlRequest request, StreamObserver<ControlReply> reply) {
        String text;
        try {
            St20pRxOps ops = request.getSt20Rx();
            VideoFormat fmt = video(ops.getWidth(), ops.getHeight(), ops.getFps(), ops.getOutputFmt());
            ConnectionSpec spec = ConnectionSpec.builder(Direction.RX, "st2110-20", fmt)
                    .local(new Endpoint("", ops.getRxPort().getUdpPort()))
                    .remote(new Endpoint(ipv4(ops.getRxPort().getSipAddrList()), 0))
                    .payloadType(ops.getRxPort().getPayloadType())
                    .build();
            text = "Create MTL RX session: " + sessions.create(spec, OWNER, null).id();
        } catch (SessionException | IllegalArgumentException e) {
            LOG.warn("controller RxStart failed: {}", e.getMessage());
            text = "Create MTL RX session: Failed (" + e.getMessage() + ")";
        }
        reply.onNext(ControlReply.newBuilder().setMessage(text).build());
        reply.onCompleted();
    }

    @Override
    public void txStop(StopControlRequest request, StreamObserver<ControlReply> reply) {
        stopOne(request, reply);
    }

    @Override
    public void rxStop(StopControlRequest request, StreamObserver<ControlReply> reply) {
        stopOne(request, reply);
    }

    /** Upstream's Stop ends everything the proxy runs for controllers; here: every session this service created. */
    @Override
    public void stop(StopControlRequest request, StreamObserver<ControlReply> reply) {
        for (SessionInfo s : sessions.list()) {
            if (OWNER.equals(s.owner())) {
                sessions.delete(s.id(), ProxyControlService.DELETED_BY_CONTROLLER);
            }
        }
        reply.onNext(ControlReply.newBuilder().setMessage(STOP_REPLY).build());
        reply.onCompleted();
    }

    private void stopOne(StopControlRequest request, StreamObserver<ControlReply> reply) {
        long id = Integer.toUnsignedLong(request.getSessionId());
        java.util.Optional<SessionInfo> s = sessions.get(id);
        if (s.isPresent() && ProxyControlService.ownedByApp(s.get()) && !mayEndAppSessions) {
            // upstream's reply is the same text whatever happened; the refusal is counted and logged
            counters.increment("grpc_delete_refused");
            LOG.warn("controller stop: session {} {}", id, String.format(ProxyControlService.APP_OWNED, s.get().owner()));
        } else if (!sessions.delete(id, ProxyControlService.DELETED_BY_CONTROLLER)) {
            LOG.debug("controller stop: no session {}", id);
        }
        reply.onNext(ControlReply.newBuilder().setMessage(STOP_REPLY).build());
        reply.onCompleted();
    }

    static VideoFormat video(int width, int height, StFps fps, StFrameFmt fmt) {
        return new VideoFormat(width, height, rate(fps), pixel(fmt));
    }

    static Rational rate(StFps fps) {
        return switch (fps) {
            case ST_FPS_P59_94 -> Rational.of(60000, 1001);
            case ST_FPS_P50 -> Rational.of(50, 1);
            case ST_FPS_P29_97 -> Rational.of(30000, 1001);
            case ST_FPS_P25 -> Rational.of(25, 1);
            case ST_FPS_P119_88 -> Rational.of(120000, 1001);
            case ST_FPS_P120 -> Rational.of(120, 1);
            case ST_FPS_P100 -> Rational.of(100, 1);
            case ST_FPS_P60 -> Rational.of(60, 1);
            case ST_FPS_P30 -> Rational.of(30, 1);
            case ST_FPS_P24 -> Rational.of(24, 1);
            case ST_FPS_P23_98 -> Rational.of(24000, 1001);
            default -> throw new IllegalArgumentException("unknown frame rate " + fps);
        };
    }

    static PixelFormat pixel(StFrameFmt fmt) {
        return switch (fmt) {
            case ST_FRAME_FMT_YUV422PLANAR10LE -> PixelFormat.YUV422P10LE;
            case ST_FRAME_FMT_V210 -> PixelFormat.V210;
            case ST_FRAME_FMT_YUV422PLANAR8 -> PixelFormat.YUV422P8;
            case ST_FRAME_FMT_YUV422PACKED8 -> PixelFormat.UYVY;
            case ST_FRAME_FMT_YUV422RFC4175PG2BE10 -> PixelFormat.YUV422_10_PGROUP;
            case ST_FRAME_FMT_RGB8 -> PixelFormat.RGB24;
            default -> throw new IllegalArgumentException("unsupported frame format " + fmt);
        };
    }

    /** An IPv4 address given as one byte per element, as upstream's dip_addr/sip_addr; empty list = any. */
    static String ipv4(List<Integer> bytes) {
        if (bytes.isEmpty()) {
            return "";
        }
        if (bytes.size() != 4) {
            throw new IllegalArgumentException("IPv4 address must have 4 bytes, got " + bytes.size());
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int b = bytes.get(i);
            if (b < 0 || b > 255) {
                throw new IllegalArgumentException("IPv4 address byte out of range: " + b);
            }
            sb.append(i == 0 ? "" : ".").append(b);
        }
        return sb.toString();
    }
}
