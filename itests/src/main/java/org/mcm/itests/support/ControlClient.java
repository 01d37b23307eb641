package org.mcm.itests.support;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import controller.ConfigureGrpc;
import controller.St20pTxOps;
import controller.StFps;
import controller.StFrameFmt;
import controller.StTxPort;
import controller.StopControlRequest;
import controller.TxControlRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import mcm.control.v1.Blob;
import mcm.control.v1.ConnectionSpec;
import mcm.control.v1.CreateConnectionRequest;
import mcm.control.v1.DeleteConnectionRequest;
import mcm.control.v1.GetConnectionRequest;
import mcm.control.v1.GetStatsRequest;
import mcm.control.v1.ListConnectionsRequest;
import mcm.control.v1.ListTransportsRequest;
import mcm.control.v1.MediaFormat;
import mcm.control.v1.ProxyControlGrpc;

/**
 * A real gRPC client of the proxy's control plane for tests that run inside OSGi (the Pax Exam probe): gRPC is
 * embedded in this bundle, and only plain Java types cross its API, so the probe needs no gRPC classes.
 */
public final class ControlClient implements AutoCloseable {

    private final ManagedChannel managed;
    /** The managed channel, with the bearer token attached when there is one. */
    private final io.grpc.Channel channel;

    public ControlClient(String host, int port) {
        this(host, port, null, null, null, null);
    }

