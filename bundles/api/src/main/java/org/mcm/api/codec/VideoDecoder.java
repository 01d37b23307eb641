package org.mcm.api.codec;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/** Decodes encoded frames to one fixed raw format. Not thread-safe: one per session. */
@ConsumerType
public interface VideoDecoder extends AutoCloseable {

    /**
     * Decodes one encoded frame from {@code encoded} (position..limit) into {@code raw} starting at its position.
     *
     * @return bytes of raw frame written
     * @throws CodecException for malformed or truncated input, naming what and where
     */
    int decode(ByteBuffer encoded, ByteBuffer raw) throws CodecException;

    @Override
    void close();
}
