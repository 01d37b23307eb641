package org.mcm.control.grpc.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.session.SessionInfo;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.sessions.SessionManagerImpl;
import org.mcm.control.internal.testing.Fakes;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import controller.RxControlRequest;
import controller.StopControlRequest;
import controller.TxControlRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import mcm.control.v1.CreateConnectionRequest;
import mcm.control.v1.DeleteConnectionRequest;
import mcm.control.v1.GetConnectionRequest;
import mcm.control.v1.GetStatsRequest;
import mcm.control.v1.ListConnectionsRequest;
import mcm.control.v1.ListTransportsRequest;

/**
 * Coverage-guided fuzzing (Jazzer) of gRPC request handling: the first input byte picks one of the eleven methods
 * of {@code mcm.control.v1.ProxyControl} and upstream's {@code controller.Configure}, the rest is parsed as its
 * request message (a parse failure is what {@link MalformedRequests} answers INVALID_ARGUMENT for) and handed to the
 * service implementation over the real session manager; transports are counting fakes. Seeds in
 * {@code GrpcRequestFuzzTestInputs/fuzz} (written by {@link #main} from the requests the other gRPC tests send).
 *
 * <p>Invariants after each input: the call ends exactly once (a reply then completion, or one error), never with an
 * exception escaping the implementation (gRPC would answer UNKNOWN and log a stack trace) nor with UNKNOWN or
 * INTERNAL; a session is opened on its transport only when the manager lists it, and every transport session the
 * manager let go of is closed; the manager holds no more than its limits (open and ended sessions).
 */
class GrpcRequestFuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();
    static final AtomicLong MALFORMED = new AtomicLong();
    static final ProxyCounters COUNTERS = new ProxyCounters();
    static final SessionManagerImpl SESSIONS = new SessionManagerImpl(COUNTERS);
    static final List<Fakes.RecordingTransport> TRANSPORTS = new java.util.ArrayList<>();
    static final ProxyControlService CONTROL = new ProxyControlService(SESSIONS, COUNTERS, false);
    static final ConfigureService CONFIGURE = new ConfigureService(SESSIONS, COUNTERS, false);
    static final int MAX_SESSIONS = 16;
    static final int KEEP_ENDED = 8;

    static {
        SESSIONS.activate(Fakes.config(SessionManagerImpl.Config.class, Map.of("maxSessions", MAX_SESSIONS,
                "maxSessionsPerOwner", MAX_SESSIONS, "keepEnded", KEEP_ENDED)), Map.of());
        for (String protocol : new String[] {"local", "st2110-20", "st2110-30", "rtsp"}) {
            Fakes.RecordingTransport t = Fakes.transport(protocol, "fuzz");
            t.refuse = spec -> spec.format().bufferSize() > 64L << 20 ? "frame of " + spec.format().bufferSize()
                    + " bytes refused" : null;
            TRANSPORTS.add(t);
            SESSIONS.bindTransport(t, null);
        }
    }

    @AfterAll
    static void report() {
        System.out.println("GrpcRequestFuzzTest: " + INPUTS.get() + " inputs (" + MALFORMED.get()
                + " malformed messages), no finding");
    }

    static final String[] METHODS = {"ListConnections", "GetConnection", "CreateConnection", "DeleteConnection",
        "ListTransports", "GetStats", "TxStart", "RxStart", "TxStop", "RxStop", "Stop"};

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) {
        INPUTS.incrementAndGet();
        if (data.length == 0) {
            return;
        }
        int method = (data[0] & 0xFF) % METHODS.length;
        byte[] body = Arrays.copyOfRange(data, 1, data.length);
        Reply reply = new Reply();
        try {
            switch (method) {
                case 0 -> CONTROL.listConnections(ListConnectionsRequest.parseFrom(body), reply.as());
                case 1 -> CONTROL.getConnection(GetConnectionRequest.parseFrom(body), reply.as());
                case 2 -> CONTROL.createConnection(CreateConnectionRequest.parseFrom(body), reply.as());
                case 3 -> CONTROL.deleteConnection(DeleteConnectionRequest.parseFrom(body), reply.as());
                case 4 -> CONTROL.listTransports(ListTransportsRequest.parseFrom(body), reply.as());
                case 5 -> CONTROL.getStats(GetStatsRequest.parseFrom(body), reply.as());
                case 6 -> CONFIGURE.txStart(TxControlRequest.parseFrom(body), reply.as());
                case 7 -> CONFIGURE.rxStart(RxControlRequest.parseFrom(body), reply.as());
                case 8 -> CONFIGURE.txStop(StopControlRequest.parseFrom(body), reply.as());
                case 9 -> CONFIGURE.rxStop(StopControlRequest.parseFrom(body), reply.as());
                default -> CONFIGURE.stop(StopControlRequest.parseFrom(body), reply.as());
            }
        } catch (InvalidProtocolBufferException e) {
            MALFORMED.incrementAndGet();
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(METHODS[method] + ": an exception escaped the implementation (UNKNOWN)", e);
        }
        reply.check(METHODS[method]);
        List<SessionInfo> all = SESSIONS.list();
        long open = all.stream().filter(s -> !s.state().isTerminal()).count();
        if (open > MAX_SESSIONS || all.size() > MAX_SESSIONS + KEEP_ENDED) {
            throw new AssertionError("sessions beyond the limits: " + open + " open, " + all.size() + " listed");
        }
        int transportOpen = TRANSPORTS.stream().mapToInt(t -> t.open.get()).sum();
        if (transportOpen != open) {
            throw new AssertionError(METHODS[method] + ": " + transportOpen + " transport sessions open, the manager has "
                    + open);
        }
        if (open >= MAX_SESSIONS / 2) { // start again now and then, so creation keeps being reached
            CONFIGURE.stop(StopControlRequest.getDefaultInstance(), new Reply().as());
            for (SessionInfo s : SESSIONS.list()) {
                SESSIONS.delete(s.id(), "fuzz reset");
            }
        }
    }

    /** What the implementation answered. */
    static final class Reply {
        final List<Object> next = new ArrayList<>();
        Throwable error;
        int completed;
        int errors;

        <T> StreamObserver<T> as() {
            return new StreamObserver<>() {
                @Override
                public void onNext(T value) {
                    if (completed > 0 || errors > 0) {
                        throw new AssertionError("onNext after the call ended");
                    }
                    next.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    errors++;
                    error = t;
                }

                @Override
                public void onCompleted() {
                    completed++;
                }
            };
        }

        void check(String method) {
            if (completed + errors != 1) {
                throw new AssertionError(method + ": the call ended " + (completed + errors) + " times");
            }
            if (completed == 1 && next.size() != 1) {
                throw new AssertionError(method + ": " + next.size() + " replies to a unary call");
            }
            if (errors == 1) {
                Status s = Status.fromThrowable(error);
                if (s.getCode() == Status.Code.UNKNOWN || s.getCode() == Status.Code.INTERNAL) {
                    throw new AssertionError(method + ": answered " + s, error);
                }
                if (s.getDescription() == null || s.getDescription().isBlank()) {
                    throw new AssertionError(method + ": an error without a reason: " + s);
                }
            }
            for (Object o : next) {
                ((Message) o).toByteArray(); // the reply serializes
            }
        }
    }

    /** Writes the seeds (run once from the module directory; the files are committed). */
    public static void main(String[] args) throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/org/mcm/control/grpc/internal/GrpcRequestFuzzTestInputs/fuzz");
        java.nio.file.Files.createDirectories(dir);
        mcm.control.v1.ConnectionSpec video = mcm.control.v1.ConnectionSpec.newBuilder()
                .setDirection(mcm.control.v1.Direction.RX).setTransport("st2110-20")
                .setFormat(mcm.control.v1.MediaFormat.newBuilder().setVideo(mcm.control.v1.Video.newBuilder()
                        .setWidth(1920).setHeight(1080).setFpsNum(60000).setFpsDen(1001).setPixelFormat("yuv422p10le")))
                .setLocal(mcm.control.v1.Endpoint.newBuilder().setHost("127.0.0.1").setPort(23_600))
                .setPayloadType(96).build();
        seed(dir, "create-video-rx", 2, CreateConnectionRequest.newBuilder().setSpec(video).build());
        seed(dir, "create-audio-tx", 2, CreateConnectionRequest.newBuilder().setSpec(mcm.control.v1.ConnectionSpec.newBuilder()
                .setDirection(mcm.control.v1.Direction.TX).setTransport("st2110-30")
                .setFormat(mcm.control.v1.MediaFormat.newBuilder().setAudio(mcm.control.v1.Audio.newBuilder()
                        .setSampleRate(48_000).setChannels(2).setBitDepth(24).setPacketTime("1ms")))
                .setRemote(mcm.control.v1.Endpoint.newBuilder().setHost("239.1.1.1").setPort(23_602))).build());
        seed(dir, "create-blob-local", 2, CreateConnectionRequest.newBuilder().setSpec(mcm.control.v1.ConnectionSpec.newBuilder()
                .setDirection(mcm.control.v1.Direction.TX).setTransport("local")
                .setFormat(mcm.control.v1.MediaFormat.newBuilder().setBlob(mcm.control.v1.Blob.newBuilder().setMaxSize(4096)))
                .putOptions("name", "fuzz")).build());
        seed(dir, "get", 1, GetConnectionRequest.newBuilder().setId(1).build());
        seed(dir, "delete", 3, DeleteConnectionRequest.newBuilder().setId(1).build());
        seed(dir, "list", 0, ListConnectionsRequest.getDefaultInstance());
        seed(dir, "transports", 4, ListTransportsRequest.getDefaultInstance());
        seed(dir, "stats", 5, GetStatsRequest.getDefaultInstance());
        seed(dir, "tx-start", 6, TxControlRequest.newBuilder().setSt20Tx(controller.St20pTxOps.newBuilder()
                .setWidth(1920).setHeight(1080).setFps(controller.StFps.ST_FPS_P59_94)
                .setInputFmt(controller.StFrameFmt.ST_FRAME_FMT_YUV422PLANAR10LE)
                .setTxPort(controller.StTxPort.newBuilder().addAllDipAddr(List.of(239, 1, 1, 1)).setUdpPort(23_604)
                        .setPayloadType(112))).build());
        seed(dir, "rx-start", 7, RxControlRequest.newBuilder().setSt20Rx(controller.St20pRxOps.newBuilder()
                .setWidth(1280).setHeight(720).setFps(controller.StFps.ST_FPS_P50)
                .setOutputFmt(controller.StFrameFmt.ST_FRAME_FMT_YUV422RFC4175PG2BE10)
                .setRxPort(controller.StRxPort.newBuilder().addAllSipAddr(List.of(127, 0, 0, 1)).setUdpPort(23_606)
                        .setPayloadType(112))).build());
        seed(dir, "tx-stop", 8, StopControlRequest.newBuilder().setSessionId(1).build());
        seed(dir, "stop", 10, StopControlRequest.getDefaultInstance());
    }

    static void seed(java.nio.file.Path dir, String name, int method, Message m) throws java.io.IOException {
        byte[] b = m.toByteArray();
        byte[] out = new byte[b.length + 1];
        out[0] = (byte) method;
        System.arraycopy(b, 0, out, 1, b.length);
        java.nio.file.Files.write(dir.resolve(name), out);
    }
}
