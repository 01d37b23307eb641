package org.mcm.api.connection;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.mcm.api.media.MediaFormat;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Everything needed to open one connection: direction, the transport that carries it (the protocol name a
 * {@link org.mcm.api.transport.Transport} service registers, e.g. {@code st2110-20}), the media format, the
 * local and remote endpoints, the RTP payload type (0 = transport default) and free-form transport options.
 */
@ProviderType
public record ConnectionSpec(Direction direction, String transport, MediaFormat format, Endpoint local,
        Endpoint remote, int payloadType, Map<String, String> options) {

    public ConnectionSpec {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(format, "format");
        local = local == null ? Endpoint.NONE : local;
        remote = remote == null ? Endpoint.NONE : remote;
        if (transport.isBlank()) {
            throw new IllegalArgumentException("transport name is empty");
        }
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("RTP payload type out of range: " + payloadType);
        }
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    public static Builder builder(Direction direction, String transport, MediaFormat format) {
        return new Builder(direction, transport, format);
    }

    /** Fluent construction for the many optional fields. */
    @ProviderType
    public static final class Builder {
        private final Direction direction;
        private final String transport;
        private final MediaFormat format;
        private Endpoint local = Endpoint.NONE;
        private Endpoint remote = Endpoint.NONE;
        private int payloadType;
        private final Map<String, String> options = new LinkedHashMap<>();

        private Builder(Direction direction, String transport, MediaFormat format) {
            this.direction = direction;
            this.transport = transport;
            this.format = format;
        }

        public Builder local(Endpoint e) {
            this.local = e;
            return this;
        }

        public Builder remote(Endpoint e) {
            this.remote = e;
            return this;
        }

        public Builder payloadType(int pt) {
            this.payloadType = pt;
            return this;
        }

        public Builder option(String key, String value) {
            options.put(key, value);
            return this;
        }

        public ConnectionSpec build() {
            return new ConnectionSpec(direction, transport, format, local, remote, payloadType, options);
        }
    }
}
