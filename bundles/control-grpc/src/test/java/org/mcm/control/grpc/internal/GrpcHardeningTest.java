package org.mcm.control.grpc.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.session.SessionState;
import org.mcm.api.transport.Transport;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.sessions.SessionManagerImpl;
import org.mcm.control.internal.testing.Fakes;

import controller.ConfigureGrpc;
import controller.StopControlRequest;
import io.grpc.CallOptions;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import mcm.control.v1.DeleteConnectionRequest;
import mcm.control.v1.ProxyControlGrpc;

/** Defects 5 (gRPC side) and 6 (malformed messages) of issue 17, against the real gRPC component on loopback. */
class GrpcHardeningTest {

    final ProxyCounters counters = new ProxyCounters();
    final SessionManagerImpl mgr = new SessionManagerImpl(counters);
    GrpcServerComponent server;
    ManagedChannel channel;

    final Transport transport = Fakes.transport("fake", "fake");

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.deactivate();
        }
    }

    ManagedChannel start(Map<String, Object> settings) {
        mgr.activate(Fakes.config(SessionManagerImpl.Config.class, Map.of()), Map.of());
        mgr.bindTransport(transport, null);
        Map<String, Object> v = new HashMap<>(settings);
        v.put("port", 0);
        v.put("bindAddress", "127.0.0.1");
        server = new GrpcServerComponent();
        server.counters = counters;
        server.sessions = mgr;
        server.activate(GrpcAuthTest.config(v));
        channel = NettyChannelBuilder.forAddress(new InetSocketAddress("127.0.0.1", server.localPort()),
                InsecureChannelCredentials.create()).build();
        return channel;
    }

    long appSession() throws Exception {
        return mgr.create(ConnectionSpec.builder(Direction.TX, "fake", new BlobFormat(64)).build(),
                "sdk:/127.0.0.1:40001", null).id();
    }

    @Test
    void anonymousControllersCannotEndAnAppsSession() throws Exception {
        ManagedChannel ch = start(Map.of());
        long id = appSession();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ProxyControlGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS).deleteConnection(DeleteConnectionRequest.newBuilder().setId(id).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("sdk:/127.0.0.1:40001"), e.getStatus().getDescription());
        ConfigureGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .txStop(StopControlRequest.newBuilder().setSessionId((int) id).build());
        assertEquals(SessionState.ACTIVE, mgr.get(id).orElseThrow().state(), "the app's session lives on");
        assertEquals(2, counters.get("grpc_delete_refused"));
    }

    @Test
    void operatorMayAllowItAndTheAppIsToldWhy() throws Exception {
        ManagedChannel ch = start(Map.of("anonymousMayEndAppSessions", true));
        long id = appSession();
        assertTrue(ProxyControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .deleteConnection(DeleteConnectionRequest.newBuilder().setId(id).build()).getDeleted());
        assertFalse(mgr.get(id).isPresent());
    }

    @Test
    void malformedMessagesAreInvalidArgumentAndCounted() {
        ManagedChannel ch = start(Map.of());
        MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        MethodDescriptor<byte[], byte[]> md = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("mcm.control.v1.ProxyControl", "GetConnection"))
                .setRequestMarshaller(raw).setResponseMarshaller(raw).build();
        for (int i = 0; i < 20; i++) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(ch, md,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {(byte) 0xff, (byte) 0xff, 0x7f}));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        }
        assertEquals(20, counters.get("grpc_malformed_requests"));
        assertTrue(counters.get("log_lines_held") >= 15, "one line per event, rate-limited");
        // the server keeps serving well-formed calls
        assertTrue(ProxyControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getStats(mcm.control.v1.GetStatsRequest.getDefaultInstance()).getCountersMap().containsKey("sessions_open"));
    }
    /** Stopping the server ends every thread it started (an updated bundle's old threads would fail on its classes). */
    @Test
    void deactivationEndsEveryThreadOfTheServer() throws Exception {
        ManagedChannel ch = start(Map.of());
        assertTrue(ProxyControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getStats(mcm.control.v1.GetStatsRequest.getDefaultInstance()).getCountersMap().containsKey("sessions_open"));
        assertFalse(serverThreads().isEmpty(), "the server runs on threads of its own");
        server.deactivate();
        server = null;
        await("the server's threads ending").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertEquals(java.util.List.of(), serverThreads()));
    }

    static java.util.List<String> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(GrpcServerComponent.THREADS)).sorted().toList();
    }
}
