package org.mcm.itests.testtransport;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/** A transport for tests: counts the frames it is given and the sessions it has open. */
public final class LoopTransport implements Transport {

    private final String protocol;
    final AtomicLong openSessions = new AtomicLong();

    public LoopTransport(String protocol) {
        this.protocol = protocol;
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public String description() {
        return "test transport " + protocol;
    }

    @Override
    public Set<Direction> directions() {
        return EnumSet.allOf(Direction.class);
    }

    @Override
    public TransportSession open(ConnectionSpec spec, TransportContext context) throws TransportException {
        if ("fail".equals(spec.options().get("test"))) {
            throw new TransportException("asked to fail");
        }
        openSessions.incrementAndGet();
        return new TransportSession() {
            final AtomicLong frames = new AtomicLong();
            final AtomicLong bytes = new AtomicLong();
            final AtomicBoolean closed = new AtomicBoolean();
            final FrameSink input = (Frame f) -> {
                frames.incrementAndGet();
                bytes.addAndGet(f.length());
                f.release();
                return true;
            };

            @Override
            public FrameSink input() {
                return input;
            }

            @Override
            public Map<String, Long> stats() {
                return Map.of("frames", frames.get(), "bytes", bytes.get(), "open_sessions_on_transport", openSessions.get());
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    openSessions.decrementAndGet();
                }
            }
        };
    }
}
