package org.mcm.codec.jpegxs;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.mcm.api.codec.Codec;
import org.mcm.api.codec.CodecName;
import org.mcm.api.codec.CodecException;
import org.mcm.api.codec.VideoDecoder;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.osgi.service.component.annotations.Component;

/**
 * The JPEG XS codec as an OSGi service ({@code mcm.codec.name=jpegxs}); also usable directly with {@code new}.
 *
 * <p>Raw layouts: yuv422p10le, yuv422p (8 bit), yuv444p10le and the RFC 4175 4:2:2 10-bit pgroup.
 * Encoder parameters: {@code bpp} (required), {@code decomp_h}, {@code decomp_v}, {@code slice_height},
 * {@code quantization}, {@code coding_signs}, {@code coding_sigf}, {@code threads}. Decoder parameters:
 * {@code threads}.
 * {@link VideoDecoder#decode} advances {@code encoded}'s position past the codestream it consumed and writes the
 * frame at {@code raw}'s position without moving it; {@link VideoEncoder#encode} likewise leaves {@code out}'s
 * position alone and returns the codestream length (always exactly Lcod).
 */
@Component(service = Codec.class)
@CodecName(JpegXsCodec.NAME)
public final class JpegXsCodec implements Codec {

    public static final String NAME = "jpegxs";

    /**
     * Frames a second of 1920x1080 4:2:2 10-bit at 3 bpp one thread decodes (index 0) and encodes (1), with the
     * native fragment and in pure Java: {@code bench --threads 1} on the hard picture (hd422p10_3bpp), this
     * project's 2-vCPU VM, quiet (BENCHMARK.md, round 14b): native 125 / 72, pure Java 64 / 52.
     */
    static final double[] NATIVE_FPS_1080 = {125, 72};
    static final double[] JAVA_FPS_1080 = {64, 52};

    /**
     * The share of a thread's time the estimate fills before it asks for one more: the rest is for the session's
     * other threads (receiving, pacing), the apps beside it on the same cores and the machine's slow minutes.
     */
    static final double LOAD = 2.0 / 3;

    // whether the native fragment is loaded, asked when first needed (loading it is not part of the service's start)
    private final java.util.function.BooleanSupplier nativeCode;

    public JpegXsCodec() {
        this(JxsNative::available);
    }

    /** For tests: the speed estimate of the native fragment (true) or of the pure-Java code. */
    JpegXsCodec(boolean nativeCode) {
        this(() -> nativeCode);
    }

    private JpegXsCodec(java.util.function.BooleanSupplier nativeCode) {
        this.nativeCode = nativeCode;
    }

    private static final Set<PixelFormat> FORMATS = EnumSet.of(PixelFormat.YUV422P10LE, PixelFormat.YUV422P8,
            PixelFormat.YUV444P10LE, PixelFormat.YUV422_10_PGROUP);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<PixelFormat> pixelFormats() {
        return FORMATS;
    }

    private static void checkFormat(VideoFormat f) throws CodecException {
        if (!FORMATS.contains(f.pixelFormat())) {
            throw new CodecException("jpegxs: pixel format " + f.pixelFormat().id() + " unsupported; use one of "
                    + FORMATS);
        }
    }

    static int[] sx(PixelFormat p) {
        return p == PixelFormat.YUV444P10LE ? new int[] {1, 1, 1} : new int[] {1, 2, 2};
    }

    static int depth(PixelFormat p) {
        return p == PixelFormat.YUV422P8 ? 8 : 10;
    }

