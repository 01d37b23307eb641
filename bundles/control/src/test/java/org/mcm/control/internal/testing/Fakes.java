package org.mcm.control.internal.testing;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;

/**
 * The test doubles the control bundle's tests share: component configurations, a transport whose sessions take and
 * release every frame, and an app-link service that reports what the proxy opened and closed (no memif behind it).
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
    public static Transport transport(String protocol, String description) {
        return new Transport() {
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
