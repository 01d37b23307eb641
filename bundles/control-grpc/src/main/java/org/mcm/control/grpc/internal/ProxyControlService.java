package org.mcm.control.grpc.internal;

import java.util.Map;
import java.util.Optional;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.TransportInfo;
import org.mcm.api.control.Counters;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import mcm.control.v1.Audio;
import mcm.control.v1.Blob;
import mcm.control.v1.Connection;
import mcm.control.v1.CreateConnectionRequest;
import mcm.control.v1.DeleteConnectionReply;
import mcm.control.v1.DeleteConnectionRequest;
import mcm.control.v1.GetConnectionRequest;
import mcm.control.v1.GetStatsReply;
import mcm.control.v1.GetStatsRequest;
import mcm.control.v1.ListConnectionsReply;
import mcm.control.v1.ListConnectionsRequest;
import mcm.control.v1.ListTransportsReply;
import mcm.control.v1.ListTransportsRequest;
import mcm.control.v1.ProxyControlGrpc;
import mcm.control.v1.Transport;
import mcm.control.v1.Video;

/** {@code mcm.control.v1.ProxyControl}: the proxy's own control API for external controllers. */
final class ProxyControlService extends ProxyControlGrpc.ProxyControlImplBase {

    static final String SERVICE = "mcm.control.v1.ProxyControl";
    static final String OWNER = "grpc:ProxyControl";

    /** What a gRPC caller is told about a session an SDK app owns when it may not end it. */
    static final String APP_OWNED = "belongs to the SDK app %s: gRPC may end it only with authentication "
            + "(authMode token or mtls) or anonymousMayEndAppSessions";
    /** The reason the app of a session a controller deleted is told. */
    static final String DELETED_BY_CONTROLLER = "deleted by a gRPC controller";

    private final SessionManager sessions;
    private final Counters counters;
    private final boolean mayEndAppSessions;

    ProxyControlService(SessionManager sessions, Counters counters, boolean mayEndAppSessions) {
        this.sessions = sessions;
        this.counters = counters;
        this.mayEndAppSessions = mayEndAppSessions;
    }

    /** Sessions created over the SDK port belong to their app (owner "sdk:..."). */
    static boolean ownedByApp(SessionInfo s) {
        return s.owner().startsWith("sdk:");
    }

    @Override
    public void listConnections(ListConnectionsRequest request, StreamObserver<ListConnectionsReply> reply) {
        ListConnectionsReply.Builder b = ListConnectionsReply.newBuilder();
        for (SessionInfo s : sessions.list()) {
            b.addConnections(toProto(s));
        }
        reply.onNext(b.build());
        reply.onCompleted();
    }

    @Override
    public void getConnection(GetConnectionRequest request, StreamObserver<Connection> reply) {
        Optional<SessionInfo> s = sessions.get(request.getId());
        if (s.isEmpty()) {
            reply.onError(Status.NOT_FOUND.withDescription("no connection " + request.getId()).asRuntimeException());
            return;
        }
        reply.onNext(toProto(s.get()));
        reply.onCompleted();
    }

