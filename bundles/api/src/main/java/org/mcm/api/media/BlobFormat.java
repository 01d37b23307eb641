package org.mcm.api.media;

import org.osgi.annotation.versioning.ProviderType;

/** Opaque payloads of at most {@code maxSize} bytes each. */
@ProviderType
public record BlobFormat(long maxSize) implements MediaFormat {

    public BlobFormat {
        if (maxSize <= 0 || maxSize > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("blob size out of range: " + maxSize);
        }
    }

    @Override
    public long bufferSize() {
        return maxSize;
    }

    @Override
    public String toString() {
        return "blob max " + maxSize + "B";
    }
}
