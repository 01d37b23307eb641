package org.mcm.api.transport;

import java.util.Map;

import org.mcm.api.frame.FrameSink;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One open session on a transport. Created by {@link Transport#open}; closed by the proxy exactly once.
 */
@ConsumerType
public interface TransportSession extends AutoCloseable {

    /**
     * TX: the sink the app's frames are sent through. The transport reads the frame in place and releases it when
     * done. RX sessions return a sink that rejects (releases and returns false).
     */
    FrameSink input();

    /**
     * Counters (monotonic unless named otherwise) for the console, gRPC stats and Prometheus, e.g. "frames",
     * "bytes", "packets", "lost", "late", "bad_headers".
     */
    Map<String, Long> stats();

    /** A session description where the protocol has one (an SDP for ST 2110), else empty. */
    default String description() {
        return "";
    }

    /** Stops all activity and frees all resources; idempotent; never throws. */
    @Override
    void close();
}
