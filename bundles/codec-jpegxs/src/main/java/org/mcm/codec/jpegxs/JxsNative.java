package org.mcm.codec.jpegxs;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * JNI binding of libmcmjxs, the decoder's hot loops in C from the native fragment
 * ({@code native-fragments/linux-x86_64-jpegxs}): the entropy decoding of a slice and the inverse wavelet of a component in SSE4.1, AVX2 or scalar C; and the encoder's (mcmjxsenc.c): the forward wavelet of a component with the rounding of its band rows, the rate control and the precinct writing.
 * Optional: when the library is missing (another platform, no fragment, the CLI without it on the class path) or
 * the system property {@code org.mcm.codec.jpegxs.native} is {@code false}, {@link #available()} is false and the
 * decoder uses its pure-Java code, which gives the same samples.
 *
 * <p>JNI rather than JNA (which the other fragments use): the coefficient bands and the planes are the decoder's
 * int[] arrays, which JNI's critical array access reaches in place; JNA's direct mapping copies every array in and
 * out on each call (for a 1080p frame ~16 MB each way). In OSGi the framework finds the library through the
 * fragment's Bundle-NativeCode; elsewhere it is taken from the class path ({@code linux-x86-64/libmcmjxs.so}) into
 * a temporary file.
 */
final class JxsNative {

    /**
     * Instruction sets: scalar C, SSE4.1, AVX2, AVX-512 (F/BW/VL/DQ/CD/VBMI/VBMI2 on top of AVX2: the encoder's
     * rounding of band rows and the decoder's counts coded from zero and data have their own code, the rest is
     * AVX2's).
     */
    static final int ISA_SCALAR = 0;
    static final int ISA_SSE41 = 1;
    static final int ISA_AVX2 = 2;
    static final int ISA_AVX512 = 3;

    /** The levels' names, by number. */
    static final String[] ISA_NAMES = {"scalar C", "SSE4.1", "AVX2", "AVX-512"};

    static final String PROPERTY = "org.mcm.codec.jpegxs.native";

    private static final int ABI = 2;
    private static final String FAILURE;
    private static final int BEST;

    static {
        String failure = null;
        int best = -1;
        try {
            if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
                failure = "turned off (-D" + PROPERTY + "=false)";
            } else {
                load();
                if (abiVersion() != ABI) {
                    failure = "libmcmjxs ABI " + abiVersion() + ", expected " + ABI;
                } else {
                    best = cpuIsa();
                }
            }
        } catch (Throwable t) { // UnsatisfiedLinkError, SecurityException, IOException
            failure = "no native JPEG XS helpers (" + t.getClass().getSimpleName() + "): " + t.getMessage();
        }
        FAILURE = failure;
        BEST = failure == null ? best : -1;
    }

    private JxsNative() {
    }

    private static void load() throws Exception {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsatisfiedLinkError("libmcmjxs is built for linux-x86-64 only, this is " + os + "/" + arch);
        }
        try {
            System.loadLibrary("mcmjxs"); // OSGi: the fragment's Bundle-NativeCode; else java.library.path
            return;
        } catch (UnsatisfiedLinkError notThere) {
            // outside OSGi: the fragment jar on the class path
        }
        URL url = JxsNative.class.getClassLoader().getResource("linux-x86-64/libmcmjxs.so");
        if (url == null) {
            throw new UnsatisfiedLinkError("libmcmjxs.so neither on java.library.path nor on the class path");
        }
        Path tmp = Files.createTempFile("libmcmjxs", ".so");
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            System.load(tmp.toAbsolutePath().toString());
        } finally {
            Files.deleteIfExists(tmp); // mapped already; nothing left behind
        }
    }

    static boolean available() {
        return FAILURE == null;
    }

    static String unavailableReason() {
        return FAILURE;
    }

    /** The best of {@link #ISA_AVX512}, {@link #ISA_AVX2}, {@link #ISA_SSE41}, {@link #ISA_SCALAR} this CPU has, or -1 without the library. */
    static int bestIsa() {
        return BEST;
    }

    /** The instruction set a decoder uses by default: the best, or -1 (pure Java). */
    static int defaultIsa() {
        return BEST;
    }

    static native int abiVersion();

    static native int cpuIsa();

    /**
     * Entropy decoding of slice s (see mcmjxs.c, part 2) into the coefficient bands: p its first precinct, end the
     * EOC marker's offset, plan the decoder's nativePlan. 0; -4 when the Java path must decode this slice (a tool
     * the C code lacks, or a stream that does not add up); another negative value for bad arguments.
     */
    static native int decodeSlice(int isa, byte[] buf, int p, int end, int s, int[] plan, int[][] coef);

    /**
     * The inverse wavelet of one component (see mcmjxs.c): bands = the lowest band, the horizontal-only levels'
     * bands, then HL, LH, HH of each 2-D level; dims their widths and heights interleaved; the last level's rows
     * scaled when scaleOn != 0. 0, or negative when the arguments do not add up (nothing written then).
     */
    static native int inverseComponent(int isa, int[][] bands, int[] dims, int nh, int nv, int[] img, int stride,
            int[] bufA, int[] bufB, int scaleOn, int add, int dz, int max);

    /**
     * The same inverse wavelet run row by row behind the slice decoding (see mcmjxs.c, part 1b): as far as avail
     * (the rows decoded so far of each band, in the bands' order) allows, the vertical lifting's state kept in
     * state between calls (at least {@link #rowStateLength} ints, the first 16 zeroed at the start of a frame).
     * At most two 2-D levels; bufA holds the low rows, bufB the first 2-D level's rows. The rows of the last stage
     * made so far (the component's height when done), or negative when the arguments do not add up.
     */
    static native int inverseRows(int isa, int[][] bands, int[] dims, int nh, int nv, int[] img, int stride,
            int[] bufA, int[] bufB, int scaleOn, int add, int dz, int max, int[] avail, int[] state);

    /** The ints inverseRows's state needs for a component of the given stride and 2-D levels. */
    static int rowStateLength(int stride, int nv) {
        return 16 + (4 * nv + 1) * (stride + 8);
    }

    // ---- encoder (mcmjxsenc.c) ----

    /**
     * The forward wavelet of one component with every band row rounded as it is made (see mcmjxsenc.c,
     * EncoderTransform.forwardComponent and roundRow): src holds h rows of w samples from srcOff (row stride
     * srcStride samples), scaled to the wavelet domain on the way when depth != 0; srcBytes 4: src is an int[],
     * srcOff in ints; 2 (16-bit little-endian) or 1 (8-bit): src is a byte[] or a direct ByteBuffer, srcOff in
     * bytes, always scaled; nh horizontal-only and nv 2-D levels;
     * bufA/bufB the low bands between the 2-D levels (stride w). The component's bands in Geometry's local order:
     * gcli (byte[]), gmax (int[]), coef (long[] packing words with deadzone quantization, flags bit 0, else int[]
     * rounded values), dims (per band: width, height, lines per precinct, first statistics row in a precinct);
     * stats the rate control's row statistics (statRows rows of hSize chars per precinct; flags bit 1: with the
     * bit lengths). 0, or negative when the arguments do not add up (nothing written then).
     */
    static native int forwardComponent(int isa, Object src, long srcOff, int srcStride, int srcBytes, int w, int h,
            int depth,
            int nh, int nv, int[] bufA, int[] bufB, byte[][] gcli, int[][] gmax, Object[] coef, int[] dims,
            char[] stats, int statRows, int hSize, int flags);

    /**
     * The rate control of precincts py0..py1-1 (see mcmjxsenc.c, part 3, and RateControl.planAll): plan is the rate
     * control's nativePlan, state its running state (next byte, bytes used, last Q, bytes available, off, Lcod; the
     * first three updated), the other arrays the encoder's statistics, bands (read with vertical prediction only)
     * and plan. Writes the SLH marker of every slice it starts. Returns how many precincts it planned (the caller
     * plans the others in Java, which throws where the C code stopped early), or a negative value for bad
     * arguments.
     */
    static native int planPrecincts(int isa, int[] plan, long[] state, int py0, int py1, byte[] out, char[] stats,
            byte[][] gcli, int[][] gmax, int[] prevGtl, int[] planQ, int[] planR, int[] planSize, int[] planPadded,
            int[] planOffset, byte[] planMode, int[] pktData, int[] pktCnt, int[] pktSign, boolean[] pktRaw);

    /**
     * Writes the planned precincts py0..py1-1 (deadzone quantization; see mcmjxsenc.c, part 2, and
     * PrecinctPacker.writePrecinct), each at planOffset and padded with zeros to planPadded: plan is the encoder's
     * nativePackPlan, the other arrays its plan and bands (per global band, null where none). Returns how many of
     * them it wrote as planned (the caller writes the others in Java), or a negative value for bad arguments.
     */
    static native int packPrecincts(int isa, byte[] out, int py0, int py1, int[] plan, int[] planQ, int[] planR,
            int[] planPadded, int[] planOffset, int[] planSize, byte[] planMode, int[] pktData, int[] pktCnt,
            int[] pktSign, boolean[] pktRaw, byte[][] gcli, int[][] gmax, long[][] words);
}
