package org.mcm.codec.jpegxs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.mcm.api.codec.CodecException;

/**
 * JPEG XS decoder (ISO/IEC 21122-1), bit-exact with the SVT-JPEG-XS reference decoder. Decodes one codestream at a
 * time into integer component planes ({@link Picture}); buffers are reused while the header stays the same.
 *
 * <p>Not thread-safe; with {@code threads > 1} it decodes slices and components in parallel on its own pool.
 */
public final class JpegXsDecoder implements AutoCloseable {

    private final int threads;
    private ExecutorService pool;

    private Header header;
    private Header geoHeader;
    private Geometry geo;
    private int[] gainOf, prioOf;
    private int[][] coef; // per global band
    private SliceContext[] contexts;
    private int[][] gwMax;
    private Picture picture;
    private int[][] idwtTmp; // per worker: two low-band buffers, one row, two H rows, two even rows
    private int[] sliceOffsets = new int[0];
    private long maxPixels = 8192L * 4352;
    private SampleSink sink; // the current decode's sink, or null: samples into the picture planes
    private SampleSource.Scratch[] scratch; // per worker, for the sink
    private int isa = JxsNative.defaultIsa(); // the native fragment's instruction set, or -1: pure Java
    private final java.util.concurrent.atomic.AtomicLong nativeComponents = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong nativeSlices = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong streamedFrames = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong rowsAbandoned = new java.util.concurrent.atomic.AtomicLong();
    private int[] ringRowsOf; // per global band: the rows of its ring
    private int[] nativePlan; // geometry and header for JxsNative.decodeSlice, per codestream
    private RowStream[] streams; // per component, for the wavelet behind the slices; null until a frame needs them
    private int[][] rings; // per global band: the rows the wavelet behind the slices has not read yet, as a ring
    private int[] ringPlan; // nativePlan with each band's ring rows
    private boolean streaming; // this frame's components go through the wavelet slice by slice
    // the last header parsed and its bytes (from its SOC to the first SLH's first four bytes): a stream's frames
    // repeat them, so a frame whose bytes are the same reuses the header and what setup made from it (no
    // allocation per frame); planIsa: the instruction set nativePlan was made for
    private Header parsed;
    private Header scaleOf; // the header scale was made for
    private Dwt53.Scale scale;
    private byte[] parsedBytes = new byte[0];
    private int parsedLen;
    private int planIsa = Integer.MIN_VALUE;
    private int streamScale, streamAdd, streamDz, streamMax; // this frame's linear output scaling, for inverseRows

    public JpegXsDecoder() {
        this(1);
    }

