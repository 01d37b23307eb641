package org.mcm.api.app;

import java.util.Objects;

import org.mcm.api.connection.Direction;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What the proxy asks of an {@link AppLinkService} for one session.
 *
 * @param direction     the app's direction: TX = the app sends frames to the proxy, RX = the proxy sends to the app
 * @param socketPath    where the app connects (a filesystem path, or {@code @name} for the abstract namespace)
 * @param interfaceId   interface id on that socket
 * @param interfaceName interface name (at most 31 characters are sent)
 * @param bufferSize    bytes of one buffer: one whole frame / packet (32-bit)
 * @param log2RingSize  ring size as a power of two
 * @param secret        the secret the app must present, empty for none
 * @param polling       the proxy side busy-polls its rings (lowest latency, one core per link) instead of
 *                      sleeping on interrupts
 * @param sharedPool    null for the upstream layout (the app allocates the shared memory and connects to the
 *                      proxy's socket). Otherwise the proxy allocates the buffers from a pool and the app is the
 *                      side that listens on {@code socketPath}: links with the same non-empty pool name share one
 *                      pool, so frames move between them without a copy ({@link
 *                      org.mcm.api.frame.FrameSink#acceptShared}); an empty name gives the link a pool of its own.
 *                      RX apps get the pool read-only. Since 1.1.
 */
@ProviderType
public record AppLinkRequest(Direction direction, String socketPath, long interfaceId, String interfaceName,
        long bufferSize, int log2RingSize, String secret, boolean polling, String sharedPool) {

    /** An upstream-layout request (no shared pool). */
    public AppLinkRequest(Direction direction, String socketPath, long interfaceId, String interfaceName,
            long bufferSize, int log2RingSize, String secret, boolean polling) {
        this(direction, socketPath, interfaceId, interfaceName, bufferSize, log2RingSize, secret, polling, null);
    }

    /** True when the proxy allocates the buffers and the app listens (see {@code sharedPool}). */
    public boolean pooled() {
        return sharedPool != null;
    }

    public AppLinkRequest {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(socketPath, "socketPath");
        Objects.requireNonNull(interfaceName, "interfaceName");
        secret = secret == null ? "" : secret;
        if (bufferSize <= 0 || bufferSize > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("buffer size out of range: " + bufferSize);
        }
        if (log2RingSize < 1 || log2RingSize > 14) {
            throw new IllegalArgumentException("log2 ring size out of range: " + log2RingSize);
        }
        if (interfaceId < 0 || interfaceId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("interface id out of range: " + interfaceId);
        }
    }
}
