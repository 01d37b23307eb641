package org.mcm.api.session;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import org.mcm.api.connection.ConnectionSpec;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Snapshot of one session.
 *
 * @param id      proxy-wide id, unique for the life of the proxy process (fits an unsigned 32-bit int, as upstream)
 * @param owner   who created it ("sdk:127.0.0.1:53422", "grpc", ...)
 * @param spec    what was asked for
 * @param state   current state
 * @param reason  why the session is in its state (empty when ACTIVE/CREATED without remark)
 * @param created when it was created
 * @param stats   transport and proxy counters (frames, bytes, drops...), names stable per transport
 * @param description the transport's session description (an SDP for ST 2110 senders), or empty
 */
@ProviderType
public record SessionInfo(long id, String owner, ConnectionSpec spec, SessionState state, String reason,
        Instant created, Map<String, Long> stats, String description) {

    public SessionInfo {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(created, "created");
        stats = Map.copyOf(stats == null ? Map.of() : stats);
        description = description == null ? "" : description;
    }
}
