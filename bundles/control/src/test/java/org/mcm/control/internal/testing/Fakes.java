package org.mcm.control.internal.testing;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * The test doubles the control bundle's tests share (and control-grpc's, through the {@code tests} jar): component
 * configurations, a transport whose sessions take and release every frame and record what happened, and an app-link
 * service that reports what the proxy opened and closed (no memif behind it).
 */
public final class Fakes {

    private Fakes() {
    }

    /**
     * An implementation of a component's Config annotation: the given values, else the declared defaults; a method
     * without either throws (a test that reaches a setting it did not expect is told so).
     */
    public static <A extends Annotation> A config(Class<A> type, Map<String, Object> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (m.getName().equals("annotationType")) {
                return type;
            }
            if (values.containsKey(m.getName())) {
                return values.get(m.getName());
            }
            if (m.getDefaultValue() != null) {
                return m.getDefaultValue();
            }
            throw new UnsupportedOperationException(m.getName());
        }));
    }

    /** A transport for {@code protocol}, both directions, whose sessions release every frame they are given. */
    public static RecordingTransport transport(String protocol, String description) {
        return new RecordingTransport(protocol, description, EnumSet.allOf(Direction.class));
    }

    /**
     * A transport whose sessions release every frame they are given, recording what happens: sessions open now,
     * frames taken, the last context. It refuses a spec with the option {@code refuse=yes} and any spec
     * {@link #refuse} names a reason for, and throws {@link #failWith} when set. Its sessions' stats are
     * {@code frames} (all its sessions'), their description "v=0".
     */
    public static final class RecordingTransport implements Transport {
        public final String protocol;
        public final String description;
        public final Set<Direction> directions;
        /** Sessions open now. */
        public final AtomicInteger open = new AtomicInteger();
        /** Frames its sessions were given. */
        public final AtomicInteger frames = new AtomicInteger();
        public final AtomicReference<TransportContext> lastContext = new AtomicReference<>();
        /** Thrown by the next {@code open} when set (an unexpected error of a transport). */
        public volatile RuntimeException failWith;
        /** The reason a spec is refused with ({@code TransportException}), or null to accept it. */
        public volatile Function<ConnectionSpec, String> refuse = spec -> null;

        public RecordingTransport(String protocol, String description, Set<Direction> directions) {
            this.protocol = protocol;
            this.description = description;
            this.directions = directions;
        }

        @Override
        public String protocol() {
            return protocol;
        }

        @Override
        public String description() {
            return description;
        }

        @Override
        public Set<Direction> directions() {
            return directions;
        }

        @Override
        public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
            RuntimeException fail = failWith;
            if (fail != null) {
                throw fail;
            }
            if ("yes".equals(spec.options().get("refuse"))) {
                throw new TransportException("refused by fake");
            }
            String reason = refuse.apply(spec);
            if (reason != null) {
                throw new TransportException(reason);
            }
            lastContext.set(ctx);
            open.incrementAndGet();
            return new TransportSession() {
                boolean closed;
                final FrameSink in = f -> {
                    frames.incrementAndGet();
                    f.release();
                    return true;
                };

                @Override
                public FrameSink input() {
                    return in;
                }

                @Override
                public Map<String, Long> stats() {
                    return Map.of("frames", (long) frames.get());
                }

                @Override
                public String description() {
                    return "v=0";
                }

                @Override
                public synchronized void close() {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                }
            };
        }
    }

    /**
     * An app-link service of the given kind: {@code opened} hears every request, {@code closed} the first close of
     * each link with its reason ({@code close()} counts as "closed"). The links never connect.
     */
    public static AppLinkService appLinks(String kind, Consumer<AppLinkRequest> opened,
            BiConsumer<AppLinkRequest, String> closed) {
        return new AppLinkService() {
            @Override
            public AppLink open(AppLinkRequest request) {
                opened.accept(request);
                return new AppLink() {
                    boolean isClosed;

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
                        if (!isClosed) {
                            isClosed = true;
                            closed.accept(request, reason);
                        }
                    }
                };
            }

            @Override
            public String kind() {
                return kind;
            }
        };
    }
}
