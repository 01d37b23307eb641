package org.mcm.control.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.session.SessionManager;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.testing.Fakes;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import mcm.control.v1.GetStatsRequest;
import mcm.control.v1.ProxyControlGrpc;

/** The gRPC control plane's authentication modes against the real component on loopback. */
class GrpcAuthTest {

    static final String TOKEN = "grpc-test-token";

    @TempDir
    static Path pki;
    static TestPki.Issued ca;
    static TestPki.Issued serverCert;
    static TestPki.Issued clientCert;
    static TestPki.Issued rogueClient;

    final ProxyCounters counters = new ProxyCounters();
    GrpcServerComponent server;
    ManagedChannel channel;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestPki.ca(pki, "test-ca");
        serverCert = TestPki.server(pki, "server", ca);
        clientCert = TestPki.client(pki, "controller", ca);
        TestPki.Issued rogueCa = TestPki.ca(pki, "rogue-ca");
        rogueClient = TestPki.client(pki, "intruder", rogueCa);
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.deactivate();
        }
    }

    static GrpcServerComponent.Config config(Map<String, Object> values) {
        return Fakes.config(GrpcServerComponent.Config.class, values);
    }

    int start(Map<String, Object> settings) {
        Map<String, Object> v = new HashMap<>(settings);
        v.put("port", 0);
        v.put("bindAddress", "127.0.0.1");
        server = new GrpcServerComponent();
        server.counters = counters;
        server.sessions = (SessionManager) Proxy.newProxyInstance(SessionManager.class.getClassLoader(),
                new Class<?>[] {SessionManager.class}, (p, m, args) -> List.of());
        server.activate(config(v));
        return server.localPort();
    }

    ManagedChannel channel(int port, ChannelCredentials creds) {
        channel = NettyChannelBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), creds).build();
        return channel;
    }

    static Map<String, Long> stats(ManagedChannel ch, String bearer) {
        ProxyControlGrpc.ProxyControlBlockingStub stub = ProxyControlGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        if (bearer != null) {
            Metadata md = new Metadata();
            md.put(GrpcAuthInterceptor.AUTHORIZATION, bearer);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        }
        return stub.getStats(GetStatsRequest.getDefaultInstance()).getCountersMap();
    }

    static Status.Code refused(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void defaultModeNoneServesEveryCaller() {
        ManagedChannel ch = channel(start(Map.of()), InsecureChannelCredentials.create());
        assertTrue(stats(ch, null).containsKey("sessions_open"));
    }

    @Test
    void tokenModeRefusesMissingOrWrongTokensWithUnauthenticated() {
        ManagedChannel ch = channel(start(Map.of("authMode", "token", "tokens", new String[] {TOKEN})),
                InsecureChannelCredentials.create());
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(ch, null)));
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(ch, "Bearer wrong")));
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(ch, "Basic " + TOKEN)));
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> ConfigureGrpcCall.stop(ch)));
        assertEquals(4, counters.get("grpc_auth_refused"));
        assertTrue(stats(ch, "Bearer " + TOKEN).containsKey("sessions_open"));
        assertTrue(stats(ch, "bearer " + TOKEN).containsKey("sessions_open"));
        // health stays open for probes by default
        assertEquals("SERVING", HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.getDefaultInstance())
                .getStatus().name());
    }

    @Test
    void healthCanRequireAuthenticationToo() {
        ManagedChannel ch = channel(start(Map.of("authMode", "token", "tokens", new String[] {TOKEN},
                "healthWithoutAuth", false)), InsecureChannelCredentials.create());
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> HealthGrpc.newBlockingStub(ch)
                .check(HealthCheckRequest.getDefaultInstance())));
    }

    @Test
    void tokenOverTls() throws Exception {
        int port = start(Map.of("authMode", "token", "tokens", new String[] {TOKEN},
                "tlsCertFile", serverCert.certPem().toString(), "tlsKeyFile", serverCert.keyPem().toString()));
        ManagedChannel ch = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certPem().toFile()).build());
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(ch, "Bearer nope")));
        assertTrue(stats(ch, "Bearer " + TOKEN).containsKey("sessions_open"));
    }

    @Test
    void mtlsAdmitsOnlyClientCertificatesOfTheConfiguredCa() throws Exception {
        int port = start(Map.of("authMode", "mtls", "tlsCertFile", serverCert.certPem().toString(),
                "tlsKeyFile", serverCert.keyPem().toString(), "tlsClientCaFile", ca.certPem().toString()));
        assertTrue(port > 0);
        ManagedChannel good = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certPem().toFile())
                .keyManager(clientCert.certPem().toFile(), clientCert.keyPem().toFile()).build());
        assertTrue(stats(good, null).containsKey("sessions_open"));
        good.shutdownNow();

        ManagedChannel noCert = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certPem().toFile()).build());
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(noCert, null)));
        noCert.shutdownNow();

        ManagedChannel rogue = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certPem().toFile())
                .keyManager(rogueClient.certPem().toFile(), rogueClient.keyPem().toFile()).build());
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(rogue, null)));
        rogue.shutdownNow();

        // a server certificate (EKU serverAuth only) of the right CA is not a client credential
        ManagedChannel wrongUsage = channel(port, TlsChannelCredentials.newBuilder().trustManager(ca.certPem().toFile())
                .keyManager(serverCert.certPem().toFile(), serverCert.keyPem().toFile()).build());
        assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> stats(wrongUsage, null)));
        wrongUsage.shutdownNow();

        ManagedChannel plain = channel(port, InsecureChannelCredentials.create());
        assertNotEquals(Status.Code.OK, refused(() -> stats(plain, null)));
        assertEquals(3, counters.get("grpc_auth_refused"));
    }

    @Test
    void mtlsWithoutItsFilesFailsClosed() {
        assertEquals(-1, start(Map.of("authMode", "mtls")));
        server.deactivate();
        assertEquals(-1, start(Map.of("authMode", "mtls", "tlsCertFile", serverCert.certPem().toString(),
                "tlsKeyFile", serverCert.keyPem().toString(), "tlsClientCaFile", pki.resolve("missing.pem").toString())));
        server.deactivate();
        assertEquals(-1, start(Map.of("authMode", "tokens")));
        assertEquals(3, counters.get("grpc_config_errors"));
    }

    /** Upstream's controller.Configure service, Stop with an unknown id. */
    static final class ConfigureGrpcCall {
        static void stop(ManagedChannel ch) {
            controller.ConfigureGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .stop(controller.StopControlRequest.newBuilder().build());
        }
    }
}
