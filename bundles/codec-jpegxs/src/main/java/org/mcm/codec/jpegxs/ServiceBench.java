package org.mcm.codec.jpegxs;

import java.nio.ByteBuffer;
import java.util.Map;

import org.mcm.api.codec.CodecException;
import org.mcm.api.codec.VideoDecoder;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/**
 * {@code bench --service}: frames/s through the Codec service as the ST 2110-22 transport calls it (raw frames in a
 * direct buffer, like shared memory). Needs the api jar on the class path, which the CLI jar does not carry:
 * {@code java -cp mcm-codec-jpegxs.jar:mcm-api.jar org.mcm.codec.jpegxs.Main bench --service}.
 */
final class ServiceBench {

    private ServiceBench() {
    }

    /** Fails with a usage message when the api classes are not on the class path. */
    static void check() throws Main.UsageException {
        try {
            Class.forName("org.mcm.api.media.VideoFormat", false, ServiceBench.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new Main.UsageException("--service needs the api jar on the class path: java -cp <codec jar>:"
                    + "<mcm-api jar> org.mcm.codec.jpegxs.Main bench --service ...");
        }
    }

    /** (A method, not a constant: the class must initialise without the api classes for check().) */
    private static VideoFormat format() {
        return new VideoFormat(1920, 1080, new Rational(60, 1), PixelFormat.YUV422P10LE);
    }

    static double[] encodeFps(Picture pic, double bpp, int threads, int frames) throws CodecException {
        VideoFormat fmt = format();
        ByteBuffer raw = ByteBuffer.allocateDirect((int) fmt.bufferSize());
        byte[] tmp = new byte[raw.capacity()];
        RawLayout.writePlanar(pic, tmp, 0);
        raw.put(tmp).flip();
        try (VideoEncoder enc = new JpegXsCodec().encoder(fmt,
                Map.of("bpp", Double.toString(bpp), "threads", Integer.toString(threads)))) {
            ByteBuffer out = ByteBuffer.allocate(enc.maxEncodedSize());
            return Bench.time(() -> {
                out.clear();
                enc.encode(raw, out);
            }, frames);
        }
    }

    static double[] decodeFps(byte[] cs, int threads, int frames) throws CodecException {
        VideoFormat fmt = format();
        ByteBuffer raw = ByteBuffer.allocateDirect((int) fmt.bufferSize());
        ByteBuffer in = ByteBuffer.wrap(cs);
        try (VideoDecoder dec = new JpegXsCodec().decoder(fmt,
                Map.of("threads", Integer.toString(threads)))) {
            return Bench.time(() -> {
                in.clear();
                raw.clear();
                dec.decode(in, raw);
            }, frames);
        }
    }
}
