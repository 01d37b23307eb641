package org.mcm.api.media;

import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Raw video: dimensions, exact frame rate and pixel layout.
 */
@ProviderType
public record VideoFormat(int width, int height, Rational frameRate, PixelFormat pixelFormat) implements MediaFormat {

    public static final int MAX_DIMENSION = 16384;

    public VideoFormat {
        Objects.requireNonNull(frameRate, "frameRate");
        Objects.requireNonNull(pixelFormat, "pixelFormat");
        if (width <= 0 || height <= 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
            throw new IllegalArgumentException("video dimensions out of range: " + width + "x" + height);
        }
        pixelFormat.frameSize(width, height); // validates the grouping and the 32-bit limit
    }

    @Override
    public long bufferSize() {
        return pixelFormat.frameSize(width, height);
    }

    @Override
    public String toString() {
        return "video " + width + "x" + height + "@" + frameRate + " " + pixelFormat.id();
    }
}