    /**
     * A client with credentials: TLS when {@code caPem} is given (trusting that CA), a client certificate when
     * {@code certPem}/{@code keyPem} are given (PKCS#8 key), a bearer token when {@code token} is given.
     */
    public ControlClient(String host, int port, java.nio.file.Path caPem, java.nio.file.Path certPem,
            java.nio.file.Path keyPem, String token) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(ControlClient.class.getClassLoader());
        try {
            io.grpc.ChannelCredentials creds = io.grpc.InsecureChannelCredentials.create();
            if (caPem != null) {
                io.grpc.TlsChannelCredentials.Builder b = io.grpc.TlsChannelCredentials.newBuilder().trustManager(caPem.toFile());
                if (certPem != null) {
                    b.keyManager(certPem.toFile(), keyPem.toFile());
                }
                creds = b.build();
            }
            managed = NettyChannelBuilder.forAddress(new InetSocketAddress(host, port), creds).build();
            if (token != null) {
                io.grpc.Metadata md = new io.grpc.Metadata();
                md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                channel = io.grpc.ClientInterceptors.intercept(managed,
                        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
            } else {
                channel = managed;
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** "OK" when GetStats succeeds, else the gRPC status code name (e.g. UNAUTHENTICATED, UNAVAILABLE). */
    public String statsStatus() {
        try {
            stats();
            return "OK";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** grpc.health.v1 status of a service ("" = the server), e.g. "SERVING". */
    public String health(String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus().name();
    }

    public List<String> transports() {
        List<String> out = new ArrayList<>();
        ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listTransports(ListTransportsRequest.getDefaultInstance()).getTransportsList()
                .forEach(tr -> out.add(tr.getProtocol()));
        return out;
    }

    public Map<String, Long> stats() {
        return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .getStats(GetStatsRequest.getDefaultInstance()).getCountersMap();
    }

    /** Creates a TX blob connection on a transport; returns its id, or throws with the gRPC status text. */
    public long createBlobTx(String transport, long maxSize) {
        ConnectionSpec spec = ConnectionSpec.newBuilder().setDirection(mcm.control.v1.Direction.TX).setTransport(transport)
                .setFormat(MediaFormat.newBuilder().setBlob(Blob.newBuilder().setMaxSize(maxSize))).build();
        try {
            return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .createConnection(CreateConnectionRequest.newBuilder().setSpec(spec).build()).getId();
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        }
    }

    /** Creates a TX ST 2110-20 sender of 640x480 UYVY at 30 fps to host:port; returns its id. */
    public long createVideoTx(String host, int port) {
        ConnectionSpec spec = ConnectionSpec.newBuilder().setDirection(mcm.control.v1.Direction.TX).setTransport("st2110-20")
                .setFormat(MediaFormat.newBuilder().setVideo(mcm.control.v1.Video.newBuilder().setWidth(640).setHeight(480)
                        .setFpsNum(30).setFpsDen(1).setPixelFormat("uyvy422")))
                .setRemote(mcm.control.v1.Endpoint.newBuilder().setHost(host).setPort(port)).build();
        return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .createConnection(CreateConnectionRequest.newBuilder().setSpec(spec).build()).getId();
    }

    /** Creates a receiver from an SDP; returns its id, or throws with the gRPC status text. */
    public long createFromSdp(String sdp) {
        try {
            return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .createConnection(CreateConnectionRequest.newBuilder()
                            .setSpec(ConnectionSpec.newBuilder().setDirection(mcm.control.v1.Direction.RX).setSdp(sdp)).build())
                    .getId();
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        }
    }

    /** The description (SDP) and a one-line format summary of a connection: [description, "WxH pixfmt", transport]. */
    public String[] describe(long id) {
        mcm.control.v1.Connection c = ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .getConnection(GetConnectionRequest.newBuilder().setId(id).build());
        mcm.control.v1.Video v = c.getSpec().getFormat().getVideo();
        return new String[] {c.getDescription(), v.getWidth() + "x" + v.getHeight() + " " + v.getPixelFormat(),
                c.getSpec().getTransport(), Integer.toString(c.getSpec().getLocal().getPort())};
    }

    /** State of a connection as the gRPC API reports it, or "NOT_FOUND". */
    public String state(long id) {
        try {
            return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .getConnection(GetConnectionRequest.newBuilder().setId(id).build()).getState();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** Every connection with its state and counters, for failure messages. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        for (mcm.control.v1.Connection c : ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listConnections(ListConnectionsRequest.getDefaultInstance()).getConnectionsList()) {
            sb.append(c.getId()).append(' ').append(c.getSpec().getDirection()).append(' ').append(c.getSpec().getTransport())
                    .append(' ').append(c.getState()).append(' ').append(new java.util.TreeMap<>(c.getStatsMap())).append('\n');
        }
        return sb.toString();
    }

    /** Every connection ListConnections shows, by id: {direction, transport, state, reason}. */
    public Map<Long, String[]> listed() {
        Map<Long, String[]> out = new java.util.TreeMap<>();
        for (mcm.control.v1.Connection c : ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listConnections(ListConnectionsRequest.getDefaultInstance()).getConnectionsList()) {
            out.put(c.getId(), new String[] {c.getSpec().getDirection().name(), c.getSpec().getTransport(), c.getState(),
                    c.getReason()});
        }
        return out;
    }

    /** The counters of every connection of a direction ("TX" or "RX"), by connection id. */
    public Map<Long, Map<String, Long>> connectionStats(String direction) {
        Map<Long, Map<String, Long>> out = new java.util.TreeMap<>();
        for (mcm.control.v1.Connection c : ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listConnections(ListConnectionsRequest.getDefaultInstance()).getConnectionsList()) {
            if (c.getSpec().getDirection().name().equals(direction)) {
                out.put(c.getId(), new java.util.TreeMap<>(c.getStatsMap()));
            }
        }
        return out;
    }

    /** Connections the proxy lists (any state), or -1 while it does not answer. */
    public int connectionCount() {
        try {
            return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .listConnections(ListConnectionsRequest.getDefaultInstance()).getConnectionsCount();
        } catch (StatusRuntimeException e) {
            // the proxy may still be starting: retry the connection now instead of after gRPC's growing backoff
            managed.resetConnectBackoff();
            return -1;
        }
    }

    public boolean delete(long id) {
        try {
            return ProxyControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .deleteConnection(DeleteConnectionRequest.newBuilder().setId(id).build()).getDeleted();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /** Upstream controller.Configure/TxStart of a 1080p59.94 10-bit ST 2110-20 sender; returns the reply text. */
    public String upstreamTxStart(String dstIp, int udpPort) {
        StTxPort.Builder port = StTxPort.newBuilder().setUdpPort(udpPort).setPayloadType(112);
        for (String b : dstIp.split("\\.")) {
            port.addDipAddr(Integer.parseInt(b));
        }
        TxControlRequest req = TxControlRequest.newBuilder().setSt20Tx(St20pTxOps.newBuilder().setTxPort(port)
                .setWidth(1920).setHeight(1080).setFps(StFps.ST_FPS_P59_94)
                .setInputFmt(StFrameFmt.ST_FRAME_FMT_YUV422PLANAR10LE)).build();
        return ConfigureGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).txStart(req).getMessage();
    }

    public String upstreamStop(int sessionId) {
        return ConfigureGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .txStop(StopControlRequest.newBuilder().setSessionId(sessionId).build()).getMessage();
    }

    @Override
    public void close() {
        managed.shutdownNow();
        try {
            managed.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
