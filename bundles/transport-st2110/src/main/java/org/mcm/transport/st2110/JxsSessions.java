package org.mcm.transport.st2110;

import java.util.Map;

import org.mcm.api.codec.Codec;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportException;

/**
 * ST 2110-22 (JPEG XS, RFC 9134 codestream or slice packetization mode, sequential transmission) sessions. The app exchanges raw frames; the sender encodes each
 * with the {@code jpegxs} Codec service at the session's bits per pixel (option {@code bpp}, default 3 as
 * upstream MCM) and spreads the packets over the frame period; the receiver reassembles the picture segment,
 * skips the boxes and decodes into the app's buffers on decoder threads (successive frames side by side, handed to
 * the app in order). The sender is {@link JxsTxSession}, the receiver {@link JxsRxSession}; this class holds what
 * both read from the connection: the packetization mode, the codec's parameters and threads, the format check.
 */
final class JxsSessions {

    private JxsSessions() {
    }

    /** Option {@code packetmode}: 0 codestream mode (default), 1 slice mode. */
    static boolean sliceMode(ConnectionSpec spec) throws TransportException {
        String m = spec.options().getOrDefault("packetmode", "0").trim();
        if (!m.equals("0") && !m.equals("1")) {
            throw new TransportException("st2110-22: option packetmode must be 0 (codestream) or 1 (slice), not " + m);
        }
        return m.equals("1");
    }

    static Map<String, String> encoderParams(ConnectionSpec spec) throws TransportException {
        return Map.of("bpp", spec.options().getOrDefault("bpp", "3"), "threads",
                Integer.toString(codecThreads(spec)));
    }

    /** Pixels per second one codec thread is taken to sustain: about 1080p at 40 fps (README, JPEG XS table). */
    static final long PIXELS_PER_THREAD = 1920L * 1080 * 40;

    /**
     * Option {@code codec_threads} (1..16): threads the encoder (TX, inside each frame) or the decoders (RX, one
     * frame each, side by side) of this session use. Default: enough for the format's pixel rate at ~1080p40 per
     * thread (1080p60: 2, 720p60: 1), at most the machine's processors.
     */
    static int codecThreads(ConnectionSpec spec) throws TransportException {
        String v = spec.options().get("codec_threads");
        if (v != null) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= 1 && n <= 16) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TransportException("st2110-22: option codec_threads must be 1..16, not " + v);
        }
        VideoFormat f = (VideoFormat) spec.format();
        double pixelRate = (double) f.width() * f.height() * f.frameRate().numerator() / f.frameRate().denominator();
        int n = (int) Math.ceil(pixelRate / PIXELS_PER_THREAD);
        return Math.max(1, Math.min(n, Math.min(16, Runtime.getRuntime().availableProcessors())));
    }

    static void checkFormat(Codec codec, VideoFormat f) throws TransportException {
        if (!codec.pixelFormats().contains(f.pixelFormat())) {
            throw new TransportException("st2110-22: the jpegxs codec does not take " + f.pixelFormat().id()
                    + " frames (it takes " + codec.pixelFormats() + ")");
        }
    }
}