    @Override
    public void createConnection(CreateConnectionRequest request, StreamObserver<Connection> reply) {
        try {
            ConnectionSpec spec = request.getSpec().getSdp().isEmpty() ? fromProto(request.getSpec())
                    : fromSdp(request.getSpec());
            SessionManager.Session s = sessions.create(spec, OWNER, null);
            reply.onNext(toProto(s.info()));
            reply.onCompleted();
        } catch (IllegalArgumentException e) {
            reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (SessionException e) {
            reply.onError(status(e.code()).withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void deleteConnection(DeleteConnectionRequest request, StreamObserver<DeleteConnectionReply> reply) {
        Optional<SessionInfo> s = sessions.get(request.getId());
        if (s.isPresent() && ownedByApp(s.get()) && !mayEndAppSessions) {
            counters.increment("grpc_delete_refused");
            reply.onError(Status.PERMISSION_DENIED.withDescription("connection " + request.getId() + " "
                    + String.format(APP_OWNED, s.get().owner())).asRuntimeException());
            return;
        }
        boolean deleted = sessions.delete(request.getId(), DELETED_BY_CONTROLLER);
        if (!deleted) {
            reply.onError(Status.NOT_FOUND.withDescription("no connection " + request.getId()).asRuntimeException());
            return;
        }
        reply.onNext(DeleteConnectionReply.newBuilder().setDeleted(true).build());
        reply.onCompleted();
    }

    @Override
    public void listTransports(ListTransportsRequest request, StreamObserver<ListTransportsReply> reply) {
        ListTransportsReply.Builder b = ListTransportsReply.newBuilder();
        for (TransportInfo t : sessions.transports()) {
            Transport.Builder tb = Transport.newBuilder().setProtocol(t.protocol()).setDescription(t.description())
                    .setBundle(t.bundle()).setBundleVersion(t.bundleVersion()).setActiveSessions(t.activeSessions());
            for (Direction d : t.directions()) {
                tb.addDirections(d == Direction.TX ? mcm.control.v1.Direction.TX : mcm.control.v1.Direction.RX);
            }
            b.addTransports(tb);
        }
        reply.onNext(b.build());
        reply.onCompleted();
    }

    @Override
    public void getStats(GetStatsRequest request, StreamObserver<GetStatsReply> reply) {
        GetStatsReply.Builder b = GetStatsReply.newBuilder().putAllCounters(counters.snapshot());
        long open = sessions.list().stream().filter(s -> !s.state().isTerminal()).count();
        b.putCounters("sessions_open", open);
        b.putCounters("transports_loaded", sessions.transports().size());
        reply.onNext(b.build());
        reply.onCompleted();
    }

    static Status status(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT, UNSUPPORTED_DIRECTION -> Status.INVALID_ARGUMENT;
            case UNKNOWN_TRANSPORT -> Status.FAILED_PRECONDITION;
            case LIMIT_REACHED -> Status.RESOURCE_EXHAUSTED;
            case NOT_FOUND -> Status.NOT_FOUND;
            case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
            case TRANSPORT_FAILED -> Status.UNAVAILABLE;
            case INTERNAL -> Status.INTERNAL;
        };
    }

    /** A receiver described by an SDP; explicit local endpoint and options in the request take precedence. */
    private ConnectionSpec fromSdp(mcm.control.v1.ConnectionSpec p) throws SessionException {
        ConnectionSpec s = sessions.parseDescription(p.getSdp());
        ConnectionSpec.Builder b = ConnectionSpec.builder(s.direction(), s.transport(), s.format())
                .local(p.hasLocal() && p.getLocal().getPort() != 0 ? new Endpoint(p.getLocal().getHost(), p.getLocal().getPort()) : s.local())
                .remote(s.remote()).payloadType(s.payloadType());
        s.options().forEach(b::option);
        p.getOptionsMap().forEach(b::option);
        return b.build();
    }

    static ConnectionSpec fromProto(mcm.control.v1.ConnectionSpec p) {
        MediaFormat format = switch (p.getFormat().getKindCase()) {
            case VIDEO -> {
                Video v = p.getFormat().getVideo();
                long den = v.getFpsDen() == 0 ? 1 : v.getFpsDen();
                yield new VideoFormat(v.getWidth(), v.getHeight(), Rational.of(v.getFpsNum(), den),
                        PixelFormat.byId(v.getPixelFormat()));
            }
            case AUDIO -> {
                Audio a = p.getFormat().getAudio();
                yield new AudioFormat(a.getSampleRate(), a.getChannels(), a.getBitDepth(), PacketTime.byId(a.getPacketTime()));
            }
            case BLOB -> new BlobFormat(p.getFormat().getBlob().getMaxSize());
            case KIND_NOT_SET -> throw new IllegalArgumentException("media format missing (video, audio or blob)");
        };
        Direction dir = switch (p.getDirection()) {
            case TX -> Direction.TX;
            case RX -> Direction.RX;
            default -> throw new IllegalArgumentException("unknown direction " + p.getDirectionValue());
        };
        ConnectionSpec.Builder b = ConnectionSpec.builder(dir, p.getTransport(), format)
                .local(new Endpoint(p.getLocal().getHost(), p.getLocal().getPort()))
                .remote(new Endpoint(p.getRemote().getHost(), p.getRemote().getPort()))
                .payloadType(p.getPayloadType());
        p.getOptionsMap().forEach(b::option);
        return b.build();
    }

    static Connection toProto(SessionInfo s) {
        ConnectionSpec spec = s.spec();
        mcm.control.v1.MediaFormat.Builder f = mcm.control.v1.MediaFormat.newBuilder();
        if (spec.format() instanceof VideoFormat v) {
            f.setVideo(Video.newBuilder().setWidth(v.width()).setHeight(v.height())
                    .setFpsNum(v.frameRate().numerator()).setFpsDen(v.frameRate().denominator())
                    .setPixelFormat(v.pixelFormat().id()));
        } else if (spec.format() instanceof AudioFormat a) {
            f.setAudio(Audio.newBuilder().setSampleRate(a.sampleRate()).setChannels(a.channels())
                    .setBitDepth(a.bitDepth()).setPacketTime(a.packetTime().id()));
        } else if (spec.format() instanceof BlobFormat bl) {
            f.setBlob(Blob.newBuilder().setMaxSize(bl.maxSize()));
        }
        mcm.control.v1.ConnectionSpec.Builder sb = mcm.control.v1.ConnectionSpec.newBuilder()
                .setDirection(spec.direction() == Direction.TX ? mcm.control.v1.Direction.TX : mcm.control.v1.Direction.RX)
                .setTransport(spec.transport()).setFormat(f)
                .setLocal(endpoint(spec.local())).setRemote(endpoint(spec.remote()))
                .setPayloadType(spec.payloadType()).putAllOptions(spec.options());
        Connection.Builder c = Connection.newBuilder().setId(s.id()).setOwner(s.owner()).setSpec(sb)
                .setState(s.state().name()).setReason(s.reason()).setCreatedUnixMs(s.created().toEpochMilli())
                .setDescription(s.description());
        for (Map.Entry<String, Long> e : s.stats().entrySet()) {
            c.putStats(e.getKey(), e.getValue());
        }
        return c.build();
    }

    private static mcm.control.v1.Endpoint endpoint(Endpoint e) {
        return mcm.control.v1.Endpoint.newBuilder().setHost(e.host()).setPort(e.port()).build();
    }
}
