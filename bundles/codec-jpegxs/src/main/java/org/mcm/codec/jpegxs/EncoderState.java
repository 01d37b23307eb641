package org.mcm.codec.jpegxs;

import java.util.concurrent.atomic.AtomicInteger;

import org.mcm.api.codec.CodecException;

/**
 * What the JPEG XS encoder's jobs share for one configuration: the settings checked and the geometry, the
 * quantized bands and their row statistics (written by {@link EncoderTransform}), the plan of every precinct
 * (written by {@link RateControl}, read by {@link PrecinctPacker}) and the counters that hand plans from the one to
 * the other across threads. Everything is allocated once here; encoding allocates nothing.
 */
final class EncoderState {

    static final int BW = 20, FQ = 8;
    /** Per band row statistics: bit-plane count histogram, 8-group maxima weighted by group count, bit lengths. */
    static final int H_GCLI = 0, H_GMAX = 16, H_BITS = 32;
    final JpegXsEncoder.Config cfg;
    final Geometry g;
    final int[] gain, prio;
    final int lcod;
    final int headerBytes;
    final boolean longHdr;
    final int maxQ, maxR;
    // per band, uniform quantization only: rounded coefficients (|v| < 2^15), the quantization input
    final int[][] mag;
    // per band, deadzone quantization: every group of 4 rounded coefficients as the word the packing writes from,
    // made while the wavelet row is in the cache: the magnitudes' bit-planes as nibbles (BitPlanes; 15 planes at
    // most, bits 0..59) and the signs (1 = negative, coefficient 0 in bit 63) in bits 60..63. For a truncation t
    // the group's data is (word & PLANES) >>> 4t, and a sign is sent for every coefficient left nonzero by it
    final long[][] words;
    static final long PLANES = (1L << 60) - 1;
    final boolean deadzone;
    final byte[][] gcli; // per band: bH * gw (counts are at most 15: bytes, a quarter of the memory traffic)
    final int[][] gmax; // per band: bH * sw, the largest count of every 8 groups (significance groups)
    // statistics of every band row, hSize entries each (see H_GCLI ...), in the order the rate control reads
    // them: precinct by precinct (the rows of all bands of a precinct together, see statRow); chars (every
    // entry is at most the band width, <= 16384) and the bit lengths only when they are used. The rate
    // control reads them long after the wavelet wrote them: so it reads one line per row instead of three, and
    // sequentially
    final char[] rowStats;
    final int[] statBase; // per band: first row of the band within a precinct's rows of statistics
    final int statRows; // rows of statistics per precinct
    final boolean statsBits; // row statistics hold the bit lengths (separate signs, deadzone quantization)
    final int hSize; // 48 with the bit lengths, else 32
    final int[] gw, sw;
    final int maxW, maxH;
    // rate control state
    final int[] gtl;
    final int[] modeOf; // coding mode D of every band in the current trial: bit 0 vpred, bit 1 sig
    // cost table per band line of the current precinct: [band][line][kind * 16 + gtli], kinds: 0 bit-plane count
    // bits without significance, 1 with significance (incl. flags), 2 data bits, 3 sign bits (Fs=1), 4 and 5 as
    // 0 and 1 but with vertical prediction (computed on demand, -1 until then)
    final int[][][] costs;
    final int rm; // Rm: 1 if significance under vertical prediction marks zero coefficients
    final boolean[] vpOk; // vertical prediction possible for the band in the precinct being planned
    final int[] prevGtl; // truncation of every band in the precinct planned before
    // the plan of every precinct, made by the rate control and carried out by the (parallel) writers
    final int[] planQ, planR, planSize, planPadded, planOffset;
    int lastQ; // Q of the precinct planned last
    // precincts planned so far / next precinct to write / planning failed (writers stop waiting)
    final AtomicInteger planned = new AtomicInteger();
    final AtomicInteger nextPack = new AtomicInteger();
    volatile boolean abortPack;
    final byte[] planMode; // [py * bandsAll + b]: D[p, b]
    final int[] pktData, pktCnt, pktSign; // [py * nPackets + k]; pktData < 0: packet absent
    final boolean[] pktRaw;
    Picture rctPlanes; // colour transform: the scaled, transformed planes
    // the native forward wavelet (JxsNative.forwardComponent): its instruction set or -1 (pure Java), the bands of
    // every component in Geometry's local order, and how many components it transformed (tests)
    int nativeIsa = JxsNative.defaultIsa();
    final byte[][][] nGcli;
    final int[][][] nGmax;
    final Object[][] nCoef;
    final int[][] nDims;
    final AtomicInteger nativeComponents = new AtomicInteger();
    final AtomicInteger nativeRawInPlace = new AtomicInteger(); // of them, read from a raw frame in place
    // the native packing (JxsNative.packPrecincts; deadzone quantization only): its plan (null: Java only) and how
    // many precincts it wrote (tests)
    final int[] nativePackPlan;
    final AtomicInteger nativePrecincts = new AtomicInteger();

