package org.mcm.codec.jpegxs;

import org.mcm.api.codec.CodecException;

/**
 * JPEG XS encoder (ISO/IEC 21122-1): 5/3 DWT, deadzone or uniform quantization, bit-plane counts coded raw, from
 * zero or (optionally) predicted from the line above, whichever is smaller per band and precinct, with optional
 * significance flags, signs interleaved or separate (Fs), and constant-bitrate rate control per
 * precinct (quantization Q and refinement R searched against a running byte budget) so that every codestream is
 * exactly {@code ceil(W*H*bpp/8)} bytes, as Lcod says. Not thread-safe; with {@code threads > 1} it uses its own
 * small pool for the wavelet transform (components) and the packing (precincts), with identical output.
 * <p>The jobs are classes of their own: {@link EncoderTransform} (wavelet and statistics), {@link RateControl},
 * {@link PrecinctPacker} and {@link EncoderThreads}; they share an {@link EncoderState}. This class checks the
 * input and runs the three phases.
 */
public final class JpegXsEncoder implements AutoCloseable {


    /** Encoder settings; defaults follow the reference encoder. */
    public static final class Config {
        public int width, height;
        /** Sampling per component; default 4:2:2. */
        public int[] sx = {1, 2, 2}, sy = {1, 1, 1};
        public int depth = 10;
        public double bpp = 3;
        public int decompH = 5, decompV = 2;
        /** Slice height in lines (rounded up to whole precincts). */
        public int sliceHeight = 16;
        /** 0: deadzone, 1: uniform. */
        public int quantization;
        /** Fs: 0 signs with the data, 1 separate sign sub-packet. */
        public int signs;
        /** Significance coding of bit-plane counts allowed. */
        public boolean significance = true;
        /**
         * Vertical prediction of bit-plane counts allowed (chosen per band and precinct where it costs fewer bits):
         * 0 off, 1 on with significance flags marking zero residuals (Rm=0), 2 on with significance flags marking
         * zero coefficients (Rm=1).
         */
        public int vpred;
        /** Cpih: 0 none, 1 reversible colour transform (RGB input, 4:4:4). */
        public int colourTransform;
        /** Threads used inside one encode (the output does not depend on it). */
        public int threads = 1;

        public int components() {
            return sx.length;
        }
    }

    private final EncoderState s;
    private final EncoderThreads threads;
    private final EncoderTransform transform;
    private final RateControl rate;
    private final PrecinctPacker packer;
    // the packing helpers' part of a frame (threads > 1): the precincts planned so far into packOut
    private byte[] packOut;
    private final EncoderThreads.Task packTask;

    public JpegXsEncoder(Config c) throws CodecException {
        s = new EncoderState(c);
        threads = new EncoderThreads(s, c.threads);
        transform = new EncoderTransform(s, threads);
        rate = new RateControl(s);
        packer = new PrecinctPacker(s);
        packTask = (index, w) -> packer.packLoop(w, packOut);
    }

    /**
     * Chooses the native fragment's instruction set for the forward wavelet (JxsNative.ISA_*), or -1 for the pure-Java
     * path; the default is the best the CPU has (or -1 without the library). Both give the same codestream.
     */
    JpegXsEncoder nativeIsa(int isa) {
        if (isa >= 0 && isa > JxsNative.bestIsa()) {
            throw new IllegalArgumentException("native instruction set " + isa + " not available here ("
                    + (JxsNative.available() ? "best " + JxsNative.bestIsa() : JxsNative.unavailableReason()) + ")");
        }
        s.nativeIsa = isa;
        return this;
    }

    /** The instruction set of the native forward wavelet, or -1 (pure Java). */
    int nativeIsa() {
        return s.nativeIsa;
    }

    /** The shared state (tests). */
    EncoderState state() {
        return s;
    }

    /** Precincts written by the native code so far. */
    int nativePrecincts() {
        return s.nativePrecincts.get();
    }

