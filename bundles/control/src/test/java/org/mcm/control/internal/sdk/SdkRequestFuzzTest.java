package org.mcm.control.internal.sdk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Timeout;
import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.mcm.control.internal.sessions.SessionManagerImpl;
import org.mcm.control.internal.util.LogLimiter;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of everything an SDK client's bytes reach: the request header, AUTH, the 304-byte
 * {@code mcm_conn_param} of create (both kinds), query and destroy, through the real connection handler, the real
 * session manager and link registry (transports and app links are recording fakes). Seeds in
 * {@code SdkRequestFuzzTestInputs/serve}. The build fuzzes for {@code maxDuration} (JAZZER_FUZZ); without it the seeds
 * and any saved findings run as regression tests. Invariants after each input (a connection that ends): no
 * unexpected error inside the handler, no session left open, every app link opened is closed.
 */
class SdkRequestFuzzTest {

    static final ProxyCounters COUNTERS = new ProxyCounters();
    static final SessionManagerImpl SESSIONS = new SessionManagerImpl(COUNTERS);
    static final AppLinkRegistry REGISTRY = new AppLinkRegistry();
    static final AtomicInteger OPENED = new AtomicInteger();
    static final AtomicInteger CLOSED = new AtomicInteger();
    static final SdkServer.Config CONFIG;
    static final SdkAuth AUTH;
    static final LogLimiter LOG_LIMIT = new LogLimiter(5, 10_000);
    static final AtomicInteger LINK_SEQ = new AtomicInteger();
    static final java.util.concurrent.atomic.AtomicLong INPUTS = new java.util.concurrent.atomic.AtomicLong();

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.println("SdkRequestFuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    static {
        SESSIONS.activate((SessionManagerImpl.Config) Proxy.newProxyInstance(SessionManagerImpl.Config.class.getClassLoader(),
                new Class<?>[] {SessionManagerImpl.Config.class}, (p, m, args) -> m.getName().equals("annotationType")
                        ? SessionManagerImpl.Config.class : m.getName().equals("keepEnded") ? 4 : m.getDefaultValue()), java.util.Map.of());
        for (String protocol : new String[] {"local", "st2110-20", "st2110-22", "st2110-30"}) {
            SESSIONS.bindTransport(transport(protocol), null);
        }
        SESSIONS.bindListener(REGISTRY);
        Map<String, Object> v = new HashMap<>();
        v.put("memifDir", "/nonexistent-fuzz");
        v.put("tokens", new String[] {"token"});
        v.put("requestTimeoutMs", 1000);
        CONFIG = SdkAuthTest.config(v);
        AUTH = SdkAuth.of(CONFIG);
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void serve(byte[] data) {
        INPUTS.incrementAndGet();
        long internalBefore = COUNTERS.get("sdk_internal_errors");
        int openedBefore = OPENED.get();
        int closedBefore = CLOSED.get();
        FakeSocket sock = new FakeSocket(data);
        new SdkClientHandler(sock, SESSIONS, COUNTERS, CONFIG, AUTH, () -> LINKS, LINK_SEQ, REGISTRY.links(), h -> { },
                LOG_LIMIT, () -> { }).run();
        if (COUNTERS.get("sdk_internal_errors") != internalBefore) {
            throw new AssertionError("unexpected error inside the SDK handler");
        }
        for (SessionInfo s : SESSIONS.list()) {
            if (!s.state().isTerminal()) {
                throw new AssertionError("session " + s.id() + " left open after its client went: " + s);
            }
        }
        if (OPENED.get() - openedBefore != CLOSED.get() - closedBefore) {
            throw new AssertionError("app links opened " + (OPENED.get() - openedBefore) + ", closed "
                    + (CLOSED.get() - closedBefore));
        }
        if (!sock.closed) {
            throw new AssertionError("connection not closed");
        }
    }

    /** A client connection whose bytes are the input; what the proxy writes is collected. */
    static final class FakeSocket extends Socket {
        final InputStream in;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean closed;

        FakeSocket(byte[] data) {
            in = new ByteArrayInputStream(data);
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public InetAddress getInetAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
        }

        @Override
        public void setSoTimeout(int timeout) {
        }

        @Override
        public void setTcpNoDelay(boolean on) {
        }

        @Override
        public synchronized void close() {
            closed = true;
        }
    }

    static Transport transport(String protocol) {
        return new Transport() {
            @Override
            public String protocol() {
                return protocol;
            }

            @Override
            public String description() {
                return "fuzz";
            }

            @Override
            public Set<Direction> directions() {
                return EnumSet.allOf(Direction.class);
            }

            @Override
            public TransportSession open(ConnectionSpec spec, TransportContext ctx) {
                return new TransportSession() {
                    @Override
                    public FrameSink input() {
                        return f -> {
                            f.release();
                            return true;
                        };
                    }

                    @Override
                    public Map<String, Long> stats() {
                        return Map.of();
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

    static final AppLinkService LINKS = new AppLinkService() {
        @Override
        public AppLink open(AppLinkRequest request) {
            OPENED.incrementAndGet();
            return new AppLink() {
                boolean closed;

                @Override
                public AppLinkRequest request() {
                    return request;
                }

                @Override
                public boolean isConnected() {
                    return false;
                }

                @Override
                public FrameSource source() {
                    return null;
                }

                @Override
                public FrameSink sink() {
                    return null;
                }

                @Override
                public void start(FrameSink target) {
                }

                @Override
                public void onDetach(Consumer<String> listener) {
                }

                @Override
                public Map<String, Long> stats() {
                    return Map.of();
                }

                @Override
                public void close() {
                    close("closed");
                }

                @Override
                public synchronized void close(String reason) {
                    if (!closed) {
                        closed = true;
                        CLOSED.incrementAndGet();
                    }
                }
            };
        }

        @Override
        public String kind() {
            return "fuzz";
        }
    };
}