    public JpegXsDecoder(int threads) {
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("threads must be 1..64");
        }
        this.threads = threads;
    }

    /**
     * Largest picture (Wf*Hf) this decoder accepts; a larger header is rejected before anything is allocated.
     * Default 8192x4352.
     */
    public JpegXsDecoder maxPixels(long pixels) {
        this.maxPixels = pixels;
        return this;
    }

    /**
     * The instruction set of the native inverse wavelet (JxsNative.ISA_*, up to what the CPU has), or -1 for the
     * pure-Java code (tests; the default is the best the native fragment offers, else Java).
     */
    JpegXsDecoder nativeIsa(int isa) {
        if (isa >= 0 && isa > JxsNative.bestIsa()) {
            throw new IllegalArgumentException("native instruction set " + isa + " not available here ("
                    + (JxsNative.available() ? "best " + JxsNative.bestIsa() : JxsNative.unavailableReason()) + ")");
        }
        this.isa = isa;
        return this;
    }

    /** The native instruction set in use, or -1 for pure Java. */
    int nativeIsa() {
        return isa;
    }

    /** Components whose inverse wavelet ran in native code so far (tests). */
    long nativeComponents() {
        return nativeComponents.get();
    }

    /** Frames whose wavelet ran slice by slice behind the native slice decoding, bands in rings (tests). */
    long streamedFrames() {
        return streamedFrames.get();
    }

    /** Frames that began slice by slice and went the whole-band way at a slice the native code did not take (tests). */
    long rowsAbandoned() {
        return rowsAbandoned.get();
    }

    /** Slices entropy-decoded in native code so far (tests). */
    long nativeSlices() {
        return nativeSlices.get();
    }

    /** The header of the last decoded codestream, or null. */
    public Header header() {
        return header;
    }

    /**
     * Decodes the codestream starting at {@code off}; {@code end} is the end of the readable bytes (further
     * codestreams may follow). The returned picture is owned by this decoder and overwritten by the next call.
     */
    public Picture decode(byte[] buf, int off, int end) throws CodecException {
        return decode(buf, off, end, null);
    }

    /**
     * As {@link #decode(byte[], int, int)}, but the samples go to sink (row by row, from the last wavelet level
     * where possible) instead of the returned picture's planes, whose contents are then undefined. The caller
     * checks the header (size, sampling, depth) against the sink's layout first.
     */
    Picture decode(byte[] buf, int off, int end, SampleSink sink) throws CodecException {
        this.sink = sink;
        try {
            return decodeInto(buf, off, end);
        } finally {
            this.sink = null;
        }
    }

    private Picture decodeInto(byte[] buf, int off, int end) throws CodecException {
        if (off < 0 || end > buf.length || off > end) {
            throw new IllegalArgumentException("bad range");
        }
        Header h = parse(buf, off, end);
        setup(h, end);
        Geometry g = geo;
        // locate the slices (cheap walk over the precinct headers)
        int p = h.sliceStart;
        for (int s = 0; s < g.slices; s++) {
            if (end - p < 6) {
                throw new CodecException("JPEG XS SLH at offset " + p + ": truncated (slice " + s + " of " + g.slices + ")");
            }
            int m = u16(buf, p);
            if (m != Header.SLH) {
                throw new CodecException("JPEG XS SLH at offset " + p + ": expected marker FF20 for slice " + s
                        + ", found " + Header.hex(m));
            }
            if (u16(buf, p + 2) != 4) {
                throw new CodecException("JPEG XS SLH at offset " + p + ": Lslh must be 4");
            }
            int idx = u16(buf, p + 4);
            if (idx != s) {
                throw new CodecException("JPEG XS SLH at offset " + p + ": slice index " + idx + ", expected " + s);
            }
            sliceOffsets[s] = p + 6;
            p += 6;
            int rows = Math.min(g.hsl, g.npy - s * g.hsl);
            for (int r = 0; r < rows * g.npx; r++) {
                if (end - p < g.precinctHeaderBytes) {
                    throw new CodecException("JPEG XS precinct at offset " + p + ": truncated header (slice " + s + ")");
                }
                int lprc = ((buf[p] & 0xFF) << 16) | ((buf[p + 1] & 0xFF) << 8) | (buf[p + 2] & 0xFF);
                if (lprc > end - p - g.precinctHeaderBytes) {
                    throw new CodecException("JPEG XS precinct at offset " + p + ": Lprc=" + lprc
                            + " exceeds the remaining " + (end - p - g.precinctHeaderBytes) + " bytes");
                }
                p += g.precinctHeaderBytes + lprc;
            }
        }
        if (end - p < 2) {
            throw new CodecException("JPEG XS EOC at offset " + p + ": truncated codestream");
        }
        if (u16(buf, p) != Header.EOC) {
            throw new CodecException("JPEG XS EOC at offset " + p + ": expected marker FF11, found " + Header.hex(u16(buf, p)));
        }
        final int eocEnd = p + 2;

        streaming = false;
        if (threads == 1 || g.slices == 1) {
            // native: each slice's band rows go through the inverse wavelet right after the slice, while they are
            // still in the cache (JxsNative.inverseRows, the lifting's state carried from slice to slice); the bands
            // are kept as rings of a few rows, not written to memory and read back
            boolean rows = streamStart();
            for (int s = 0; s < g.slices; s++) {
                if (rows) {
                    if (JxsNative.decodeSlice(isa, buf, sliceOffsets[s], p, s, ringPlan, rings) == 0
                            && streamRows(Math.min(g.npy, (s + 1) * g.hsl))) {
                        nativeSlices.incrementAndGet();
                        continue;
                    }
                    // a slice the native code does not take: this frame the whole-band way, the slices before
                    // this one decoded again into the bands
                    rows = false;
                    rowsAbandoned.incrementAndGet();
                    for (int t = 0; t < s; t++) {
                        contexts[0].decodeSlice(buf, t, sliceOffsets[t], p);
                    }
                }
                contexts[0].decodeSlice(buf, s, sliceOffsets[s], p);
            }
            if (rows && !streamDone()) { // cannot happen with every slice's rows in; never left half done
                rows = false;
                for (int s = 0; s < g.slices; s++) {
                    contexts[0].decodeSlice(buf, s, sliceOffsets[s], p);
                }
            }
            streaming = rows;
            if (rows) {
                streamedFrames.incrementAndGet();
            }
        } else {
            // slices handed out one at a time (their cost varies with the content); the caller works too
            final int eoc = p;
            final java.util.concurrent.atomic.AtomicInteger nextSlice = new java.util.concurrent.atomic.AtomicInteger();
            runParallel(Math.min(threads, g.slices), w -> {
                final SliceContext ctx = contexts[w];
                for (int s = nextSlice.getAndIncrement(); s < g.slices; s = nextSlice.getAndIncrement()) {
                    ctx.decodeSlice(buf, s, sliceOffsets[s], eoc);
                }
            });
        }
        reconstruct();
        picture.consumed = eocEnd - off;
        return picture;
    }

    private ExecutorService pool() {
        if (pool == null) {
            pool = Tasks.pool(threads, "jpegxs-dec");
        }
        return pool;
    }

    /** Work that may throw a CodecException, given a worker index. */
    private interface Part {
        void run(int worker) throws CodecException;
    }

    /** Runs part(0..n-1) in parallel: 1..n-1 on the pool, 0 on the calling thread; rethrows the first failure. */
    private void runParallel(int n, Part part) throws CodecException {
        List<Future<?>> fs = new ArrayList<>(n);
        for (int t = 1; t < n; t++) {
            final int w = t;
            fs.add(pool().submit(() -> {
                part.run(w);
                return null;
            }));
        }
        CodecException first = null;
        RuntimeException rte = null;
        try {
            part.run(0);
        } catch (CodecException e) {
            first = e;
        } catch (RuntimeException e) {
            rte = e;
        }
        try {
            join(fs);
        } catch (CodecException e) {
            if (first == null) {
                first = e;
            }
        }
        if (rte != null) {
            throw rte;
        }
        if (first != null) {
            throw first;
        }
    }

    private static void join(List<Future<?>> fs) throws CodecException {
        Tasks.join(fs, null, "JPEG XS decoder");
    }

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static boolean sameGeometry(Header a, Header b) {
        return a != null && a.wf == b.wf && a.hf == b.hf && a.nc == b.nc && a.nlx == b.nlx && a.nly == b.nly
                && a.sd == b.sd && a.cw == b.cw && a.hsl == b.hsl && java.util.Arrays.equals(a.sx, b.sx)
                && java.util.Arrays.equals(a.sy, b.sy);
    }

    /**
     * {@link Header#parse}, or the header parsed last when this codestream's header bytes (SOC up to and including
     * the first SLH's marker and length, at the same offset) are the same as its: then the result would be the same.
     */
    Header parse(byte[] buf, int off, int end) throws CodecException {
        Header c = parsed;
        if (c != null && off == c.start && end - c.sliceStart >= 4
                && java.util.Arrays.equals(buf, off, c.sliceStart + 4, parsedBytes, 0, parsedLen)) {
            return c;
        }
        parsed = null;
        Header h = Header.parse(buf, off, end);
        if (end - h.sliceStart >= 4) {
            int n = h.sliceStart + 4 - off;
            if (parsedBytes.length < n) {
                parsedBytes = new byte[n];
            }
            System.arraycopy(buf, off, parsedBytes, 0, n);
            parsedLen = n;
            parsed = h;
        }
        return h;
    }

    private void setup(Header h, int end) throws CodecException {
        if (h == header && planIsa == isa) { // the same header as the last frame: only the bounds of this one
            Geometry g = geo;
            long minBytes = (long) g.npy * g.npx * g.precinctHeaderBytes + 6L * g.slices + 2;
            if (minBytes > end - h.sliceStart) {
                throw new CodecException("JPEG XS SLH at offset " + h.sliceStart + ": " + (end - h.sliceStart)
                        + " bytes left, a " + h.wf + "x" + h.hf + " picture needs at least " + minBytes);
            }
            return;
        }
        planIsa = Integer.MIN_VALUE; // until this setup is through
        if ((long) h.wf * h.hf > maxPixels) {
            throw new CodecException("JPEG XS PIH at offset " + (h.start + 8) + ": picture " + h.wf + "x" + h.hf
                    + " larger than this decoder's limit of " + maxPixels + " pixels");
        }
        boolean same = sameGeometry(geoHeader, h);
        Geometry ng = same ? geo : new Geometry(h);
        // every precinct needs at least its header, every slice its SLH: reject before allocating
        long minBytes = (long) ng.npy * ng.npx * ng.precinctHeaderBytes + 6L * ng.slices + 2;
        if (minBytes > end - h.sliceStart) {
            throw new CodecException("JPEG XS SLH at offset " + h.sliceStart + ": " + (end - h.sliceStart)
                    + " bytes left, a " + h.wf + "x" + h.hf + " picture needs at least " + minBytes);
        }
        if (!same) {
            Geometry g = ng;
            long total = 0;
            for (int b = 0; b < g.bandsAll; b++) {
                if (g.exists[b]) {
                    total += (long) g.bW[b] * g.bH[b];
                }
            }
            if (total > 4L * Header.MAX_DIMENSION * Header.MAX_DIMENSION) {
                throw new CodecException("JPEG XS: picture too large");
            }
            coef = new int[g.bandsAll][];
            gwMax = new int[1][g.bandsAll];
            for (int b = 0; b < g.bandsAll; b++) {
                if (g.exists[b]) {
                    coef[b] = new int[g.bW[b] * g.bH[b]];
                    gwMax[0][b] = (Math.max(g.wNorm[b], g.wLast[b]) + 3) / 4;
                }
            }
            contexts = new SliceContext[threads];
            for (int t = 0; t < threads; t++) {
                contexts[t] = new SliceContext(g);
            }
            picture = new Picture(g.nc, g.compW, g.compH);
            int maxW = 0, maxH = 0;
            for (int c = 0; c < g.nc; c++) {
                maxW = Math.max(maxW, g.compW[c]);
                maxH = Math.max(maxH, g.compH[c]);
            }
            int workers = Math.min(threads, g.nc);
            idwtTmp = new int[workers * 7][];
            for (int t = 0; t < workers; t++) {
                idwtTmp[7 * t] = new int[((maxH + 1) / 2) * maxW];
                idwtTmp[7 * t + 1] = new int[((maxH + 1) / 2) * maxW];
                for (int k = 2; k < 7; k++) {
                    idwtTmp[7 * t + k] = new int[maxW];
                }
            }
            sliceOffsets = new int[g.slices];
            streams = null;
            rings = null;
            geo = g;
            geoHeader = h;
        }
        Geometry g = geo;
        if (h.gain.length != g.bandsExist) {
            throw new CodecException("JPEG XS WGT: " + h.gain.length + " entries, the picture has " + g.bandsExist
                    + " bands");
        }
        gainOf = new int[g.bandsAll];
        prioOf = new int[g.bandsAll];
        int k = 0;
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                gainOf[b] = h.gain[k];
                prioOf[b] = h.priority[k];
                k++;
            }
        }
        header = h;
        picture.header = h;
        picture.depth = h.depth[0];
        nativePlan = isa >= 0 ? nativePlan(g, h) : null;
        planIsa = isa;
        ringPlan = null;
        for (SliceContext c : contexts) {
            c.configure(h, gainOf, prioOf);
        }
    }

    /** Inverse wavelet, colour transform and output scaling into the picture planes (sample values). */
    private void reconstruct() throws CodecException {
        Geometry g = geo;
        if (sink != null) {
            ensureScratch();
        }
        int workers = Math.min(threads, g.nc);
        if (workers <= 1) {
            for (int c = 0; c < g.nc; c++) {
                inverseComponent(c, 0);
            }
        } else {
            final int[] owner = Tasks.byComponent(g, workers);
            runParallel(workers, w -> {
                for (int c = 0; c < g.nc; c++) {
                    if (owner[c] == w) {
                        inverseComponent(c, w);
                    }
                }
            });
        }
        Header h = header;
        if (h.cpih == 1) { // output scaling after the colour transform (otherwise done per component)
            Rct.inverse(picture.planes[0], picture.planes[1], picture.planes[2], g.compW[0] * g.compH[0]);
            for (int c = 0; c < g.nc; c++) {
                OutputScaling.apply(h, picture.planes[c], 0, g.compW[c] * g.compH[c]);
            }
            if (sink != null) {
                for (int c = 0; c < g.nc; c++) {
                    planeToSink(c, 0);
                }
            }
        }
    }

    /** Rows of the finished plane of component c to the sink. */
    private void planeToSink(int c, int worker) {
        final int w = geo.compW[c];
        final int[] img = picture.planes[c];
        final SampleSource.Scratch s = scratch[worker];
        for (int y = 0; y < geo.compH[c]; y++) {
            sink.row(c, y, img, y * w, w, s);
        }
    }

    /** Scratch rows for the sink, one per worker, before the workers start. */
    private void ensureScratch() {
        int maxW = 0;
        for (int c = 0; c < geo.nc; c++) {
            maxW = Math.max(maxW, geo.compW[c]);
        }
        if (scratch == null || scratch.length < threads) {
            scratch = new SampleSource.Scratch[threads];
        }
        for (int t = 0; t < threads; t++) {
            if (scratch[t] == null || scratch[t].s16.length < maxW) {
                scratch[t] = new SampleSource.Scratch(maxW);
            }
        }
    }

    /**
     * Inverse wavelet of component c into its picture plane: the lowest band and the horizontal-only levels in a
     * low-band buffer, then the 2-D levels a few rows at a time (ping-pong between the worker's two buffers, the
     * last one into the plane, stride compW), output scaling on each finished row unless a colour transform
     * follows.
     */
    private void inverseComponent(int c, int worker) {
        if (streaming) { // done behind the slices
            afterNative(c, worker);
            return;
        }
        if (isa >= 0 && inverseNative(c, worker)) {
            return;
        }
        final Geometry g = geo;
        final Header h = header;
        final int[] img = picture.planes[c];
        final int stride = g.compW[c];
        final int[] bufA = idwtTmp[7 * worker], bufB = idwtTmp[7 * worker + 1];
        final int[] row = idwtTmp[7 * worker + 2];
        final int[][] hRows = {idwtTmp[7 * worker + 3], idwtTmp[7 * worker + 4]};
        final int[][] eRows = {idwtTmp[7 * worker + 5], idwtTmp[7 * worker + 6]};
        final int dv = g.dv[c];
        final boolean scaleHere = h.cpih == 0;
        boolean direct = false; // the sink got the final rows from the last level
        int[] gl = g.global[c];
        int b0 = gl[0];
        int curW = g.bW[b0], curH = g.bH[b0];
        int[] cur = dv == 0 ? img : bufA;
        int[] src = coef[b0];
        for (int y = 0; y < curH; y++) {
            System.arraycopy(src, y * curW, cur, y * stride, curW);
        }
        int i = 1;
        for (int k = dv; k < g.dh[c]; k++, i++) {
            int b = gl[i];
            int hw = g.bW[b];
            int[] hb = coef[b];
            int nw = curW + hw;
            for (int y = 0; y < curH; y++) {
                Dwt53.inverse(cur, y * stride, hb, y * hw, row, 0, nw);
                System.arraycopy(row, 0, cur, y * stride, nw);
            }
            curW = nw;
        }
        for (int k = 0; k < dv; k++, i += 3) {
            int bhl = gl[i], blh = gl[i + 1], bhh = gl[i + 2];
            int hw = g.bW[bhl];
            int nH = g.bH[blh];
            boolean last = k == dv - 1;
            int[] out = last ? img : (cur == bufA ? bufB : bufA);
            Dwt53.Scale scale = last && scaleHere && h.tnlt == 0 ? linearScale(h) : null;
            Dwt53.RowOut to = Dwt53.into(out, stride, curW + hw);
            if (scale != null && sink != null) { // final samples: straight to the sink, the plane is not written
                final SampleSource.Scratch s = scratch[worker];
                final int w = curW + hw;
                to = (y, r) -> sink.row(c, y, r, 0, w, s);
                direct = true;
            }
            Dwt53.inverseLevel(cur, stride, coef[bhl], coef[blh], coef[bhh], curW, hw, curH, nH, to, hRows, eRows,
                    row, scale);
            if (last && scaleHere && scale == null) { // non-linear output scaling
                OutputScaling.apply(h, img, 0, stride * (curH + nH));
            }
            cur = out;
            curW += hw;
            curH += nH;
        }
        if (dv == 0 && scaleHere) {
            OutputScaling.apply(h, img, 0, g.compW[c] * g.compH[c]);
        }
        if (sink != null && scaleHere && !direct) { // (with the colour transform: after it, in reconstruct)
            planeToSink(c, worker);
        }
    }

    /** The plan's header entries, and the entries per band, of which the last is the band's ring rows (mcmjxs.c). */
    private static final int PLAN_HEAD = 12, PLAN_BAND = 10, PLAN_RING_ROWS = 9;

    /** The layout of the plan libmcmjxs's decodeSlice reads (see mcmjxs.c, part 2). */
    private int[] nativePlan(Geometry g, Header h) {
        final int ph = PLAN_HEAD, pb = PLAN_BAND;
        int[] p = new int[ph + pb * g.bandsAll + 3 * g.nPackets];
        p[0] = g.bandsAll;
        p[1] = g.npx;
        p[2] = g.npy;
        p[3] = g.hsl;
        p[4] = g.nPackets;
        p[5] = g.precinctHeaderBytes;
        p[6] = h.fq;
        p[7] = h.fs;
        p[8] = h.qpih;
        p[9] = h.rm;
        p[10] = h.longHeaders() ? 1 : 0;
        p[11] = g.bandsExist;
        for (int b = 0; b < g.bandsAll; b++) {
            int o = ph + pb * b;
            if (!g.exists[b]) {
                continue;
            }
            p[o] = 1;
            p[o + 1] = g.bW[b];
            p[o + 2] = g.bH[b];
            p[o + 3] = g.bLines[b];
            p[o + 4] = g.wNorm[b];
            p[o + 5] = g.wLast[b];
            p[o + 6] = gainOf[b];
            p[o + 7] = prioOf[b];
            p[o + 8] = gwMax[0][b];
            // p[o + PLAN_RING_ROWS]: 0, every row of the band in coef (ringPlan keeps a few)
        }
        g.writePacketTable(p, ph + pb * g.bandsAll);
        return p;
    }

    /**
     * inverseComponent in the native fragment: all levels in one call, the linear output scaling fused into the
     * last; the rest (non-linear scaling, the sink) as the Java path does it. False (nothing written) when the
     * library refuses the shapes, which a codestream can only cause through a bug here: then the Java path runs.
     */
    private boolean inverseNative(int c, int worker) {
        final Geometry g = geo;
        final Header h = header;
        final int[] gl = g.global[c];
        final int dv = g.dv[c];
        final int nh = g.dh[c] - dv;
        final int n = 1 + nh + 3 * dv;
        if (gl.length < n) {
            return false;
        }
        final int[][] bands = new int[n][];
        final int[] dims = new int[2 * n];
        for (int i = 0; i < n; i++) {
            int b = gl[i];
            bands[i] = coef[b];
            dims[2 * i] = g.bW[b];
            dims[2 * i + 1] = g.bH[b];
        }
        final int[] img = picture.planes[c];
        final boolean scaleHere = h.cpih == 0;
        final boolean linear = scaleHere && h.tnlt == 0;
        Dwt53.Scale s = linear ? linearScale(h) : null;
        int rc = JxsNative.inverseComponent(isa, bands, dims, nh, dv, img, g.compW[c], idwtTmp[7 * worker],
                idwtTmp[7 * worker + 1], linear ? 1 : 0, linear ? s.add : 0, linear ? s.dz : 0, linear ? s.max : 0);
        if (rc != 0) {
            return false;
        }
        afterNative(c, worker);
        return true;
    }

    /** After the native wavelet of component c: the scaling it did not fuse, the sink. */
    private void afterNative(int c, int worker) {
        final Geometry g = geo;
        final Header h = header;
        nativeComponents.incrementAndGet();
        final boolean scaleHere = h.cpih == 0;
        final boolean linear = scaleHere && h.tnlt == 0;
        if (scaleHere && (g.dv[c] == 0 || !linear)) { // not fused: no 2-D level, or non-linear
            OutputScaling.apply(h, picture.planes[c], 0, g.compW[c] * g.compH[c]);
        }
        if (sink != null && scaleHere) {
            planeToSink(c, worker);
        }
    }

    /**
     * One component's native inverse wavelet run slice by slice (JxsNative.inverseRows): its bands in the order
     * the library takes them, their rows per precinct, the rows of each decoded so far, the lifting's state and
     * its own low-band buffers (the components advance in turn, so they cannot share the workers' ones).
     */
    private static final class RowStream {
        final int nh, nv;
        final int[][] bands;
        final int[] dims, lines, avail, state, bufA, bufB;
        int made = -1; // rows of the last stage made (the component's height when done); -1: not run

        RowStream(Geometry g, int[][] rings, int[] ringRows, int c) {
            int[] gl = g.global[c];
            nv = g.dv[c];
            nh = g.dh[c] - nv;
            int n = 1 + nh + 3 * nv;
            bands = new int[n][];
            dims = new int[2 * n];
            lines = new int[n];
            avail = new int[2 * n]; // then the ring rows of each band
            for (int i = 0; i < n; i++) {
                int b = gl[i];
                bands[i] = rings[b];
                avail[n + i] = ringRows[b];
                dims[2 * i] = g.bW[b];
                dims[2 * i + 1] = g.bH[b];
                lines[i] = g.bLines[b];
            }
            int stride = g.compW[c];
            state = new int[JxsNative.rowStateLength(stride, nv)];
            int low = g.bH[gl[0]];
            bufA = nv > 0 ? new int[low * stride] : null;
            bufB = nv > 1 ? new int[(low + g.bH[gl[1 + nh + 1]]) * stride] : null;
        }
    }

    /**
     * Whether this frame's wavelet runs behind the slices (the native library, every component with at most two
     * 2-D levels, as inverseRows takes them); if so, the components' states set to a new frame.
     */
    private boolean streamStart() {
        final Geometry g = geo;
        if (isa < 0 || bandListsShort(g)) {
            return false;
        }
        for (int c = 0; c < g.nc; c++) {
            if (g.dv[c] > 2) {
                return false;
            }
        }
        if (streams == null) {
            // a band's ring: the rows of one slice and a few more (the finest level's lifting waits for a couple of
            // rows of the level below); inverseRows refuses to read a row already overwritten, and the frame then
            // goes the whole-band way
            int[] ringRows = new int[g.bandsAll];
            rings = new int[g.bandsAll][];
            for (int b = 0; b < g.bandsAll; b++) {
                if (g.exists[b]) {
                    ringRows[b] = (int) Math.min(g.bH[b], (long) g.bLines[b] * (g.hsl + 4));
                    rings[b] = new int[Math.max(1, ringRows[b] * g.bW[b])];
                }
            }
            streams = new RowStream[g.nc];
            for (int c = 0; c < g.nc; c++) {
                streams[c] = new RowStream(g, rings, ringRows, c);
            }
            ringRowsOf = ringRows;
        }
        if (ringPlan == null) {
            ringPlan = nativePlan.clone();
            for (int b = 0; b < g.bandsAll; b++) {
                ringPlan[PLAN_HEAD + PLAN_BAND * b + PLAN_RING_ROWS] = ringRowsOf[b];
            }
        }
        for (RowStream r : streams) {
            java.util.Arrays.fill(r.state, 0, 16, 0);
            r.made = 0;
        }
        final Header h = header;
        boolean linear = h.cpih == 0 && h.tnlt == 0;
        Dwt53.Scale sc = linear ? linearScale(h) : null;
        streamScale = linear ? 1 : 0;
        streamAdd = linear ? sc.add : 0;
        streamDz = linear ? sc.dz : 0;
        streamMax = linear ? sc.max : 0;
        return true;
    }

    /** OutputScaling.linear(h), made once a header. */
    private Dwt53.Scale linearScale(Header h) {
        if (scaleOf != h) {
            scale = OutputScaling.linear(h);
            scaleOf = h;
        }
        return scale;
    }

    /** Every component's band list as long as the library expects (as inverseNative checks). */
    private static boolean bandListsShort(Geometry g) {
        for (int c = 0; c < g.nc; c++) {
            if (g.global[c].length < 1 + g.dh[c] + 2 * g.dv[c]) {
                return true;
            }
        }
        return false;
    }

    /** Whether every component's wavelet has made all its rows. */
    private boolean streamDone() {
        for (int c = 0; c < geo.nc; c++) {
            if (streams[c].made != geo.compH[c]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The inverse wavelet of every component as far as the first pyDone precinct rows allow; false when the
     * library refuses a component (a ring row it would need is overwritten already, or a bug here): the caller
     * then decodes the frame the whole-band way.
     */
    private boolean streamRows(int pyDone) {
        final Geometry g = geo;
        boolean ok = true;
        for (int c = 0; c < g.nc; c++) {
            RowStream r = streams[c];
            if (r.made < 0) {
                ok = false;
                continue;
            }
            for (int i = 0; i < r.bands.length; i++) {
                r.avail[i] = (int) Math.min(r.dims[2 * i + 1], (long) pyDone * r.lines[i]);
            }
            int rc = JxsNative.inverseRows(isa, r.bands, r.dims, r.nh, r.nv, picture.planes[c], g.compW[c], r.bufA,
                    r.bufB, streamScale, streamAdd, streamDz, streamMax, r.avail, r.state);
            r.made = rc < 0 ? -1 : rc;
            ok &= rc >= 0;
        }
        return ok;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }

    /**
     * Bit-plane de-interleaving, 4 coefficients at once in the 16-bit lanes of a long (coefficient 0 in the top
     * lane): PLANES2[byte] holds the 2 bits per coefficient of two nibbles (2 bit-planes), PLANES1[nibble] 1 bit.
     */
    private static final long[] PLANES2 = new long[256], PLANES1 = new long[16];

    static {
        for (int x = 0; x < 256; x++) {
            long v = 0;
            for (int j = 0; j < 4; j++) {
                long hi = (x >> (7 - j)) & 1, lo = (x >> (3 - j)) & 1;
                v |= ((hi << 1) | lo) << (48 - 16 * j);
            }
            PLANES2[x] = v;
        }
        for (int x = 0; x < 16; x++) {
            long v = 0;
            for (int j = 0; j < 4; j++) {
                v |= (long) ((x >> (3 - j)) & 1) << (48 - 16 * j);
            }
            PLANES1[x] = v;
        }
    }

    /** Reads the given number of bit-planes (1..15, MSB plane first) of a group into 4 lanes. */
    static long readPlanes(BitReader rd, int planes) {
        long lanes = 0;
        while (planes > 0) {
            int take = Math.min(planes, 7);
            int x = rd.read(4 * take);
            planes -= take;
            if ((take & 1) != 0) {
                take--;
                lanes = (lanes << 1) | PLANES1[x >>> (4 * take)];
            }
            for (int s = 4 * take - 8; s >= 0; s -= 8) {
                lanes = (lanes << 2) | PLANES2[(x >>> s) & 0xFF];
            }
        }
        return lanes;
    }

    /** Per-thread state for decoding slices: bit reader and the bit-plane counts of the precinct row above. */
    private final class SliceContext {
        final Geometry g;
        final BitReader rd = new BitReader();
        final int[][][] gcli; // [state][band][lines*gwMax]
        final int[][] gtli; // [state][band]
        final int[] mode;
        final int[][] sig;
        final int[] leftover; // per band: nonzero padding coefficients of the last line decoded (Fs=1)
        final int[] topOf; // column -> state index
        int spare;
        int fq, fs, qpih, rm, bw;
        boolean longHdr;
        int[] gain, prio;

        SliceContext(Geometry g) {
            this.g = g;
            int states = g.npx + 1;
            gcli = new int[states][g.bandsAll][];
            gtli = new int[states][g.bandsAll];
            sig = new int[g.bandsAll][];
            for (int s = 0; s < states; s++) {
                for (int b = 0; b < g.bandsAll; b++) {
                    if (g.exists[b]) {
                        gcli[s][b] = new int[g.bLines[b] * ((Math.max(g.wNorm[b], g.wLast[b]) + 3) / 4)];
                    }
                }
            }
            for (int b = 0; b < g.bandsAll; b++) {
                if (g.exists[b]) {
                    sig[b] = new int[((Math.max(g.wNorm[b], g.wLast[b]) + 3) / 4 + 7) / 8];
                }
            }
            mode = new int[g.bandsAll];
            leftover = new int[g.bandsAll];
            topOf = new int[g.npx];
        }

        void configure(Header h, int[] gain, int[] prio) {
            fq = h.fq;
            fs = h.fs;
            qpih = h.qpih;
            rm = h.rm;
            bw = h.bw;
            longHdr = h.longHeaders();
            this.gain = gain;
            this.prio = prio;
        }

        void decodeSlice(byte[] buf, int s, int p, int end) throws CodecException {
            // native first; a slice it does not take (a tool it lacks, or a stream that does not add up) is decoded
            // here, which gives the same coefficients or the same exception as without the library
            if (nativePlan != null && JxsNative.decodeSlice(isa, buf, p, end, s, nativePlan, coef) == 0) {
                nativeSlices.incrementAndGet();
                return;
            }
            int rows = Math.min(g.hsl, g.npy - s * g.hsl);
            for (int c = 0; c < g.npx; c++) {
                topOf[c] = -1;
            }
            spare = g.npx;
            for (int r = 0; r < rows; r++) {
                int py = s * g.hsl + r;
                for (int px = 0; px < g.npx; px++) {
                    int cur;
                    int top = topOf[px];
                    if (top < 0) {
                        cur = px; // first row: state px is free
                    } else {
                        cur = spare;
                    }
                    p = decodePrecinct(buf, p, end, py, px, cur, top);
                    if (top >= 0) {
                        spare = top;
                    }
                    topOf[px] = cur;
                }
            }
        }

        private int decodePrecinct(byte[] buf, int p, int end, int py, int px, int cur, int top) throws CodecException {
            final Geometry g = this.g;
            final int start = p;
            int lprc = ((buf[p] & 0xFF) << 16) | ((buf[p + 1] & 0xFF) << 8) | (buf[p + 2] & 0xFF);
            int q = buf[p + 3] & 0xFF;
            int r = buf[p + 4] & 0xFF;
            int dpos = p + 5;
            int bitIdx = 0;
            int[] gt = gtli[cur];
            for (int b = 0; b < g.bandsAll; b++) {
                if (!g.exists[b]) {
                    continue;
                }
                int v = ((buf[dpos + (bitIdx >> 3)] & 0xFF) >> (6 - (bitIdx & 7))) & 3;
                bitIdx += 2;
                if (top < 0 && (v & 1) != 0) {
                    throw new CodecException("JPEG XS precinct at offset " + start
                            + ": vertical prediction in the first precinct row of a slice");
                }
                mode[b] = v;
                int pump = prio[b] < r ? 1 : 0;
                int t = q - gain[b] - pump;
                gt[b] = t < 0 ? 0 : Math.min(t, 15);
            }
            p += g.precinctHeaderBytes;
            final int dataEnd = p + lprc;
            if (dataEnd > end) {
                throw new CodecException("JPEG XS precinct at offset " + start + ": Lprc=" + lprc + " beyond the codestream");
            }
            final int hdrBytes = longHdr ? 7 : 5;
            for (int k = 0; k < g.nPackets; k++) {
                int line = g.pktLine[k];
                int b0 = g.pktStart[k], b1 = g.pktStop[k];
                boolean any = false;
                for (int b = b0; b < b1; b++) {
                    if (line < g.linesIn(b, py)) {
                        any = true;
                        break;
                    }
                }
                if (!any) {
                    continue;
                }
                if (dataEnd - p < hdrBytes) {
                    throw new CodecException("JPEG XS packet " + k + " at offset " + p + ": header beyond the precinct");
                }
                int raw = (buf[p] & 0xFF) >> 7;
                int dataLen, gcliLen, signLen;
                if (longHdr) {
                    dataLen = ((buf[p] & 0x7F) << 13) | ((buf[p + 1] & 0xFF) << 5) | ((buf[p + 2] & 0xFF) >> 3);
                    gcliLen = ((buf[p + 2] & 0x07) << 17) | ((buf[p + 3] & 0xFF) << 9) | ((buf[p + 4] & 0xFF) << 1)
                            | ((buf[p + 5] & 0xFF) >> 7);
                    signLen = ((buf[p + 5] & 0x7F) << 8) | (buf[p + 6] & 0xFF);
                } else {
                    dataLen = ((buf[p] & 0x7F) << 8) | (buf[p + 1] & 0xFF);
                    gcliLen = ((buf[p + 2] & 0xFF) << 5) | ((buf[p + 3] & 0xFF) >> 3);
                    signLen = ((buf[p + 3] & 0x07) << 8) | (buf[p + 4] & 0xFF);
                }
                final int pktAt = p;
                p += hdrBytes;
                if ((long) dataLen + gcliLen + signLen > dataEnd - p) {
                    throw new CodecException("JPEG XS packet " + k + " at offset " + pktAt + ": sizes " + dataLen + "+"
                            + gcliLen + "+" + signLen + " exceed the precinct");
                }
                // bit-plane counts
                if (raw != 0) {
                    rd.seek(buf, p, p + gcliLen);
                    for (int b = b0; b < b1; b++) {
                        if (line < g.linesIn(b, py)) {
                            int gw = (g.widthIn(b, px) + 3) >> 2;
                            int[] gc = gcli[cur][b];
                            int o = line * gwMax[0][b];
                            for (int i = 0; i < gw; i++) {
                                gc[o + i] = rd.read(4);
                            }
                        }
                    }
                    checkSub(k, pktAt, "bit-plane count", p, gcliLen);
                    p += gcliLen;
                } else {
                    rd.seek(buf, p, dataEnd);
                    for (int b = b0; b < b1; b++) {
                        if ((mode[b] & 2) != 0 && line < g.linesIn(b, py)) {
                            int gw = (g.widthIn(b, px) + 3) >> 2;
                            int sw = (gw + 7) >> 3;
                            int[] sg = sig[b];
                            for (int i = 0; i < sw; i++) {
                                sg[i] = rd.bit();
                            }
                        }
                    }
                    if (rd.overrun()) {
                        throw new CodecException("JPEG XS packet " + k + " at offset " + pktAt
                                + ": significance flags beyond the precinct");
                    }
                    p = rd.bytePos();
                    if ((long) gcliLen + dataLen + signLen > dataEnd - p) {
                        throw new CodecException("JPEG XS packet " + k + " at offset " + pktAt
                                + ": sub-packets exceed the precinct");
                    }
                    rd.seek(buf, p, p + gcliLen);
                    for (int b = b0; b < b1; b++) {
                        if (line < g.linesIn(b, py)) {
                            decodeCounts(b, line, px, cur, top);
                        }
                    }
                    checkSub(k, pktAt, "bit-plane count", p, gcliLen);
                    p += gcliLen;
                }
                // data
                rd.seek(buf, p, p + dataLen);
                for (int b = b0; b < b1; b++) {
                    if (line < g.linesIn(b, py)) {
                        decodeData(b, line, py, px, cur);
                    }
                }
                checkSub(k, pktAt, "data", p, dataLen);
                p += dataLen;
                if (fs != 0) {
                    rd.seek(buf, p, p + signLen);
                    for (int b = b0; b < b1; b++) {
                        if (line < g.linesIn(b, py)) {
                            decodeSigns(b, line, py, px);
                        }
                    }
                    checkSub(k, pktAt, "sign", p, signLen);
                    p += signLen;
                }
            }
            if (p > dataEnd) {
                throw new CodecException("JPEG XS precinct at offset " + start + ": packets exceed Lprc=" + lprc);
            }
            return dataEnd;
        }

        private void checkSub(int k, int pktAt, String what, int subStart, int len) throws CodecException {
            if (rd.overrun() || rd.bytePos() - subStart > len) {
                throw new CodecException("JPEG XS packet " + k + " at offset " + pktAt + ": " + what
                        + " sub-packet longer than its size " + len);
            }
        }

        private void decodeCounts(int b, int line, int px, int cur, int top) throws CodecException {
            final BitReader rd = this.rd;
            int gw = (g.widthIn(b, px) + 3) >> 2;
            int stride = gwMax[0][b];
            int[] gc = gcli[cur][b];
            int o = line * stride;
            int gtl = gtli[cur][b];
            int m = mode[b];
            boolean sigOn = (m & 2) != 0;
            int[] sg = sig[b];
            if ((m & 1) == 0) {
                // prediction from zero
                for (int i = 0; i < gw; i++) {
                    if (sigOn && sg[i >> 3] != 0) {
                        int e = Math.min(gw, (i | 7) + 1);
                        for (; i < e; i++) {
                            gc[o + i] = gtl;
                        }
                        i--;
                        continue;
                    }
                    int v = gtl + rd.unary();
                    if (v > 15) {
                        throw new CodecException("JPEG XS: bit-plane count " + v + " exceeds 15 near byte " + rd.bytePos());
                    }
                    gc[o + i] = v;
                }
            } else {
                int[] tg;
                int to;
                int gtlTop;
                if (line == 0) {
                    tg = gcli[top][b];
                    to = (g.bLines[b] - 1) * stride;
                    gtlTop = gtli[top][b];
                } else {
                    tg = gc;
                    to = (line - 1) * stride;
                    gtlTop = gtl;
                }
                int t = Math.max(gtlTop, gtl);
                for (int i = 0; i < gw; i++) {
                    int mTop = Math.max(tg[to + i], t);
                    if (sigOn && sg[i >> 3] != 0) {
                        gc[o + i] = rm != 0 ? gtl : mTop;
                        continue;
                    }
                    int x = rd.unary();
                    int thr = Math.max(mTop - gtl, 0);
                    int delta;
                    if (x > 2 * thr) {
                        delta = x - thr;
                    } else if (x > 0) {
                        delta = (x & 1) != 0 ? -((x + 1) >> 1) : x >> 1;
                    } else {
                        delta = 0;
                    }
                    int v = mTop + delta;
                    if (v > 15) {
                        throw new CodecException("JPEG XS: bit-plane count " + v + " exceeds 15 near byte " + rd.bytePos());
                    }
                    gc[o + i] = v;
                }
            }
        }

        private void decodeData(int b, int line, int py, int px, int cur) {
            final BitReader rd = this.rd;
            final int w = g.widthIn(b, px);
            final int gw = (w + 3) >> 2;
            final int[] gc = gcli[cur][b];
            final int go = line * gwMax[0][b];
            final int gtl = gtli[cur][b];
            final int[] dst = coef[b];
            final int row = py * g.bLines[b] + line;
            int d = row * g.bW[b] + px * g.wNorm[b];
            final int shift = fq;
            final int half = (qpih == 0 && gtl > 0) ? 1 << (gtl - 1) : 0;
            final boolean uniform = qpih != 0 && gtl > 0;
            final boolean signsHere = fs == 0;
            final int full = uniform ? 0 : w >> 2;
            int left = 0;
            int grp = 0;
            // deadzone (or no truncation), whole groups: branch-free, the reader's state in locals; a group of n
            // planes is 4 sign bits (if interleaved) and 4n plane bits, taken from the cache at once and transposed
            if (full > 0) {
                final int signBits = signsHere ? 4 : 0;
                final byte[] buf = rd.buf;
                final int safe = rd.safe;
                long cache = rd.cache;
                int bits = rd.bits;
                int next = rd.next;
                for (; grp < full; grp++, d += 4) {
                    int planes = gc[go + grp] - gtl;
                    if (planes <= 0) {
                        dst[d] = 0;
                        dst[d + 1] = 0;
                        dst[d + 2] = 0;
                        dst[d + 3] = 0;
                        continue;
                    }
                    int nb = 4 * planes + signBits;
                    if (bits < nb || nb > 56) {
                        if (nb <= 56 && next <= safe) {
                            cache |= (long) BitReader.LONG_BE.get(buf, next) >>> bits;
                            next += (63 - bits) >>> 3;
                            bits |= 56;
                        } else { // near the end of the array, or 14+ planes: the general reader
                            rd.cache = cache;
                            rd.bits = bits;
                            rd.next = next;
                            int sgn = signsHere ? rd.read(4) : 0;
                            long lanes = readPlanes(rd, planes);
                            cache = rd.cache;
                            bits = rd.bits;
                            next = rd.next;
                            dst[d] = dequant((int) (lanes >>> 48), sgn >> 3, gtl, half, shift);
                            dst[d + 1] = dequant((int) (lanes >>> 32) & 0xFFFF, (sgn >> 2) & 1, gtl, half, shift);
                            dst[d + 2] = dequant((int) (lanes >>> 16) & 0xFFFF, (sgn >> 1) & 1, gtl, half, shift);
                            dst[d + 3] = dequant((int) lanes & 0xFFFF, sgn & 1, gtl, half, shift);
                            continue;
                        }
                    }
                    long x = (cache >>> 1) >>> (63 - nb); // the top nb bits (none if nb = 0)
                    cache <<= nb;
                    bits -= nb;
                    int ps = nb - signBits; // 4 * planes; -4 when nb = 0 with signs (x = 0 then)
                    int sgn = (int) (x >>> ps);
                    long xm = x & ~(-1L << ps);
                    long lanes = ps <= 32 ? BitPlanes.toLanes8(xm) : BitPlanes.toLanes(xm);
                    int a0 = (int) (lanes >>> 48), a1 = (int) (lanes >>> 32) & 0xFFFF;
                    int a2 = (int) (lanes >>> 16) & 0xFFFF, a3 = (int) lanes & 0xFFFF;
                    int s0 = sgn >> 3 & 1, s1 = sgn >> 2 & 1, s2 = sgn >> 1 & 1, s3 = sgn & 1;
                    int v0 = (((a0 << gtl) | half) << shift) & (-a0 >> 31);
                    int v1 = (((a1 << gtl) | half) << shift) & (-a1 >> 31);
                    int v2 = (((a2 << gtl) | half) << shift) & (-a2 >> 31);
                    int v3 = (((a3 << gtl) | half) << shift) & (-a3 >> 31);
                    dst[d] = (v0 ^ -s0) + s0;
                    dst[d + 1] = (v1 ^ -s1) + s1;
                    dst[d + 2] = (v2 ^ -s2) + s2;
                    dst[d + 3] = (v3 ^ -s3) + s3;
                }
                rd.cache = cache;
                rd.bits = bits;
                rd.next = next;
            }
            // uniform quantization, and the last partial group
            for (; grp < gw; grp++) {
                int n = Math.min(4, w - (grp << 2));
                int planes = gc[go + grp] - gtl;
                if (planes <= 0) {
                    for (int j = 0; j < n; j++) {
                        dst[d + j] = 0;
                    }
                    d += n;
                    continue;
                }
                int signs = signsHere ? rd.read(4) : 0;
                long lanes = readPlanes(rd, planes);
                int scale = planes + 1;
                for (int j = 0; j < 4; j++) {
                    int a = (int) (lanes >>> (48 - 16 * j)) & 0xFFFF;
                    if (j >= n) {
                        if (a != 0) {
                            left++;
                        }
                        continue;
                    }
                    int v;
                    if (a == 0) {
                        v = 0;
                    } else {
                        v = a << gtl;
                        if (uniform) {
                            int s = 0;
                            for (int u = v; u > 0; u >>= scale) {
                                s += u;
                            }
                            v = s;
                        } else {
                            v |= half;
                        }
                        v <<= shift;
                        if (((signs >> (3 - j)) & 1) != 0) {
                            v = -v;
                        }
                    }
                    dst[d + j] = v;
                }
                d += n;
            }
            leftover[b] = left;
        }
        /** Deadzone reconstruction of magnitude index a with sign bit s (0/1). */
        private int dequant(int a, int s, int gtl, int half, int shift) {
            int v = a == 0 ? 0 : ((a << gtl) | half) << shift;
            return (v ^ -s) + s;
        }

        private void decodeSigns(int b, int line, int py, int px) {
            final BitReader rd = this.rd;
            final int w = g.widthIn(b, px);
            final int[] dst = coef[b];
            final int row = py * g.bLines[b] + line;
            final int d = row * g.bW[b] + px * g.wNorm[b];
            for (int i = 0; i < w; i++) {
                int v = dst[d + i];
                if (v != 0 && rd.bit() != 0) {
                    dst[d + i] = -v;
                }
            }
            if (leftover[b] != 0 && (w & 3) != 0) {
                rd.skip(leftover[b]);
            }
        }
    }
}
