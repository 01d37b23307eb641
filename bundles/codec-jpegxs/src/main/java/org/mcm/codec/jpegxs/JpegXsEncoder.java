package org.mcm.codec.jpegxs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

import org.mcm.api.codec.CodecException;

/**
 * JPEG XS encoder (ISO/IEC 21122-1): 5/3 DWT, deadzone or uniform quantization, bit-plane counts coded raw, from
 * zero or (optionally) predicted from the line above, whichever is smaller per band and precinct, with optional
 * significance flags, signs interleaved or separate (Fs), and constant-bitrate rate control per
 * precinct (quantization Q and refinement R searched against a running byte budget) so that every codestream is
 * exactly {@code ceil(W*H*bpp/8)} bytes, as Lcod says. Not thread-safe; with {@code threads > 1} it uses its own
 * small pool for the wavelet transform (components) and the packing (precincts), with identical output.
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

    private static final int BW = 20, FQ = 8;
    /** Per band row statistics: bit-plane count histogram, 8-group maxima weighted by group count, bit lengths. */
    private static final int H_GCLI = 0, H_GMAX = 16, H_BITS = 32;
    private final Config cfg;
    private final Geometry g;
    private final int[] gain, prio;
    private final int lcod;
    private final int headerBytes;
    private final boolean longHdr;
    private final int maxQ, maxR;
    // per band, uniform quantization only: rounded coefficients (|v| < 2^15), the quantization input
    private final int[][] mag;
    // per band, deadzone quantization: every group of 4 rounded coefficients as the word the packing writes from,
    // made while the wavelet row is in the cache: the magnitudes' bit-planes as nibbles (BitPlanes; 15 planes at
    // most, bits 0..59) and the signs (1 = negative, coefficient 0 in bit 63) in bits 60..63. For a truncation t
    // the group's data is (word & PLANES) >>> 4t, and a sign is sent for every coefficient left nonzero by it
    private final long[][] words;
    private static final long PLANES = (1L << 60) - 1;
    private final boolean deadzone;
    private final byte[][] gcli; // per band: bH * gw (counts are at most 15: bytes, a quarter of the memory traffic)
    private final int[][] gmax; // per band: bH * sw, the largest count of every 8 groups (significance groups)
    // statistics of every band row, hSize entries each (see H_GCLI ...), in the order the rate control reads
    // them: precinct by precinct (the rows of all bands of a precinct together, see statRow); chars (every
    // entry is at most the band width, <= 16384) and the bit lengths only when they are used. The rate
    // control reads them long after the wavelet wrote them: so it reads one line per row instead of three, and
    // sequentially
    private final char[] rowStats;
    private final int[] statBase; // per band: first row of the band within a precinct's rows of statistics
    private final int statRows; // rows of statistics per precinct
    private final boolean statsBits; // row statistics hold the bit lengths (separate signs, deadzone quantization)
    private final int hSize; // 48 with the bit lengths, else 32
    private final int[] gw, sw;
    private final int maxW, maxH;
    // rate control state
    private final int[] gtl;
    private final int[] modeOf; // coding mode D of every band in the current trial: bit 0 vpred, bit 1 sig
    // cost table per band line of the current precinct: [band][line][kind * 16 + gtli], kinds: 0 bit-plane count
    // bits without significance, 1 with significance (incl. flags), 2 data bits, 3 sign bits (Fs=1), 4 and 5 as
    // 0 and 1 but with vertical prediction (computed on demand, -1 until then)
    private final int[][][] costs;
    private final int rm; // Rm: 1 if significance under vertical prediction marks zero coefficients
    private final boolean[] vpOk; // vertical prediction possible for the band in the precinct being planned
    private final int[] prevGtl; // truncation of every band in the precinct planned before
    // the plan of every precinct, made by the rate control and carried out by the (parallel) writers
    private final int[] planQ, planR, planSize, planPadded, planOffset;
    private int lastQ; // Q of the precinct planned last
    // precincts planned so far / next precinct to write / planning failed (writers stop waiting)
    private final java.util.concurrent.atomic.AtomicInteger planned = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger nextPack = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean abortPack;
    private final byte[] planMode; // [py * bandsAll + b]: D[p, b]
    private final int[] pktData, pktCnt, pktSign; // [py * nPackets + k]; pktData < 0: packet absent
    private final boolean[] pktRaw;
    // threads
    private final int threads;
    private final Worker[] workers;
    private ExecutorService pool;
    private Picture rctPlanes; // colour transform: the scaled, transformed planes

    /** Per-thread scratch: wavelet buffers (allocated on first use) and a bit writer. */
    private final class Worker {
        int[] bufA, bufB, lRow, work;
        SampleSource.Scratch scratch;
        int[] rowHl, rowLh, rowHh, abs; // one row of each band of a level, magnitudes of a row
        int[][] inRows, hRows; // 3 input rows, 2 H rows of a forward level (separate arrays: C2 vectorizes)
        final int[] hist = new int[64]; // 4 interleaved bit-plane count histograms of a row
        final BitWriter bw = new BitWriter();
        final int[] gtl = new int[g.bandsAll];
        final int[] gtlTop = new int[g.bandsAll];

        void dwtBuffers() {
            if (bufA == null) {
                bufA = new int[((maxH + 1) / 2) * maxW];
                bufB = new int[((maxH + 1) / 2) * maxW];
                lRow = new int[maxW];
                rowHl = new int[maxW];
                inRows = new int[][] {new int[maxW], new int[maxW], new int[maxW]};
                hRows = new int[][] {new int[maxW], new int[maxW]};
                rowLh = new int[maxW];
                rowHh = new int[maxW];
                abs = new int[maxW];
            }
        }
    }

    /** A unit of parallel work. */
    private interface Task {
        void run(int index, Worker w) throws CodecException;
    }

    public JpegXsEncoder(Config c) throws CodecException {
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
        threads = c.threads;
        workers = new Worker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Worker();
        }
        long minimal = headerBytes + 6L * g.slices + 2 + (long) g.npy * g.precinctHeaderBytes;
        if (minimal > lcod) {
            throw new CodecException("JPEG XS encoder: " + c.bpp + " bpp is too low for " + c.width + "x" + c.height);
        }
    }

    /** Exact size of every codestream (Lcod). */
    public int codestreamSize() {
        return lcod;
    }

    /** A picture of the right shape to fill with samples. */
    public Picture newPicture() {
        Picture p = new Picture(g.nc, g.compW, g.compH);
        p.depth = cfg.depth;
        return p;
    }

    /** Stops the worker threads (if {@code threads > 1}); the encoder must not be used afterwards. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }

    /**
     * Encodes the picture into out[off..off+codestreamSize()). Three phases: the wavelet transform and the per-row
     * statistics (components in parallel), the rate control (sequential, it carries a byte budget from precinct to
     * precinct, but only reads the statistics), and the writing of the precincts (in parallel, every precinct's
     * offset is known by then).
     */
    public int encode(Picture pic, byte[] out, int off) throws CodecException {
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
        return g.compW[c];
    }

    /** Height of component c in samples. */
    int componentHeight(int c) {
        return g.compH[c];
    }

    /**
     * Encodes the picture that src reads (see {@link #encode(Picture, byte[], int)}); the samples are read row by
     * row as the wavelet needs them, straight from the source's layout.
     */
    int encode(SampleSource src, byte[] out, int off) throws CodecException {
        if (out.length - off < lcod) {
            throw new CodecException("JPEG XS encoder: output buffer too small (" + (out.length - off) + " < " + lcod + ")");
        }
        transform(src);
        int p = writeHeader(out, off);
        // the rate control plans the precincts one after another (it carries the byte budget); every planned
        // precinct can be written at once, so with more threads the others write precincts while it plans, and
        // the planning thread joins them when it is done
        planned.set(0);
        nextPack.set(0);
        abortPack = false;
        List<Future<?>> fs = new ArrayList<>();
        if (threads > 1 && g.npy > 1) {
            for (int t = 1; t < Math.min(threads, g.npy); t++) {
                final Worker w = workers[t];
                fs.add(pool().submit(() -> {
                    packLoop(w, out);
                    return null;
                }));
            }
        }
        try {
            p = planAll(out, off, p);
            if (p + 2 - off != lcod) {
                throw new CodecException("JPEG XS encoder: rate control missed the target (" + (p + 2 - off) + " != "
                        + lcod + "); the rate is too low for this picture");
            }
            out[p] = (byte) 0xFF;
            out[p + 1] = 0x11;
            packLoop(workers[0], out);
        } catch (CodecException | RuntimeException | Error e) {
            abortPack = true;
            try {
                join(fs);
            } catch (CodecException | RuntimeException | Error ignored) {
                // the first failure is reported
            }
            throw e;
        }
        join(fs);
        return lcod;
    }

    /** Plans every precinct (and writes the SLH markers); returns the position of EOC. */
    private int planAll(byte[] out, int off, int p) throws CodecException {
        long available = lcod - (p - off) - 6L * g.slices - 2;
        long nPrec = g.npy;
        long used = 0;
        int precinct = 0;
        lastQ = 0; // every codestream is planned the same way, whatever was encoded before
        for (int s = 0; s < g.slices; s++) {
            if (p + 8 - off > lcod) {
                throw new CodecException("JPEG XS encoder: rate control overran Lcod=" + lcod
                        + " before slice " + s + "; the rate is too low for this picture");
            }
            out[p] = (byte) 0xFF;
            out[p + 1] = 0x20;
            out[p + 2] = 0;
            out[p + 3] = 4;
            out[p + 4] = (byte) (s >> 8);
            out[p + 5] = (byte) s;
            p += 6;
            int rows = Math.min(g.hsl, g.npy - s * g.hsl);
            for (int r = 0; r < rows; r++, precinct++) {
                int py = s * g.hsl + r;
                long target = available * (precinct + 1) / nPrec;
                long budget = target - used;
                boolean last = precinct == nPrec - 1;
                planPrecinct(py, budget, last);
                planOffset[py] = p;
                used += planPadded[py];
                p += planPadded[py];
                if (p - off > lcod) {
                    throw new CodecException("JPEG XS encoder: rate control overran Lcod=" + lcod + " at precinct "
                            + py + "; the rate is too low for this picture");
                }
                planned.set(py + 1); // publishes the plan of py to the writers
            }
        }
        return p;
    }

    /** Writes planned precincts, taking the next unwritten one each time, until all are taken. */
    private void packLoop(Worker w, byte[] out) {
        final int n = g.npy;
        for (int py = nextPack.getAndIncrement(); py < n; py = nextPack.getAndIncrement()) {
            int spins = 0;
            while (planned.get() <= py) {
                if (abortPack) {
                    return;
                }
                if (++spins < 200) {
                    Thread.onSpinWait();
                } else { // a precinct is planned in ~8 us: poll without burning a core that others may need
                    LockSupport.parkNanos(20_000);
                }
            }
            int at = planOffset[py];
            int written = writePrecinct(py, w, out, at);
            if (written != planSize[py]) {
                throw new IllegalStateException("JPEG XS encoder: size model " + planSize[py] + " != written "
                        + written);
            }
            Arrays.fill(out, at + written, at + planPadded[py], (byte) 0);
        }
    }

    private ExecutorService pool() {
        if (pool == null) {
            pool = Tasks.pool(threads, "jpegxs-enc");
        }
        return pool;
    }

    private static void join(List<Future<?>> fs) throws CodecException {
        Tasks.join(fs, null, "JPEG XS encoder");
    }

    /** Runs task(0..n-1), on the pool when there is more than one. */
    private void parallel(int n, Task task) throws CodecException {
        if (n <= 1 || threads == 1) {
            for (int i = 0; i < n; i++) {
                task.run(i, workers[0]);
            }
            return;
        }
        pool();
        List<Future<?>> fs = new ArrayList<>(n);
        for (int i = 1; i < n; i++) {
            final int index = i;
            fs.add(pool.submit(() -> {
                task.run(index, workers[index]);
                return null;
            }));
        }
        CodecException first = null;
        try {
            task.run(0, workers[0]); // the calling thread does part 0
        } catch (CodecException e) {
            first = e;
        }
        Tasks.join(fs, first, "JPEG XS encoder");
    }

    private int writeHeader(byte[] o, int off) {
        int p = off;
        int nc = g.nc;
        p = put16(o, p, Header.SOC);
        p = put16(o, p, Header.CAP);
        p = put16(o, p, 4);
        boolean c420 = false;
        for (int c = 0; c < nc; c++) {
            c420 |= g.sy[c] > 1;
        }
        int cap = (c420 ? 0x0800 : 0) | 0x0080; // bit 4: sy > 1 present; bit 8: raw-mode switch (Rl = 1)
        p = put16(o, p, cap);
        p = put16(o, p, Header.PIH);
        p = put16(o, p, 26);
        p = put16(o, p, lcod >>> 16);
        p = put16(o, p, lcod & 0xFFFF);
        p = put16(o, p, 0); // Ppih
        p = put16(o, p, 0); // Plev
        p = put16(o, p, g.wf);
        p = put16(o, p, g.hf);
        p = put16(o, p, 0); // Cw
        p = put16(o, p, g.hsl);
        o[p++] = (byte) nc;
        o[p++] = 4; // Ng
        o[p++] = 8; // Ss
        o[p++] = (byte) BW;
        o[p++] = (byte) ((FQ << 4) | 4); // Fq, Br
        o[p++] = (byte) cfg.colourTransform; // Fslc=0, Ppoc=0, Cpih
        o[p++] = (byte) ((g.nlx << 4) | g.nly);
        o[p++] = (byte) (((longHdr ? 1 : 0) << 7) | (1 << 6) | (cfg.quantization << 4) | (cfg.signs << 2) | rm);
        p = put16(o, p, Header.CDT);
        p = put16(o, p, 2 + 2 * nc);
        for (int c = 0; c < nc; c++) {
            o[p++] = (byte) cfg.depth;
            o[p++] = (byte) ((g.sx[c] << 4) | g.sy[c]);
        }
        p = put16(o, p, Header.WGT);
        p = put16(o, p, 2 + 2 * g.bandsExist);
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                o[p++] = (byte) gain[b];
                o[p++] = (byte) prio[b];
            }
        }
        return p;
    }

    private static int put16(byte[] o, int p, int v) {
        o[p] = (byte) (v >> 8);
        o[p + 1] = (byte) v;
        return p + 2;
    }

    // ---------------------------------------------------------------- transform

    private void transform(SampleSource source) throws CodecException {
        final int nc = g.nc;
        SampleSource in = source;
        if (cfg.colourTransform == 1) { // needs all three components of a sample at once: whole planes
            int n = g.compW[0] * g.compH[0];
            if (rctPlanes == null) {
                rctPlanes = newPicture();
            }
            int[][] planes = rctPlanes.planes;
            SampleSource.Scratch scratch = new SampleSource.Scratch(maxW);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < g.compH[c]; y++) {
                    source.row(c, y, planes[c], y * g.compW[c], g.compW[c], scratch);
                }
                // scale first, then RCT on the scaled values (the decoder inverts RCT before output scaling)
                scaleInput(planes[c], planes[c], n);
            }
            Rct.forward(planes[0], planes[1], planes[2], n);
            in = SampleSource.of(rctPlanes);
        }
        final SampleSource src = in;
        final int parts = Math.min(threads, nc);
        final int[] owner = Tasks.byComponent(g, parts);
        parallel(parts, (part, w) -> {
            w.dwtBuffers();
            for (int c = 0; c < nc; c++) {
                if (owner[c] != part) {
                    continue;
                }
                forwardComponent(c, w, src, cfg.colourTransform == 0);
            }
        });
    }

    /**
     * Rounds row y of band b, given as wavelet values in in[0..] (overwritten), to integers (Fq fractional bits dropped, magnitude
     * at most 15 bits) into the band, computes the bit-plane count of every group of 4 and the statistics of the row
     * that the rate control needs. Called as soon as the wavelet has made the row, while it is in the cache.
     */
    private void roundRow(int b, int y, int[] in, Worker wk) {
        final byte[] gc = gcli[b];
        final char[] st = rowStats;
        final int[] abs = wk.abs;
        final int width = g.bW[b], groups = gw[b], full = width >> 2;
        final int half = 1 << (FQ - 1);
        final int go = y * groups;
        // loops with one store each, no Math.min, all indexes with the same offset: so C2 vectorizes them
        if (deadzone) { // in place (in is scratch): min(rounded |v|, 0x7FFF) with the sign in bit 15
            for (int x = 0; x < width; x++) {
                int v = in[x];
                int s = v >> 31;
                int d = (((v ^ s) - s + half) >> FQ) - 0x7FFF;
                in[x] = (0x7FFF + (d & (d >> 31))) | ((v >>> 31) << 15);
            }
        } else {
            for (int x = 0; x < width; x++) {
                int v = in[x];
                int s = v >> 31;
                int d = (((v ^ s) - s + half) >> FQ) - 0x7FFF;
                abs[x] = 0x7FFF + (d & (d >> 31)); // min(rounded |v|, 0x7FFF)
            }
            for (int x = 0; x < width; x++) {
                int s = in[x] >> 31;
                in[x] = (abs[x] ^ s) - s;
            }
            System.arraycopy(in, 0, mag[b], y * width, width);
        }
        // statistics of the row; the count histogram in 4 interleaved parts (no chain of increments of one cell)
        final int so = statRow(b, y) * hSize;
        final int[] hist = wk.hist;
        Arrays.fill(hist, 0);
        Arrays.fill(st, so, so + hSize, (char) 0);
        final int[] gm = gmax[b];
        final int mo = y * sw[b];
        int j = 0;
        if (deadzone) {
            // whole blocks of 8 groups: the packing words, the counts from them (the highest nonzero nibble), into
            // the histogram and the maximum
            final long[] wd = words[b];
            final long[] sp = BitPlanes.SPREAD16;
            for (; j + 8 <= full; j += 8) {
                int max = 0;
                for (int q = 0; q < 8; q++) {
                    final int i = 4 * (j + q);
                    final long word = (sp[in[i]] << 3) | (sp[in[i + 1]] << 2) | (sp[in[i + 2]] << 1) | sp[in[i + 3]];
                    wd[go + j + q] = word;
                    final int v = countOf(word);
                    gc[go + j + q] = (byte) v;
                    hist[((q & 3) << 4) + v]++;
                    max = Math.max(max, v);
                }
                st[so + H_GMAX + max] += 8;
                gm[mo + (j >> 3)] = max;
            }
            for (int k = j; k < groups; k++) { // the rest; the last group may be partial (missing coefficients 0)
                long word = 0;
                for (int x = 4 * k; x < Math.min(width, 4 * k + 4); x++) {
                    word |= sp[in[x]] << (3 - (x & 3));
                }
                wd[go + k] = word;
                gc[go + k] = (byte) countOf(word);
            }
        } else {
            // whole blocks of 8 groups: the counts straight from the magnitudes, into the histogram and the maximum
            for (; j + 8 <= full; j += 8) {
                final int i = 4 * j, o = go + j;
                int v0 = 32 - Integer.numberOfLeadingZeros(abs[i] | abs[i + 1] | abs[i + 2] | abs[i + 3]);
                int v1 = 32 - Integer.numberOfLeadingZeros(abs[i + 4] | abs[i + 5] | abs[i + 6] | abs[i + 7]);
                int v2 = 32 - Integer.numberOfLeadingZeros(abs[i + 8] | abs[i + 9] | abs[i + 10] | abs[i + 11]);
                int v3 = 32 - Integer.numberOfLeadingZeros(abs[i + 12] | abs[i + 13] | abs[i + 14] | abs[i + 15]);
                int v4 = 32 - Integer.numberOfLeadingZeros(abs[i + 16] | abs[i + 17] | abs[i + 18] | abs[i + 19]);
                int v5 = 32 - Integer.numberOfLeadingZeros(abs[i + 20] | abs[i + 21] | abs[i + 22] | abs[i + 23]);
                int v6 = 32 - Integer.numberOfLeadingZeros(abs[i + 24] | abs[i + 25] | abs[i + 26] | abs[i + 27]);
                int v7 = 32 - Integer.numberOfLeadingZeros(abs[i + 28] | abs[i + 29] | abs[i + 30] | abs[i + 31]);
                gc[o] = (byte) v0;
                gc[o + 1] = (byte) v1;
                gc[o + 2] = (byte) v2;
                gc[o + 3] = (byte) v3;
                gc[o + 4] = (byte) v4;
                gc[o + 5] = (byte) v5;
                gc[o + 6] = (byte) v6;
                gc[o + 7] = (byte) v7;
                hist[v0]++;
                hist[16 + v1]++;
                hist[32 + v2]++;
                hist[48 + v3]++;
                hist[v4]++;
                hist[16 + v5]++;
                hist[32 + v6]++;
                hist[48 + v7]++;
                int max = Math.max(Math.max(Math.max(v0, v1), Math.max(v2, v3)), Math.max(Math.max(v4, v5),
                        Math.max(v6, v7)));
                st[so + H_GMAX + max] += 8;
                gm[mo + (j >> 3)] = max;
            }
            for (int k = j; k < full; k++) {
                gc[go + k] = (byte) (32 - Integer.numberOfLeadingZeros(abs[4 * k] | abs[4 * k + 1] | abs[4 * k + 2]
                        | abs[4 * k + 3]));
            }
            if (full < groups) {
                int or = 0;
                for (int x = 4 * full; x < width; x++) {
                    or |= abs[x];
                }
                gc[go + full] = (byte) (32 - Integer.numberOfLeadingZeros(or));
            }
        }
        for (; j < groups; j += 8) {
            int e = Math.min(groups, j + 8);
            int max = 0;
            for (int k = j; k < e; k++) {
                int v = gc[go + k];
                hist[((k & 3) << 4) + v]++;
                max = Math.max(max, v);
            }
            st[so + H_GMAX + max] += e - j;
            gm[mo + (j >> 3)] = max;
        }
        for (int v = 0; v < 16; v++) {
            st[so + H_GCLI + v] = (char) (hist[v] + hist[16 + v] + hist[32 + v] + hist[48 + v]);
        }
        if (statsBits) { // (deadzone only)
            for (int x = 0; x < width; x++) {
                st[so + H_BITS + 32 - Integer.numberOfLeadingZeros(in[x] & 0x7FFF)]++;
            }
        }
    }

    /** Bit-plane count of a group from its packing word: 1 + the index of the highest nonzero nibble. */
    private static int countOf(long word) {
        return ((63 - Long.numberOfLeadingZeros(word & PLANES)) >> 2) + 1;
    }

    /** The coefficients of a packing word left nonzero by the planes x = (word & PLANES) >>> 4t: bit 3 - j for j. */
    private static int nonzero(long x) {
        x |= x >>> 32;
        x |= x >>> 16;
        x |= x >>> 8;
        x |= x >>> 4;
        return (int) x & 0xF;
    }

    /** Row of the statistics of row y of band b. */
    private int statRow(int b, int y) {
        int l = g.bLines[b];
        int py = y / l;
        return py * statRows + statBase[b] + (y - py * l);
    }

    private void scaleInput(int[] src, int[] dst, int n) {
        scaleInput(src, 0, dst, 0, n);
    }

    /** Samples to the wavelet domain: Bw-bit values centred on zero. */
    private void scaleInput(int[] src, int so, int[] dst, int dO, int n) {
        int shift = BW - cfg.depth;
        int offset = 1 << (BW - 1);
        int mask = (1 << cfg.depth) - 1;
        for (int i = 0; i < n; i++) {
            dst[dO + i] = ((src[so + i] & mask) << shift) - offset;
        }
    }

    /**
     * Forward wavelet of component c from its plane (scaled to the wavelet domain on the way if scale): the 2-D
     * levels a few rows at a time from the full resolution down (low bands ping-pong between the worker's two
     * buffers, stride compW), then the horizontal-only levels in place, then the lowest band.
     */
    private void forwardComponent(int c, Worker wk, SampleSource source, boolean scale) {
        final int stride = g.compW[c];
        int curW = g.compW[c], curH = g.compH[c];
        int[] gl = g.global[c];
        int i = g.nb[c] - 1;
        if (wk.scratch == null) {
            wk.scratch = new SampleSource.Scratch(maxW);
        }
        final SampleSource.Scratch scratch = wk.scratch;
        final int mask = scale ? (1 << cfg.depth) - 1 : -1;
        final int shift = scale ? BW - cfg.depth : 0;
        final int offset = scale ? 1 << (BW - 1) : 0;
        // the source's rows, scaled to the wavelet domain on the way
        final Dwt53.Rows sourceRows = (y, dst, dOff) -> {
            source.row(c, y, dst, dOff, stride, scratch);
            if (scale) {
                for (int x = dOff; x < dOff + stride; x++) { // in place, one offset: C2 vectorizes it
                    dst[x] = ((dst[x] & mask) << shift) - offset;
                }
            }
        };
        int[] cur;
        if (g.dv[c] == 0) {
            if (wk.work == null) {
                wk.work = new int[maxW * maxH];
            }
            cur = wk.work;
            for (int y = 0; y < curH; y++) {
                sourceRows.load(y, cur, y * stride);
            }
        } else {
            cur = null;
        }
        for (int k = 0; k < g.dv[c]; k++, i -= 3) {
            final int bHl = gl[i - 2], bLh = gl[i - 1], bHh = gl[i];
            final int[] prev = cur;
            final int w = curW;
            Dwt53.Rows rows = prev == null ? sourceRows
                    : (y, dst, dOff) -> System.arraycopy(prev, y * stride, dst, dOff, w);
            int[] out = (k & 1) == 0 ? wk.bufA : wk.bufB;
            final int[] rHl = wk.rowHl, rLh = wk.rowLh, rHh = wk.rowHh;
            Dwt53.forwardLevel(rows, curW, curH, out, stride, rHl, rLh, rHh, wk.inRows, wk.hRows, wk.lRow,
                    (band, y) -> {
                        if (band == 0) {
                            roundRow(bHl, y, rHl, wk);
                        } else if (band == 1) {
                            roundRow(bLh, y, rLh, wk);
                        } else {
                            roundRow(bHh, y, rHh, wk);
                        }
                    });
            cur = out;
            curW = (curW + 1) >> 1;
            curH = (curH + 1) >> 1;
        }
        final int[] row = wk.lRow;
        for (int k = g.dv[c]; k < g.dh[c]; k++, i--) {
            int lw = (curW + 1) >> 1, hw = curW >> 1;
            final int[] hb = wk.rowHl;
            for (int y = 0; y < curH; y++) {
                Dwt53.forward(cur, y * stride, row, 0, hb, 0, curW);
                System.arraycopy(row, 0, cur, y * stride, lw);
                roundRow(gl[i], y, hb, wk);
            }
            curW = lw;
        }
        for (int y = 0; y < curH; y++) {
            System.arraycopy(cur, y * stride, wk.rowHl, 0, curW);
            roundRow(gl[0], y, wk.rowHl, wk);
        }
    }

    // ---------------------------------------------------------------- rate control

    private void setTruncation(int[] t, int q, int r) {
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                int v = q - gain[b] - (prio[b] < r ? 1 : 0);
                t[b] = v < 0 ? 0 : Math.min(v, 15);
            }
        }
    }

    /** The cost tables of every band line of precinct row py, for all 16 truncation values at once. */
    private void buildCosts(int py) {
        // vertical prediction: not in the first precinct row of a slice (nothing above within the slice)
        boolean vp = cfg.vpred != 0 && py % g.hsl != 0;
        for (int b = 0; b < g.bandsAll; b++) {
            if (!g.exists[b]) {
                continue;
            }
            int lines = g.linesIn(b, py);
            vpOk[b] = vp;
            for (int l = 0; l < lines; l++) {
                int y = py * g.bLines[b] + l;
                fillCosts(b, y, costs[b][l]);
                if (vp) {
                    Arrays.fill(costs[b][l], 64, 96, -1);
                }
                if (cfg.signs != 0 && cfg.quantization != 0) {
                    uniformSignCosts(b, y, costs[b][l]);
                }
            }
        }
    }

    /**
     * From the row statistics: with d = max(gcli - t, 0), the counts cost sum(d + 1) bits without significance
     * coding; with it, the flags plus sum(d + 1) over the significant 8-groups (a group is significant iff its
     * maximum exceeds t, and insignificant groups have d = 0 throughout); the data 4d bits per group (+4 signs when
     * interleaved); separate signs one bit per coefficient whose deadzone index a >> t is nonzero.
     */
    private void fillCosts(int b, int y, int[] m) {
        final char[] st = rowStats;
        final int so = statRow(b, y) * hSize;
        final int n = gw[b];
        final int signBits = cfg.signs == 0 ? 4 : 0;
        int above = 0, excess = 0, sigGroups = 0, signs = 0;
        for (int t = 15; t >= 0; t--) {
            if (t < 15) {
                above += st[so + H_GCLI + t + 1];
                sigGroups += st[so + H_GMAX + t + 1];
                if (statsBits) {
                    signs += st[so + H_BITS + t + 1];
                }
            }
            excess += above; // sum over groups of max(gcli - t, 0)
            m[t] = n + excess;
            m[16 + t] = sw[b] + excess + sigGroups;
            m[32 + t] = 4 * excess + signBits * above;
            m[48 + t] = signs;
        }
    }

    /**
     * Bits of the bit-plane counts of band row y under vertical prediction with truncation t, the row above
     * (already coded with truncation tTop) as predictor: into m[64 + t] without, m[80 + t] with significance flags.
     * The decoder keeps max(count, truncation) of every group, so that is what is predicted and what is coded.
     */
    private void vpredCosts(int b, int y, int t, int tTop, int[] m) {
        final byte[] gc = gcli[b];
        final int n = gw[b];
        final int base = y * n, up = base - n;
        final int tt = Math.max(t, tTop);
        final int[] gm = gmax[b];
        final int mo = y * sw[b];
        int plain = 0, sig = sw[b];
        for (int j = 0; j < n; j += 8) {
            int e = Math.min(n, j + 8);
            int bits = 0, any = 0;
            for (int i = j; i < e; i++) { // vpredSymbol without branches
                int top = Math.max(gc[up + i], tt);
                int thr = top - t;
                int d = Math.max(gc[base + i], t) - top;
                int x = d > thr ? d + thr : (d << 1) ^ (d >> 31);
                bits += x + 1;
                any |= x;
            }
            plain += bits;
            // insignificant 8 groups: all residuals zero (Rm=0), or all counts at most the truncation (Rm=1)
            if (rm == 0 ? any != 0 : gm[mo + (j >> 3)] > t) {
                sig += bits;
            }
        }
        m[64 + t] = plain;
        m[80 + t] = sig;
    }

    /** The unary symbol of a vertical prediction residual delta when the residual cannot go below -thr. */
    private static int vpredSymbol(int delta, int thr) {
        if (delta > thr) {
            return delta + thr;
        }
        if (delta > 0) {
            return 2 * delta;
        }
        return delta < 0 ? -2 * delta - 1 : 0;
    }

    /** Count bits of band b, line l of precinct py, in coding mode d, truncation t (vpred costs on demand). */
    private int countBits(int b, int py, int l, int d, int t) {
        int[] m = costs[b][l];
        if ((d & 1) == 0) {
            return m[((d & 2) << 3) + t];
        }
        int k = 64 + ((d & 2) << 3) + t;
        if (m[k] < 0) {
            vpredCosts(b, py * g.bLines[b] + l, t, l == 0 ? prevGtl[b] : t, m);
        }
        return m[k];
    }

    /** Separate sign bits under uniform quantization (the index depends on the group's count, not only on a). */
    private void uniformSignCosts(int b, int y, int[] m) {
        int n = gw[b];
        byte[] gc = gcli[b];
        int w = g.bW[b];
        int[] mg = mag[b];
        int base = y * n, rowBase = y * w;
        for (int t = 0; t < 16; t++) {
            int signs = 0;
            for (int k = 0; k < n; k++) {
                int v = gc[base + k];
                if (v <= t) {
                    continue;
                }
                int e = Math.min(w, k * 4 + 4);
                for (int i = k * 4; i < e; i++) {
                    if (quantize(Math.abs(mg[rowBase + i]), v, t) != 0) {
                        signs++;
                    }
                }
            }
            m[48 + t] = signs;
        }
    }

    /** Quantized magnitude index (value >> gtli) of magnitude a in a group with bit-plane count gc. */
    private int quantize(int a, int gc, int t) {
        if (cfg.quantization == 0) {
            return a >> t;
        }
        int s = gc - t + 1;
        long d = (((long) a << s) - a + (1L << gc)) >> (gc + 1);
        return (int) d;
    }

    /**
     * Size of precinct py in bytes for the current gtl[], choosing the coding mode of every band (modeOf[]) and raw
     * packets (recorded in the plan arrays of py); -1 if a field overflows.
     */
    private long precinctSize(int py) {
        long total = g.precinctHeaderBytes;
        for (int b = 0; b < g.bandsAll; b++) {
            if (!g.exists[b]) {
                continue;
            }
            int lines = g.linesIn(b, py);
            int mode = 0;
            if (lines > 0 && (cfg.significance || vpOk[b])) {
                long a = 0, s = 0;
                int t = gtl[b];
                for (int l = 0; l < lines; l++) {
                    a += costs[b][l][t];
                    s += costs[b][l][16 + t];
                }
                long best = a;
                if (cfg.significance && s < a) {
                    mode = 2;
                    best = s;
                }
                if (vpOk[b]) {
                    long va = 0, vs = 0;
                    for (int l = 0; l < lines; l++) {
                        va += countBits(b, py, l, 1, t);
                        if (cfg.significance) {
                            vs += countBits(b, py, l, 3, t);
                        }
                    }
                    if (va < best) {
                        mode = 1;
                        best = va;
                    }
                    if (cfg.significance && vs < best) {
                        mode = 3;
                    }
                }
            }
            modeOf[b] = mode;
        }
        int hdr = longHdr ? 7 : 5;
        int maxData = longHdr ? (1 << 20) - 1 : (1 << 15) - 1;
        int maxGcli = longHdr ? (1 << 20) - 1 : (1 << 13) - 1;
        int maxSign = longHdr ? (1 << 15) - 1 : (1 << 11) - 1;
        int pk = py * g.nPackets;
        for (int k = 0; k < g.nPackets; k++) {
            int line = g.pktLine[k];
            long sigBits = 0, cntBits = 0, rawBits = 0, dataBits = 0, signBits = 0;
            boolean any = false;
            for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                if (line >= g.linesIn(b, py)) {
                    continue;
                }
                any = true;
                int t = gtl[b];
                int[] m = costs[b][line];
                int d = modeOf[b];
                if ((d & 2) != 0) {
                    sigBits += sw[b];
                    cntBits += countBits(b, py, line, d, t) - sw[b];
                } else {
                    cntBits += countBits(b, py, line, d, t);
                }
                rawBits += 4L * gw[b];
                dataBits += m[32 + t];
                if (cfg.signs != 0) {
                    signBits += m[48 + t];
                }
            }
            if (!any) {
                pktData[pk + k] = -1;
                continue;
            }
            long coded = ((sigBits + 7) >> 3) + ((cntBits + 7) >> 3);
            long raw = (rawBits + 7) >> 3;
            boolean useRaw = raw < coded;
            long counts = useRaw ? raw : coded;
            long cntField = useRaw ? raw : (cntBits + 7) >> 3;
            long data = (dataBits + 7) >> 3;
            long sign = (signBits + 7) >> 3;
            if (data > maxData || cntField > maxGcli || sign > maxSign) {
                return -1;
            }
            pktRaw[pk + k] = useRaw;
            pktData[pk + k] = (int) data;
            pktCnt[pk + k] = (int) cntField;
            pktSign[pk + k] = (int) sign;
            total += hdr + counts + data + sign;
        }
        return total;
    }

    /** Chooses Q and R of precinct py for the byte budget and records the plan (sizes, flags, packet lengths). */
    private void planPrecinct(int py, long budget, boolean last) throws CodecException {
        buildCosts(py);
        // smallest Q that fits with R = 0 (the size does not grow with Q): searched from the previous precinct's Q,
        // which is usually right or next to it
        int q = Math.min(Math.max(lastQ, 0), maxQ);
        setTruncation(gtl, q, 0);
        long size = precinctSize(py);
        if (size >= 0 && size <= budget) {
            while (q > 0) {
                setTruncation(gtl, q - 1, 0);
                long s = precinctSize(py);
                if (s < 0 || s > budget) {
                    break;
                }
                q--;
                size = s;
            }
        } else {
            for (q++; q <= maxQ; q++) {
                setTruncation(gtl, q, 0);
                size = precinctSize(py);
                if (size >= 0 && size <= budget) {
                    break;
                }
            }
        }
        if (q > maxQ) {
            q = maxQ;
            setTruncation(gtl, q, 0);
            size = precinctSize(py);
            if (size < 0) {
                throw new CodecException("JPEG XS encoder: precinct " + py + " does not fit the packet size fields");
            }
        }
        int r = 0;
        if (q > 0 && size <= budget) {
            // largest R in [0, maxR] that still fits
            int lo = 0, hi = maxR + 1;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                setTruncation(gtl, q, mid);
                long s = precinctSize(py);
                if (s >= 0 && s <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            r = lo;
        }
        setTruncation(gtl, q, r);
        size = precinctSize(py);
        long padded = last ? Math.max(size, budget) : size;
        if (padded - g.precinctHeaderBytes > 0xFFFFF) {
            throw new CodecException("JPEG XS encoder: precinct " + py + " larger than Lprc allows");
        }
        planQ[py] = q;
        planR[py] = r;
        lastQ = q;
        planSize[py] = (int) size;
        planPadded[py] = (int) padded;
        for (int b = 0; b < g.bandsAll; b++) {
            planMode[py * g.bandsAll + b] = (byte) (g.linesIn(b, py) > 0 ? modeOf[b] : 0);
        }
        System.arraycopy(gtl, 0, prevGtl, 0, g.bandsAll);
    }

    // ---------------------------------------------------------------- packing

    /** Writes precinct py as planned at out[p..]; returns the bytes written (without the last one's padding). */
    private int writePrecinct(int py, Worker wk, byte[] out, int p) {
        final BitWriter w = wk.bw;
        final int[] gtl = wk.gtl;
        setTruncation(gtl, planQ[py], planR[py]);
        final int sigAt = py * g.bandsAll;
        final int[] gtlTop = wk.gtlTop;
        if (cfg.vpred != 0 && py > 0) {
            setTruncation(gtlTop, planQ[py - 1], planR[py - 1]);
        }
        w.reset(out, p, p + planPadded[py]);
        w.write(planPadded[py] - g.precinctHeaderBytes, 24);
        w.write(planQ[py], 8);
        w.write(planR[py], 8);
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                w.write(planMode[sigAt + b], 2);
            }
        }
        w.align();
        for (int k = 0; k < g.nPackets; k++) {
            int pk = py * g.nPackets + k;
            if (pktData[pk] < 0) {
                continue;
            }
            int line = g.pktLine[k];
            boolean raw = pktRaw[pk];
            w.write(raw ? 1 : 0, 1);
            if (longHdr) {
                w.write(pktData[pk], 20);
                w.write(pktCnt[pk], 20);
                w.write(pktSign[pk], 15);
            } else {
                w.write(pktData[pk], 15);
                w.write(pktCnt[pk], 13);
                w.write(pktSign[pk], 11);
            }
            if (raw) {
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    if (line < g.linesIn(b, py)) {
                        int n = gw[b];
                        int base = (py * g.bLines[b] + line) * n;
                        byte[] gc = gcli[b];
                        int i = 0;
                        for (; i + 8 <= n; i += 8) {
                            w.write(packNibbles(gc, base + i), 32);
                        }
                        for (; i < n; i++) {
                            w.write(gc[base + i], 4);
                        }
                    }
                }
                w.align();
            } else {
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    int d = planMode[sigAt + b];
                    if ((d & 2) != 0 && line < g.linesIn(b, py)) {
                        int n = gw[b];
                        int base = (py * g.bLines[b] + line) * n;
                        byte[] gc = gcli[b];
                        int t = gtl[b];
                        if (d == 3 && rm == 0) { // insignificant: all residuals zero
                            int tt = line == 0 ? Math.max(t, gtlTop[b]) : t;
                            for (int j = 0; j < n; j += 8) {
                                w.write(residualsZero(gc, base + j, n, Math.min(n - j, 8), t, tt) ? 1 : 0, 1);
                            }
                        } else {
                            int[] gm = gmax[b];
                            int mo = (py * g.bLines[b] + line) * sw[b];
                            for (int j = 0; j < sw[b]; j++) {
                                w.write(gm[mo + j] > t ? 0 : 1, 1);
                            }
                        }
                    }
                }
                w.align();
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    if (line < g.linesIn(b, py)) {
                        int d = planMode[sigAt + b];
                        if ((d & 1) == 0) {
                            writeCounts(w, b, py * g.bLines[b] + line, gtl[b], d != 0);
                        } else {
                            int t = gtl[b];
                            writeCountsVp(w, b, py * g.bLines[b] + line, t, line == 0 ? Math.max(t, gtlTop[b]) : t,
                                    d == 3);
                        }
                    }
                }
                w.align();
            }
            for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                if (line < g.linesIn(b, py)) {
                    writeData(w, b, py * g.bLines[b] + line, gtl[b]);
                }
            }
            w.align();
            if (cfg.signs != 0) {
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    if (line < g.linesIn(b, py)) {
                        writeSigns(w, b, py * g.bLines[b] + line, gtl[b]);
                    }
                }
                w.align();
            }
        }
        return w.align() - p;
    }

    private static int packNibbles(byte[] a, int o) {
        return (a[o] << 28) | (a[o + 1] << 24) | (a[o + 2] << 20) | (a[o + 3] << 16) | (a[o + 4] << 12)
                | (a[o + 5] << 8) | (a[o + 6] << 4) | a[o + 7];
    }

    /** Bit-plane counts coded from zero: unary max(gcli - t, 0), skipping insignificant 8-groups if sig. */
    private void writeCounts(BitWriter w, int b, int y, int t, boolean sig) {
        final int n = gw[b];
        final int base = y * n;
        final byte[] gc = gcli[b];
        final int[] gm = gmax[b];
        final int mo = y * sw[b];
        // the codes (at most 16 bits each: counts are below 16) collect in a long, written when it is nearly full
        long acc = 0;
        int na = 0;
        for (int j = 0; j < n; j += 8) {
            if (sig && gm[mo + (j >> 3)] <= t) { // an insignificant 8-group: no counts
                continue;
            }
            final int e = base + Math.min(n, j + 8);
            for (int i = base + j; i < e; i++) {
                int d = gc[i] - t;
                int len = (d & ~(d >> 31)) + 1; // max(d, 0) + 1
                if (na + len > 56) {
                    w.put(acc, na);
                    acc = 0;
                    na = 0;
                }
                acc = (acc << len) | ((1L << len) - 2);
                na += len;
            }
        }
        w.put(acc, na);
    }

    /** Whether the groups at gc[o..o+cnt) all have a zero vertical prediction residual (row above at o - n). */
    private static boolean residualsZero(byte[] gc, int o, int n, int cnt, int t, int tt) {
        for (int i = o; i < o + cnt; i++) {
            if (Math.max(gc[i], t) != Math.max(gc[i - n], tt)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Bit-plane counts of band row y predicted from the row above (which the decoder holds as max(count, tTop),
     * tt = max(t, tTop)): the residual of max(count, t) as a unary symbol; with sig, insignificant 8-groups skipped.
     */
    private void writeCountsVp(BitWriter w, int b, int y, int t, int tt, boolean sig) {
        int n = gw[b];
        int base = y * n;
        byte[] gc = gcli[b];
        long acc = 0; // the codes collect here (see writeCounts)
        int na = 0;
        for (int j = 0; j < n; j += 8) {
            int e = Math.min(n, j + 8);
            if (sig && (rm == 0 ? residualsZero(gc, base + j, n, e - j, t, tt) : gmax[b][y * sw[b] + (j >> 3)] <= t)) {
                continue;
            }
            for (int i = j; i < e; i++) {
                int top = Math.max(gc[base - n + i], tt);
                int len = vpredSymbol(Math.max(gc[base + i], t) - top, top - t) + 1; // x ones, a zero (x <= 30)
                if (na + len > 56) {
                    w.put(acc, na);
                    acc = 0;
                    na = 0;
                }
                acc = (acc << len) | ((1L << len) - 2);
                na += len;
            }
        }
        w.put(acc, na);
    }

    private void writeData(BitWriter w, int b, int y, int t) {
        if (!deadzone) {
            writeDataUniform(w, b, y, t);
            return;
        }
        final int n = gw[b];
        final byte[] gc = gcli[b];
        final long[] wd = words[b];
        final int base = y * n;
        final boolean signsHere = cfg.signs == 0;
        final int signBits = signsHere ? 4 : 0;
        final int tShift = 4 * t;
        // every group is put into the writer's accumulator without a branch (a group below the truncation puts 0
        // bits), the writer's state in locals: like BitWriter.put, 8 bytes stored each time
        final byte[] buf = w.buf;
        final int safe = w.safe;
        long acc = w.acc;
        int nb = w.n;
        int pos = w.pos;
        final int[] gm = gmax[b];
        final int mo = y * sw[b];
        for (int j = 0; j < n; j += 8) {
            if (gm[mo + (j >> 3)] <= t) { // 8 groups below the truncation (they come in runs)
                continue;
            }
            final int e = Math.min(n, j + 8);
            for (int k = j; k < e; k++) {
                final int planes = gc[base + k] - t;
                final long word = wd[base + k];
                long bits = (word & PLANES) >>> tShift; // 0 if planes <= 0
                int count = (4 * planes + signBits) & (-planes >> 31); // 0 if planes <= 0
                if (count > 56) { // 14+ planes (with signs): the general writer
                    w.acc = acc;
                    w.n = nb;
                    w.pos = pos;
                    if (signsHere) {
                        w.write((int) (word >>> 60) & nonzero(bits), 4);
                    }
                    w.writeLong(bits, 4 * planes);
                    acc = w.acc;
                    nb = w.n;
                    pos = w.pos;
                    continue;
                }
                if (signsHere) { // the sign nibble above the planes (0 if planes <= 0: bits = 0)
                    bits |= (long) ((int) (word >>> 60) & nonzero(bits)) << (4 * planes);
                }
                final int kk = nb + count;
                final long a = acc | (bits << (64 - kk)); // kk = 0 shifts by 0, but then bits = 0
                if (pos <= safe) {
                    BitWriter.LONG_BE.set(buf, pos, a);
                } else {
                    for (int q = 0; q < (kk >> 3); q++) {
                        buf[pos + q] = (byte) (a >>> (56 - 8 * q));
                    }
                }
                pos += kk >> 3;
                acc = a << (kk & ~7);
                nb = kk & 7;
            }
        }
        w.acc = acc;
        w.n = nb;
        w.pos = pos;
    }

    /** writeData under uniform quantization (the index depends on the group's count, not only on a). */
    private void writeDataUniform(BitWriter w, int b, int y, int t) {
        final int n = gw[b];
        final int width = g.bW[b];
        final byte[] gc = gcli[b];
        final int[] m = mag[b];
        final int base = y * n;
        final int rowBase = y * width;
        for (int k = 0; k < n; k++) {
            int v = gc[base + k];
            if (v > t) {
                writeGroup(w, v, t, m, rowBase + 4 * k, Math.min(4, width - 4 * k));
            }
        }
    }

    /** One group of cnt (1..4) coefficients at m[i..], bit-plane count v above the truncation t. */
    private void writeGroup(BitWriter w, int v, int t, int[] m, int i, int cnt) {
        int a0 = m[i];
        int a1 = cnt > 1 ? m[i + 1] : 0;
        int a2 = cnt > 2 ? m[i + 2] : 0;
        int a3 = cnt > 3 ? m[i + 3] : 0;
        int q0 = quantize(Math.abs(a0), v, t);
        int q1 = quantize(Math.abs(a1), v, t);
        int q2 = quantize(Math.abs(a2), v, t);
        int q3 = quantize(Math.abs(a3), v, t);
        if (cfg.signs == 0) {
            int sgn = (q0 != 0 && a0 < 0 ? 8 : 0) | (q1 != 0 && a1 < 0 ? 4 : 0) | (q2 != 0 && a2 < 0 ? 2 : 0)
                    | (q3 != 0 && a3 < 0 ? 1 : 0);
            w.write(sgn, 4);
        }
        // bit-planes MSB first, each a nibble of the 4 coefficients' bits (q < 2^(v - t))
        long planes = BitPlanes.toNibbles(((long) q0 << 48) | ((long) q1 << 32) | ((long) q2 << 16) | q3);
        w.writeLong(planes, 4 * (v - t));
    }

    private void writeSigns(BitWriter w, int b, int y, int t) {
        int n = gw[b];
        int width = g.bW[b];
        byte[] gc = gcli[b];
        int base = y * n;
        if (deadzone) {
            long[] wd = words[b];
            for (int k = 0; k < n; k++) {
                if (gc[base + k] <= t) {
                    continue;
                }
                long word = wd[base + k];
                int nz = nonzero((word & PLANES) >>> (4 * t));
                int neg = (int) (word >>> 60);
                for (int j = 0; j < 4; j++) { // missing coefficients of a partial group are zero, never sent
                    if ((nz & (8 >> j)) != 0) {
                        w.write((neg >> (3 - j)) & 1, 1);
                    }
                }
            }
            return;
        }
        int[] m = mag[b];
        int rowBase = y * width;
        for (int k = 0; k < n; k++) {
            int v = gc[base + k];
            if (v <= t) {
                continue;
            }
            int cnt = Math.min(4, width - 4 * k);
            for (int j = 0; j < cnt; j++) {
                int a = m[rowBase + 4 * k + j];
                if (quantize(Math.abs(a), v, t) != 0) {
                    w.write(a < 0 ? 1 : 0, 1);
                }
            }
        }
    }
}