    /** Precincts planned by the native rate control so far. */
    int nativePlanned() {
        return rate.nativePlanned.get();
    }

    /** Turns the native rate control off (true: on whenever the native code is used; tests compare the two). */
    JpegXsEncoder nativeRateControl(boolean on) {
        rate.nativeOn = on;
        return this;
    }

    /** Components transformed by the native code so far. */
    int nativeComponents() {
        return s.nativeComponents.get();
    }

    /** Exact size of every codestream (Lcod). */
    public int codestreamSize() {
        return s.lcod;
    }

    /** A picture of the right shape to fill with samples. */
    public Picture newPicture() {
        return s.newPicture();
    }

    /** Stops the worker threads (if {@code threads > 1}); the encoder must not be used afterwards. */
    @Override
    public void close() {
        threads.close();
    }

    /**
     * Encodes the picture into out[off..off+codestreamSize()). Three phases: the wavelet transform and the per-row
     * statistics (components in parallel), the rate control (sequential, it carries a byte budget from precinct to
     * precinct, but only reads the statistics), and the writing of the precincts (in parallel, every precinct's
     * offset is known by then).
     */
    public int encode(Picture pic, byte[] out, int off) throws CodecException {
        Geometry g = s.g;
        if (pic.nc != g.nc) {
            throw new CodecException("JPEG XS encoder: picture has " + pic.nc + " components, expected " + g.nc);
        }
        for (int c = 0; c < g.nc; c++) {
            if (pic.width[c] != g.compW[c] || pic.height[c] != g.compH[c]) {
                throw new CodecException("JPEG XS encoder: component " + c + " is " + pic.width[c] + "x"
                        + pic.height[c] + ", expected " + g.compW[c] + "x" + g.compH[c]);
            }
        }
        return encode(SampleSource.of(pic), out, off);
    }

    /** Width of component c in samples. */
    int componentWidth(int c) {
        return s.g.compW[c];
    }

    /** Height of component c in samples. */
    int componentHeight(int c) {
        return s.g.compH[c];
    }

    /**
     * Encodes the picture that src reads (see {@link #encode(Picture, byte[], int)}); the samples are read row by
     * row as the wavelet needs them, straight from the source's layout.
     */
    int encode(SampleSource src, byte[] out, int off) throws CodecException {
        final int lcod = s.lcod;
        if (out.length - off < lcod) {
            throw new CodecException("JPEG XS encoder: output buffer too small (" + (out.length - off) + " < " + lcod + ")");
        }
        transform.transform(src);
        int p = packer.writeHeader(out, off);
        // the rate control plans the precincts one after another (it carries the byte budget); every planned
        // precinct can be written at once, so with more threads the others write precincts while it plans, and
        // the planning thread joins them when it is done
        s.planned.set(0);
        s.nextPack.set(0);
        s.abortPack = false;
        int npy = s.g.npy;
        int helpers = threads.threads > 1 && npy > 1 ? Math.min(threads.threads, npy) : 1;
        if (helpers > 1) {
            packOut = out;
            threads.start(helpers, packTask);
        }
        try {
            // with helpers, the native rate control plans a slice a call so that they can start writing early
            p = rate.planAll(out, off, p, helpers > 1 ? s.g.hsl : npy);
            if (p + 2 - off != lcod) {
                throw new CodecException("JPEG XS encoder: rate control missed the target (" + (p + 2 - off) + " != "
                        + lcod + "); the rate is too low for this picture");
            }
            out[p] = (byte) 0xFF;
            out[p + 1] = 0x11;
            packer.packLoop(threads.workers[0], out);
        } catch (CodecException | RuntimeException | Error e) {
            s.abortPack = true;
            if (helpers > 1) {
                try {
                    threads.join(null);
                } catch (CodecException | RuntimeException | Error ignored) {
                    // the first failure is reported
                }
            }
            throw e;
        }
        if (helpers > 1) {
            threads.join(null);
        }
        return lcod;
    }
}
