package org.mcm.api.transport;

import java.util.Set;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way to carry media between proxies or to the network. A transport bundle registers one service per
 * protocol it speaks, with the service property {@value #PROTOCOL_PROPERTY} set to {@link #protocol()}.
 *
 * <p>Transports are hot-swappable: the proxy binds them dynamically. When the service goes away the proxy closes
 * every session opened through it; the implementation must make {@link TransportSession#close()} stop threads
 * and free sockets promptly, since the bundle is stopping.
 */
@ConsumerType
public interface Transport {

    /** Service property carrying the protocol name. */
    String PROTOCOL_PROPERTY = "mcm.transport.protocol";

    /** Protocol name used in {@link ConnectionSpec#transport()}, e.g. {@code st2110-20}. */
    String protocol();

    /** One line for operators. */
    String description();

    /** Directions this transport can carry. */
    Set<Direction> directions();

    /**
     * Opens a session. Must validate the spec (format, endpoints, options) and fail with a clear message rather
     * than fail later on the data path.
     */
    TransportSession open(ConnectionSpec spec, TransportContext context) throws TransportException;

    /**
     * Turns a session description of this transport's protocol (an SDP for ST 2110) into the spec of a receiver.
     *
     * @return empty when the description is not for this transport
     * @throws IllegalArgumentException when it is for this transport but malformed, naming the line and field
     * @since 1.1
     */
    default java.util.Optional<ConnectionSpec> parseDescription(String description) {
        return java.util.Optional.empty();
    }

    /**
     * Whether this transport allows the same-proxy bypass: when a sender of this protocol sends (unicast) to a
     * receiver of the same protocol on the same proxy, the proxy may hand the sender's frames to the receiver's app
     * in shared memory instead of passing them through the network. True only for a transport that carries the
     * app's frame unchanged (lossless, no conversion that a receiver of the same format would not undo), so that
     * the receiver's app gets exactly the bytes it would get from the network. While a receiver session is fed that
     * way, the buffers its transport asks for ({@link TransportContext#frameSource()}) may be refused (null): the
     * transport then counts and skips what arrives from the network, as for any app that has no free buffer.
     *
     * @since 1.2
     */
    default boolean sameProxyBypass() {
        return false;
    }
}