    private static int intParam(Map<String, String> m, String key, int def, int min, int max) throws CodecException {
        String v = m.get(key);
        if (v == null) {
            return def;
        }
        try {
            int x = Integer.parseInt(v.trim());
            if (x < min || x > max) {
                throw new CodecException("jpegxs: " + key + " must be " + min + ".." + max + ", got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new CodecException("jpegxs: " + key + " needs a number, got '" + v + "'");
        }
    }

    private static void onlyKnown(Map<String, String> params, Set<String> known) throws CodecException {
        for (String k : params.keySet()) {
            if (!known.contains(k)) {
                throw new CodecException("jpegxs: unknown parameter '" + k + "' (known: " + known + ")");
            }
        }
    }

    @Override
    public VideoEncoder encoder(VideoFormat format, Map<String, String> params) throws CodecException {
        checkFormat(format);
        Map<String, String> p = params == null ? Map.of() : params;
        onlyKnown(p, Set.of("bpp", "decomp_h", "decomp_v", "slice_height", "quantization", "coding_signs",
                "coding_sigf", "threads"));
        String bpp = p.get("bpp");
        if (bpp == null) {
            throw new CodecException("jpegxs: the encoder needs parameter bpp (bits per pixel)");
        }
        JpegXsEncoder.Config c = new JpegXsEncoder.Config();
        try {
            c.bpp = Double.parseDouble(bpp.trim());
        } catch (NumberFormatException e) {
            throw new CodecException("jpegxs: bpp needs a number, got '" + bpp + "'");
        }
        c.width = format.width();
        c.height = format.height();
        c.sx = sx(format.pixelFormat());
        c.sy = new int[] {1, 1, 1};
        c.depth = depth(format.pixelFormat());
        c.decompH = intParam(p, "decomp_h", 5, 1, 5);
        c.decompV = intParam(p, "decomp_v", 2, 0, 2);
        c.sliceHeight = intParam(p, "slice_height", 16, 1, Header.MAX_DIMENSION);
        c.quantization = intParam(p, "quantization", 0, 0, 1);
        c.signs = intParam(p, "coding_signs", 0, 0, 2) > 0 ? 1 : 0;
        c.significance = intParam(p, "coding_sigf", 1, 0, 1) != 0;
        c.threads = intParam(p, "threads", 1, 1, 16);
        JpegXsEncoder enc = new JpegXsEncoder(c);
        PixelFormat pf = format.pixelFormat();
        int rawSize = (int) format.bufferSize();
        final int[] compW = new int[3], compH = new int[3];
        for (int k = 0; k < 3; k++) {
            compW[k] = enc.componentWidth(k);
            compH[k] = enc.componentHeight(k);
        }
        return new VideoEncoder() {
            private final byte[] cs = new byte[enc.codestreamSize()];
            // the sources made for the last raw buffers: the same buffer at the same position (an app's pooled
            // frames, a session's segment) reuses its source, so that a frame allocates nothing
            private final Views<SampleSource> sources = new Views<>();

            @Override
            public int maxEncodedSize() {
                return enc.codestreamSize();
            }

            @Override
            public int encode(ByteBuffer raw, ByteBuffer out) throws CodecException {
                if (raw.remaining() < rawSize) {
                    throw new CodecException("jpegxs: raw frame has " + raw.remaining() + " bytes, expected " + rawSize);
                }
                if (out.remaining() < cs.length) {
                    throw new CodecException("jpegxs: output buffer has " + out.remaining() + " bytes, needs " + cs.length);
                }
                // the wavelet reads the frame's rows where they are (heap or shared memory), no intermediate copy
                SampleSource src = sources.of(raw);
                if (src == null) {
                    src = sources.put(raw, pf == PixelFormat.YUV422_10_PGROUP ? SampleSource.pgroup422(raw,
                            format.width()) : SampleSource.planar(raw, compW, compH, c.depth));
                }
                if (out.hasArray()) {
                    return enc.encode(src, out.array(), out.arrayOffset() + out.position());
                }
                int n = enc.encode(src, cs, 0);
                out.put(out.position(), cs, 0, n); // absolute: out's position stays
                return n;
            }

            @Override
            public void close() {
                enc.close();
            }
        };
    }

    @Override
    public VideoDecoder decoder(VideoFormat format, Map<String, String> params) throws CodecException {
        checkFormat(format);
        Map<String, String> p = params == null ? Map.of() : params;
        onlyKnown(p, Set.of("threads"));
        int threads = intParam(p, "threads", 1, 1, 16);
        PixelFormat pf = format.pixelFormat();
        int rawSize = (int) format.bufferSize();
        JpegXsDecoder dec = new JpegXsDecoder(threads).maxPixels((long) format.width() * format.height());
        int[] wantSx = sx(pf);
        int wantDepth = depth(pf);
        int[] compW = {format.width(), format.width() / wantSx[1], format.width() / wantSx[2]};
        int[] compH = {format.height(), format.height(), format.height()};
        return new VideoDecoder() {
            private byte[] in = new byte[0];
            private byte[] outTmp = new byte[0];
            private final Views<SampleSink> sinks = new Views<>(); // as the encoder's sources

            @Override
            public int decode(ByteBuffer encoded, ByteBuffer raw) throws CodecException {
                if (raw.remaining() < rawSize) {
                    throw new CodecException("jpegxs: raw buffer has " + raw.remaining() + " bytes, needs " + rawSize);
                }
                byte[] src;
                int off, end;
                if (encoded.hasArray()) {
                    src = encoded.array();
                    off = encoded.arrayOffset() + encoded.position();
                    end = encoded.arrayOffset() + encoded.limit();
                } else {
                    int n = encoded.remaining();
                    if (in.length < n) {
                        in = new byte[n];
                    }
                    encoded.get(encoded.position(), in, 0, n); // absolute: encoded's position stays
                    src = in;
                    off = 0;
                    end = n;
                }
                // the stream must fit the session before anything is written into its buffer (a header whose bytes
                // repeat the last frame's is not parsed again)
                Header h = dec.parse(src, off, end);
                if (h.wf != format.width() || h.hf != format.height() || h.nc != 3 || h.sx[1] != wantSx[1]
                        || h.sx[2] != wantSx[2] || h.sy[1] != 1 || h.sy[2] != 1 || h.depth[0] != wantDepth) {
                    throw new CodecException("jpegxs: codestream is " + h.wf + "x" + h.hf + " Nc=" + h.nc + " depth "
                            + h.depth[0] + ", the session expects " + format);
                }
                Picture pic;
                if (pf == PixelFormat.YUV422_10_PGROUP) { // pgroup bytes mix the components: via the planes
                    pic = dec.decode(src, off, end);
                    if (raw.hasArray()) {
                        RawLayout.writePgroup422(pic, raw.array(), raw.arrayOffset() + raw.position());
                    } else {
                        if (outTmp.length != rawSize) {
                            outTmp = new byte[rawSize];
                        }
                        RawLayout.writePgroup422(pic, outTmp, 0);
                        raw.put(raw.position(), outTmp, 0, rawSize);
                    }
                } else { // planar: the last wavelet level writes the rows straight into raw (heap or shared memory)
                    SampleSink sink = sinks.of(raw);
                    if (sink == null) {
                        sink = sinks.put(raw, SampleSink.planar(raw, compW, compH, wantDepth));
                    }
                    pic = dec.decode(src, off, end, sink);
                }
                encoded.position(encoded.position() + pic.consumed);
                return rawSize;
            }

            @Override
            public void close() {
                dec.close();
            }
        };
    }

    /**
     * Threads inside each frame: 1080p60 needs 2 (one native thread encodes ~72 fps alone, too close to 60 beside a
     * decoder and the apps), 720p60 and 1080p30 1. Measured at 3 bpp; higher rates cost more.
     */
    @Override
    public int encoderThreads(VideoFormat format, Map<String, String> params) {
        return threadsFor(format, true);
    }

    /**
     * Decoders side by side: with the native fragment one decodes 1080p60 (~125 fps alone, about half a core at 60);
     * pure Java needs 2.
     */
    @Override
    public int decoderThreads(VideoFormat format, Map<String, String> params) {
        return threadsFor(format, false);
    }

    private int threadsFor(VideoFormat f, boolean encode) {
        double fps1080 = (nativeCode.getAsBoolean() ? NATIVE_FPS_1080 : JAVA_FPS_1080)[encode ? 1 : 0] * LOAD;
        double pixelRate = (double) f.width() * f.height() * f.frameRate().numerator() / f.frameRate().denominator();
        double perThread = fps1080 * 1920 * 1080;
        // 4:4:4 carries 1.5 times the samples of 4:2:2 (the speeds above are 4:2:2's)
        double samples = f.pixelFormat() == PixelFormat.YUV444P10LE ? 1.5 : 1;
        return Math.max(1, (int) Math.ceil(pixelRate * samples / perThread));
    }

    /**
     * What was made for the last few raw buffers (a source or a sink reading or writing a frame in place), by the
     * buffer object and its position: an app's pool of frames comes round again and again, so that its frames
     * allocate nothing. Round-robin over {@link #SIZE} entries; a buffer that is not the same object is a new entry.
     */
    static final class Views<T> {
        static final int SIZE = 16;
        private final ByteBuffer[] of = new ByteBuffer[SIZE];
        private final int[] at = new int[SIZE];
        private final Object[] made = new Object[SIZE];
        private int next;

        @SuppressWarnings("unchecked")
        T of(ByteBuffer raw) {
            int pos = raw.position();
            for (int i = 0; i < SIZE; i++) {
                if (of[i] == raw && at[i] == pos) {
                    return (T) made[i];
                }
            }
            return null;
        }

        T put(ByteBuffer raw, T view) {
            of[next] = raw;
            at[next] = raw.position();
            made[next] = view;
            next = (next + 1) % SIZE;
            return view;
        }
    }
}
