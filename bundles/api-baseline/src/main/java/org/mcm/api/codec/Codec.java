package org.mcm.api.codec;

import java.util.Map;
import java.util.Set;

import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A video codec, registered as a service with {@value #NAME_PROPERTY} = {@link #name()} (e.g. {@code jpegxs}).
 * Transports that need one (ST 2110-22) look it up dynamically.
 */
@ConsumerType
public interface Codec {

    String NAME_PROPERTY = "mcm.codec.name";

    String name();

    /** Raw layouts the codec reads and writes without conversion. */
    Set<PixelFormat> pixelFormats();

    /**
     * @param params codec options such as {@code bpp} (bits per pixel target) or {@code decomp_h}; unknown keys are
     *               an error
     */
    VideoEncoder encoder(VideoFormat format, Map<String, String> params) throws CodecException;

    VideoDecoder decoder(VideoFormat format, Map<String, String> params) throws CodecException;
}
