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

    /**
     * How many threads an encoder made with these parameters needs (its work split inside each frame) to keep up
     * with {@code format}'s frame rate, by the codec's own measure of its speed here (e.g. whether its native code
     * is loaded). The caller still limits it to the processors it has and may override it.
     *
     * @return 1 or more, or 0 when the codec cannot say (the default): the caller chooses
     */
    default int encoderThreads(VideoFormat format, Map<String, String> params) {
        return 0;
    }

    /**
     * How many threads decoding {@code format} at its frame rate needs (one decoder a thread, successive frames side
     * by side), by the codec's own measure of its speed here. 1 means one decoder keeps up, so a caller can decode
     * every frame straight into its destination in order, with no staging copy.
     *
     * @return 1 or more, or 0 when the codec cannot say (the default): the caller chooses
     */
    default int decoderThreads(VideoFormat format, Map<String, String> params) {
        return 0;
    }
}
