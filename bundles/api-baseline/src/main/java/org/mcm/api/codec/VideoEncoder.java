package org.mcm.api.codec;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/** Encodes raw frames of one fixed format. Not thread-safe: one per session. */
@ConsumerType
public interface VideoEncoder extends AutoCloseable {

    /** Upper bound of one encoded frame, for sizing output buffers. */
    int maxEncodedSize();

    /**
     * Encodes the frame in {@code raw} (position..limit) into {@code out} starting at its position.
     *
     * @return bytes written
     */
    int encode(ByteBuffer raw, ByteBuffer out) throws CodecException;

    @Override
    void close();
}