    EncoderState(JpegXsEncoder.Config c) throws CodecException {
        this.cfg = c;
        int nc = c.components();
        if (c.width < 1 || c.height < 1 || c.width > Header.MAX_DIMENSION || c.height > Header.MAX_DIMENSION) {
            throw new CodecException("JPEG XS encoder: size " + c.width + "x" + c.height + " unsupported");
        }
        if (c.depth < 8 || c.depth > 12) {
            throw new CodecException("JPEG XS encoder: bit depth " + c.depth + " unsupported (8..12)");
        }
        if (c.decompH < 1 || c.decompH > 5 || c.decompV < 0 || c.decompV > 2 || c.decompV > c.decompH) {
            throw new CodecException("JPEG XS encoder: decomposition h=" + c.decompH + " v=" + c.decompV
                    + " unsupported (h 1..5, v 0..2, v<=h)");
        }
        if (!(c.bpp > 0) || c.bpp > 64) {
            throw new CodecException("JPEG XS encoder: bpp " + c.bpp + " unsupported");
        }
        if (c.colourTransform == 1 && (nc != 3 || c.sx[1] != 1 || c.sy[1] != 1)) {
            throw new CodecException("JPEG XS encoder: the colour transform needs 4:4:4");
        }
        if (c.vpred < 0 || c.vpred > 2) {
            throw new CodecException("JPEG XS encoder: vpred must be 0, 1 or 2");
        }
        if (c.threads < 1 || c.threads > 64) {
            throw new CodecException("JPEG XS encoder: threads must be 1..64");
        }
        int ph = 1 << c.decompV;
        int hsl = Math.max(1, (c.sliceHeight + ph - 1) / ph);
        g = new Geometry(nc, c.width, c.height, c.decompH, c.decompV, 0, c.sx, c.sy, 0, hsl);
        gain = new int[g.bandsAll];
        prio = new int[g.bandsAll];
        Weights.fill(g, gain, prio);
        int mg = 0, mp = 0;
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                mg = Math.max(mg, gain[b]);
                mp = Math.max(mp, prio[b]);
            }
        }
        maxQ = 16 + mg;
        maxR = mp + 1;
        lcod = (int) Math.ceil((double) c.width * c.height * c.bpp / 8.0 - 1e-9);
        headerBytes = 2 + 6 + 28 + (4 + 2 * nc) + (4 + 2 * g.bandsExist);
        longHdr = (long) c.width * nc >= 32752;
        deadzone = c.quantization == 0;
        mag = new int[g.bandsAll][];
        words = new long[g.bandsAll][];
        gcli = new byte[g.bandsAll][];
        gmax = new int[g.bandsAll][];
        statsBits = c.signs != 0 && c.quantization == 0;
        hSize = statsBits ? 48 : 32;
        statBase = new int[g.bandsAll];
        int sr = 0;
        gw = new int[g.bandsAll];
        sw = new int[g.bandsAll];
        costs = new int[g.bandsAll][][];
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                gw[b] = (g.bW[b] + 3) >> 2;
                if (deadzone) {
                    words[b] = new long[gw[b] * g.bH[b]];
                } else {
                    mag[b] = new int[g.bW[b] * g.bH[b]];
                }
                sw[b] = (gw[b] + 7) >> 3;
                gcli[b] = new byte[gw[b] * g.bH[b]];
                gmax[b] = new int[sw[b] * g.bH[b]];
                statBase[b] = sr;
                sr += g.bLines[b];
                costs[b] = new int[g.bLines[b]][96];
            }
        }
        statRows = sr;
        rowStats = new char[g.npy * sr * hSize];
        int mw = 0, mh = 0;
        for (int k = 0; k < nc; k++) {
            mw = Math.max(mw, g.compW[k]);
            mh = Math.max(mh, g.compH[k]);
        }
        maxW = mw;
        maxH = mh;
        gtl = new int[g.bandsAll];
        modeOf = new int[g.bandsAll];
        rm = c.vpred == 2 ? 1 : 0;
        vpOk = new boolean[g.bandsAll];
        prevGtl = new int[g.bandsAll];
        planQ = new int[g.npy];
        planR = new int[g.npy];
        planSize = new int[g.npy];
        planPadded = new int[g.npy];
        planOffset = new int[g.npy];
        planMode = new byte[g.npy * g.bandsAll];
        pktData = new int[g.npy * g.nPackets];
        pktCnt = new int[g.npy * g.nPackets];
        pktSign = new int[g.npy * g.nPackets];
        pktRaw = new boolean[g.npy * g.nPackets];
        nGcli = new byte[nc][][];
        nGmax = new int[nc][][];
        nCoef = new Object[nc][];
        nDims = new int[nc][];
        for (int k = 0; k < nc; k++) {
            int n = g.nb[k];
            nGcli[k] = new byte[n][];
            nGmax[k] = new int[n][];
            nCoef[k] = new Object[n];
            nDims[k] = new int[4 * n];
            for (int j = 0; j < n; j++) {
                int b = g.global[k][j];
                nGcli[k][j] = gcli[b];
                nGmax[k][j] = gmax[b];
                nCoef[k][j] = deadzone ? words[b] : mag[b];
                nDims[k][4 * j] = g.bW[b];
                nDims[k][4 * j + 1] = g.bH[b];
                nDims[k][4 * j + 2] = g.bLines[b];
                nDims[k][4 * j + 3] = statBase[b];
            }
        }
        nativePackPlan = deadzone ? packPlan() : null;
        long minimal = headerBytes + 6L * g.slices + 2 + (long) g.npy * g.precinctHeaderBytes;
        if (minimal > lcod) {
            throw new CodecException("JPEG XS encoder: " + c.bpp + " bpp is too low for " + c.width + "x" + c.height);
        }
    }

    /**
     * The packing plan of mcmjxsenc.c (part 2): bandsAll, nPackets, npy, precinct header bytes, long packet headers,
     * Fs, Rm, vpred; per band exists, height, lines per precinct, gw, sw, gain, priority; per packet its line, first
     * and end band.
     */
    private int[] packPlan() {
        return nativePlan(8, 7);
    }

    /**
     * A plan for mcmjxsenc.c of {@code ph} header and {@code pb} band entries (at least 8 and 7) with the part every
     * plan shares filled: the packing plan's header fields, its fields of each band, the packet table after the
     * bands. The caller fills the entries past those.
     */
    int[] nativePlan(int ph, int pb) {
        int[] p = new int[ph + pb * g.bandsAll + 3 * g.nPackets];
        p[0] = g.bandsAll;
        p[1] = g.nPackets;
        p[2] = g.npy;
        p[3] = g.precinctHeaderBytes;
        p[4] = longHdr ? 1 : 0;
        p[5] = cfg.signs;
        p[6] = rm;
        p[7] = cfg.vpred;
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                int o = ph + pb * b;
                p[o] = 1;
                p[o + 1] = g.bH[b];
                p[o + 2] = g.bLines[b];
                p[o + 3] = gw[b];
                p[o + 4] = sw[b];
                p[o + 5] = gain[b];
                p[o + 6] = prio[b];
            }
        }
        g.writePacketTable(p, ph + pb * g.bandsAll);
        return p;
    }

    /** A picture of the encoder's shape to fill with samples. */
    Picture newPicture() {
        Picture p = new Picture(g.nc, g.compW, g.compH);
        p.depth = cfg.depth;
        return p;
    }

    /** The truncation of every band for quantization q and refinement r. */
    void setTruncation(int[] t, int q, int r) {
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                int v = q - gain[b] - (prio[b] < r ? 1 : 0);
                t[b] = v < 0 ? 0 : Math.min(v, 15);
            }
        }
    }

    /** Bit-plane count of a group from its packing word: 1 + the index of the highest nonzero nibble. */
    static int countOf(long word) {
        return ((63 - Long.numberOfLeadingZeros(word & PLANES)) >> 2) + 1;
    }

    /** The coefficients of a packing word left nonzero by the planes x = (word & PLANES) >>> 4t: bit 3 - j for j. */
    static int nonzero(long x) {
        x |= x >>> 32;
        x |= x >>> 16;
        x |= x >>> 8;
        x |= x >>> 4;
        return (int) x & 0xF;
    }

    /** Row of the statistics of row y of band b. */
    int statRow(int b, int y) {
        int l = g.bLines[b];
        int py = y / l;
        return py * statRows + statBase[b] + (y - py * l);
    }

    /** The unary symbol of a vertical prediction residual delta when the residual cannot go below -thr. */
    static int vpredSymbol(int delta, int thr) {
        if (delta > thr) {
            return delta + thr;
        }
        if (delta > 0) {
            return 2 * delta;
        }
        return delta < 0 ? -2 * delta - 1 : 0;
    }

    /** Quantized magnitude index (value >> gtli) of magnitude a in a group with bit-plane count gc. */
    int quantize(int a, int gc, int t) {
        if (cfg.quantization == 0) {
            return a >> t;
        }
        int s = gc - t + 1;
        long d = (((long) a << s) - a + (1L << gc)) >> (gc + 1);
        return (int) d;
    }
}
