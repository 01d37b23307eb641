package org.mcm.api.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/** A codec written before {@code encoderThreads}/{@code decoderThreads} existed answers 0: "cannot say". */
class CodecThreadsTest {

    /** Implements only the abstract methods, as a codec bundle built against the 1.0 API does. */
    static final class OldCodec implements Codec {
        @Override
        public String name() {
            return "old";
        }

        @Override
        public Set<PixelFormat> pixelFormats() {
            return Set.of(PixelFormat.YUV422P10LE);
        }

        @Override
        public VideoEncoder encoder(VideoFormat format, Map<String, String> params) throws CodecException {
            throw new CodecException("not here");
        }

        @Override
        public VideoDecoder decoder(VideoFormat format, Map<String, String> params) throws CodecException {
            throw new CodecException("not here");
        }
    }

    @Test
    void aCodecThatDoesNotSayAnswersZero() {
        Codec c = new OldCodec();
        for (VideoFormat f : new VideoFormat[] {
                new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE),
                new VideoFormat(3840, 2160, Rational.of(60, 1), PixelFormat.YUV422P10LE),
                new VideoFormat(64, 32, Rational.of(25, 1), PixelFormat.YUV422P10LE)}) {
            assertEquals(0, c.encoderThreads(f, Map.of("bpp", "3")), f.toString());
            assertEquals(0, c.decoderThreads(f, Map.of()), f.toString());
        }
    }
}
