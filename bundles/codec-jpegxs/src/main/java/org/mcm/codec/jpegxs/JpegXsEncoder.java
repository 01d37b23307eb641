package org.mcm.codec.jpegxs;

import java.util.Arrays;

import org.mcm.api.codec.CodecException;

/**
 * JPEG XS encoder (ISO/IEC 21122-1): 5/3 DWT, deadzone or uniform quantization, bit-plane counts coded raw or from
 * zero with optional significance flags, signs interleaved or separate (Fs), and constant-bitrate rate control per
 * precinct (quantization Q and refinement R searched against a running byte budget) so that every codestream is
 * exactly {@code ceil(W*H*bpp/8)} bytes, as Lcod says. Not thread-safe.
 */
public final class JpegXsEncoder {

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
        /** Cpih: 0 none, 1 reversible colour transform (RGB input, 4:4:4). */
        public int colourTransform;

        public int components() {
            return sx.length;
        }
    }

    private static final int BW = 20, FQ = 8;

    private final Config cfg;
    private final Geometry g;
    private final int[] gain, prio;
    private final int lcod;
    private final int headerBytes;
    private final boolean longHdr;
    private final int maxQ, maxR;
    private final int[][] mag; // per band: quantization input, sign-magnitude (sign in bit 31 via negative)
    private final int[][] gcli; // per band: bH * gw
    private final int[] gw, sw;
    private final int[] work, lBuf, hBuf, row, row2;
    private final int[] gtl;
    private final boolean[] sigOn;
    private final BitWriter bw = new BitWriter();
    // per-band-line cost memo: [band][line in precinct][gtli] for 4 quantities
    private final int[][][] memo;
    private int memoRow;

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
        mag = new int[g.bandsAll][];
        gcli = new int[g.bandsAll][];
        gw = new int[g.bandsAll];
        sw = new int[g.bandsAll];
        memo = new int[g.bandsAll][][];
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                mag[b] = new int[g.bW[b] * g.bH[b]];
                gw[b] = (g.bW[b] + 3) >> 2;
                sw[b] = (gw[b] + 7) >> 3;
                gcli[b] = new int[gw[b] * g.bH[b]];
                memo[b] = new int[g.bLines[b]][64];
            }
        }
        int maxW = 0, maxH = 0;
        for (int k = 0; k < nc; k++) {
            maxW = Math.max(maxW, g.compW[k]);
            maxH = Math.max(maxH, g.compH[k]);
        }
        work = new int[maxW * maxH];
        lBuf = new int[((maxH + 1) / 2) * maxW];
        hBuf = new int[(maxH / 2 + 1) * maxW];
        row = new int[maxW];
        row2 = new int[maxW];
        gtl = new int[g.bandsAll];
        sigOn = new boolean[g.bandsAll];
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

    /** Encodes the picture into out[off..off+codestreamSize()). */
    public int encode(Picture pic, byte[] out, int off) throws CodecException {
        if (pic.nc != g.nc) {
            throw new CodecException("JPEG XS encoder: picture has " + pic.nc + " components, expected " + g.nc);
        }
        if (out.length - off < lcod) {
            throw new CodecException("JPEG XS encoder: output buffer too small (" + (out.length - off) + " < " + lcod + ")");
        }
        transform(pic);
        Arrays.fill(out, off, off + lcod, (byte) 0);
        int p = writeHeader(out, off);
        long available = lcod - (p - off) - 6L * g.slices - 2;
        long nPrec = (long) g.npy;
        long used = 0;
        int precinct = 0;
        for (int s = 0; s < g.slices; s++) {
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
                int size = encodePrecinct(py, budget, last, out, p);
                used += size;
                p += size;
            }
        }
        out[p] = (byte) 0xFF;
        out[p + 1] = 0x11;
        p += 2;
        if (p - off != lcod) {
            throw new CodecException("JPEG XS encoder: rate control missed the target (" + (p - off) + " != " + lcod + ")");
        }
        return lcod;
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
        o[p++] = (byte) (((longHdr ? 1 : 0) << 7) | (1 << 6) | (cfg.quantization << 4) | (cfg.signs << 2));
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

    private void transform(Picture pic) {
        int nc = g.nc;
        int[][] planes = pic.planes;
        if (cfg.colourTransform == 1) {
            int n = g.compW[0] * g.compH[0];
            planes = new int[][] {planes[0].clone(), planes[1].clone(), planes[2].clone()};
            // scale first, then RCT on the scaled values (the decoder inverts RCT before output scaling)
            for (int c = 0; c < 3; c++) {
                scaleInput(planes[c], planes[c], n);
            }
            Rct.forward(planes[0], planes[1], planes[2], n);
        }
        for (int c = 0; c < nc; c++) {
            int w = g.compW[c], h = g.compH[c];
            if (cfg.colourTransform == 1) {
                System.arraycopy(planes[c], 0, work, 0, w * h);
            } else {
                scaleInput(planes[c], work, w * h);
            }
            forwardComponent(c);
        }
        // to rounded sign-magnitude at Fq fractional bits, and the bit-plane counts
        int half = 1 << (FQ - 1);
        for (int b = 0; b < g.bandsAll; b++) {
            if (!g.exists[b]) {
                continue;
            }
            int[] m = mag[b];
            for (int i = 0; i < m.length; i++) {
                int v = m[i];
                int a = v >= 0 ? (v + half) >> FQ : (-v + half) >> FQ;
                if (a > 0x7FFF) {
                    a = 0x7FFF;
                }
                m[i] = v >= 0 ? a : -a;
            }
            int w = g.bW[b], groups = gw[b];
            int[] gc = gcli[b];
            for (int y = 0; y < g.bH[b]; y++) {
                int base = y * w;
                for (int k = 0; k < groups; k++) {
                    int e = Math.min(w, (k + 1) * 4);
                    int or = 0;
                    for (int i = base + k * 4; i < base + e; i++) {
                        int v = m[i];
                        or |= v >= 0 ? v : -v;
                    }
                    gc[y * groups + k] = 32 - Integer.numberOfLeadingZeros(or);
                }
            }
        }
    }

    private void scaleInput(int[] src, int[] dst, int n) {
        int shift = BW - cfg.depth;
        int offset = 1 << (BW - 1);
        int mask = (1 << cfg.depth) - 1;
        for (int i = 0; i < n; i++) {
            dst[i] = ((src[i] & mask) << shift) - offset;
        }
    }

    private void forwardComponent(int c) {
        int stride = g.compW[c];
        int curW = g.compW[c], curH = g.compH[c];
        int[] gl = g.global[c];
        int nb = g.nb[c];
        int i = nb - 1;
        for (int k = 0; k < g.dv[c]; k++, i -= 3) {
            int bhl = gl[i - 2], blh = gl[i - 1], bhh = gl[i];
            int nL = (curH + 1) >> 1, nH = curH >> 1;
            Dwt53.forwardVertical(work, stride, curH, curW, lBuf, hBuf, stride);
            int lw = (curW + 1) >> 1, hw = curW >> 1;
            int[] hl = mag[bhl], lh = mag[blh], hh = mag[bhh];
            for (int y = 0; y < nL; y++) {
                Dwt53.forward(lBuf, y * stride, row, 0, row2, 0, curW);
                System.arraycopy(row, 0, work, y * stride, lw);
                System.arraycopy(row2, 0, hl, y * hw, hw);
            }
            for (int y = 0; y < nH; y++) {
                Dwt53.forward(hBuf, y * stride, lh, y * lw, row2, 0, curW);
                System.arraycopy(row2, 0, hh, y * hw, hw);
            }
            curW = lw;
            curH = nL;
        }
        for (int k = g.dv[c]; k < g.dh[c]; k++, i--) {
            int b = gl[i];
            int lw = (curW + 1) >> 1, hw = curW >> 1;
            int[] hb = mag[b];
            for (int y = 0; y < curH; y++) {
                Dwt53.forward(work, y * stride, row, 0, hb, y * hw, curW);
                System.arraycopy(row, 0, work, y * stride, lw);
            }
            curW = lw;
        }
        int[] ll = mag[gl[0]];
        for (int y = 0; y < curH; y++) {
            System.arraycopy(work, y * stride, ll, y * curW, curW);
        }
    }

    // ---------------------------------------------------------------- rate control and packing

    private void setTruncation(int q, int r) {
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                int t = q - gain[b] - (prio[b] < r ? 1 : 0);
                gtl[b] = t < 0 ? 0 : Math.min(t, 15);
            }
        }
    }

    // memo layout per band line: [0..15] gcli bits without significance, [16..31] with significance (incl. flags),
    // [32..47] data bits, [48..63] sign bits (Fs=1); -1 = not computed
    private int cost(int b, int line, int kind, int t) {
        int[] m = memo[b][line];
        int v = m[kind * 16 + t];
        if (v >= 0) {
            return v;
        }
        computeCosts(b, line, t, m);
        return m[kind * 16 + t];
    }

    private void computeCosts(int b, int line, int t, int[] m) {
        int y = memoRow * g.bLines[b] + line;
        int n = gw[b];
        int[] gc = gcli[b];
        int base = y * n;
        int noSig = 0, data = 0, signs = 0;
        int sig = sw[b];
        for (int j = 0; j < n; j += 8) {
            int e = Math.min(n, j + 8);
            int grp = 0;
            boolean significant = false;
            for (int k = j; k < e; k++) {
                int v = gc[base + k];
                int d = v > t ? v - t : 0;
                grp += d + 1;
                if (v > t) {
                    significant = true;
                    data += 4 * d + (cfg.signs == 0 ? 4 : 0);
                }
            }
            noSig += grp;
            if (significant) {
                sig += grp;
            }
        }
        if (cfg.signs != 0) {
            int w = g.bW[b];
            int[] mg = mag[b];
            int rowBase = y * w;
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
        }
        m[t] = noSig;
        m[16 + t] = sig;
        m[32 + t] = data;
        m[48 + t] = signs;
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

    /** Size of precinct py in bytes for the current gtl[], choosing sigOn[] and raw packets; -1 if a field overflows. */
    private long precinctSize(int py) {
        long total = g.precinctHeaderBytes;
        for (int b = 0; b < g.bandsAll; b++) {
            if (!g.exists[b]) {
                continue;
            }
            int lines = g.linesIn(b, py);
            if (cfg.significance && lines > 0) {
                long a = 0, s = 0;
                for (int l = 0; l < lines; l++) {
                    a += cost(b, l, 0, gtl[b]);
                    s += cost(b, l, 1, gtl[b]);
                }
                sigOn[b] = s < a;
            } else {
                sigOn[b] = false;
            }
        }
        int hdr = longHdr ? 7 : 5;
        int maxData = longHdr ? (1 << 20) - 1 : (1 << 15) - 1;
        int maxGcli = longHdr ? (1 << 20) - 1 : (1 << 13) - 1;
        int maxSign = longHdr ? (1 << 15) - 1 : (1 << 11) - 1;
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
                if (sigOn[b]) {
                    sigBits += sw[b];
                    cntBits += cost(b, line, 1, t) - sw[b];
                } else {
                    cntBits += cost(b, line, 0, t);
                }
                rawBits += 4L * gw[b];
                dataBits += cost(b, line, 2, t);
                if (cfg.signs != 0) {
                    signBits += cost(b, line, 3, t);
                }
            }
            if (!any) {
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
            total += hdr + counts + data + sign;
        }
        return total;
    }

    private int encodePrecinct(int py, long budget, boolean last, byte[] out, int p) throws CodecException {
        memoRow = py;
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                for (int[] m : memo[b]) {
                    Arrays.fill(m, -1);
                }
            }
        }
        // smallest Q that fits with R = 0
        int q = 0;
        long size = -1;
        for (; q <= maxQ; q++) {
            setTruncation(q, 0);
            size = precinctSize(py);
            if (size >= 0 && size <= budget) {
                break;
            }
        }
        if (q > maxQ) {
            q = maxQ;
            setTruncation(q, 0);
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
                setTruncation(q, mid);
                long s = precinctSize(py);
                if (s >= 0 && s <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            r = lo;
        }
        setTruncation(q, r);
        size = precinctSize(py);
        long padded = last ? Math.max(size, budget) : size;
        if (padded - g.precinctHeaderBytes > 0xFFFFF) {
            throw new CodecException("JPEG XS encoder: precinct " + py + " larger than Lprc allows");
        }
        int written = writePrecinct(py, q, r, (int) (padded - g.precinctHeaderBytes), out, p);
        if (written != size) {
            throw new IllegalStateException("JPEG XS encoder: size model " + size + " != written " + written);
        }
        return (int) padded;
    }

    private int writePrecinct(int py, int q, int r, int lprc, byte[] out, int p) {
        final BitWriter w = bw;
        w.reset(out, p);
        w.write(lprc, 24);
        w.write(q, 8);
        w.write(r, 8);
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b]) {
                w.write(sigOn[b] && g.linesIn(b, py) > 0 ? 2 : 0, 2);
            }
        }
        w.align();
        int hdr = longHdr ? 7 : 5;
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
                if (sigOn[b]) {
                    sigBits += sw[b];
                    cntBits += cost(b, line, 1, t) - sw[b];
                } else {
                    cntBits += cost(b, line, 0, t);
                }
                rawBits += 4L * gw[b];
                dataBits += cost(b, line, 2, t);
                if (cfg.signs != 0) {
                    signBits += cost(b, line, 3, t);
                }
            }
            if (!any) {
                continue;
            }
            long coded = ((sigBits + 7) >> 3) + ((cntBits + 7) >> 3);
            long rawBytes = (rawBits + 7) >> 3;
            boolean raw = rawBytes < coded;
            int dataLen = (int) ((dataBits + 7) >> 3);
            int cntLen = (int) (raw ? rawBytes : (cntBits + 7) >> 3);
            int signLen = (int) ((signBits + 7) >> 3);
            w.write(raw ? 1 : 0, 1);
            if (longHdr) {
                w.write(dataLen, 20);
                w.write(cntLen, 20);
                w.write(signLen, 15);
            } else {
                w.write(dataLen, 15);
                w.write(cntLen, 13);
                w.write(signLen, 11);
            }
            if (raw) {
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    if (line < g.linesIn(b, py)) {
                        int n = gw[b];
                        int base = (py * g.bLines[b] + line) * n;
                        int[] gc = gcli[b];
                        for (int i = 0; i < n; i++) {
                            w.write(gc[base + i], 4);
                        }
                    }
                }
                w.align();
            } else {
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    if (sigOn[b] && line < g.linesIn(b, py)) {
                        int n = gw[b];
                        int base = (py * g.bLines[b] + line) * n;
                        int[] gc = gcli[b];
                        int t = gtl[b];
                        for (int j = 0; j < n; j += 8) {
                            int e = Math.min(n, j + 8);
                            int flag = 1;
                            for (int i = j; i < e; i++) {
                                if (gc[base + i] > t) {
                                    flag = 0;
                                    break;
                                }
                            }
                            w.write(flag, 1);
                        }
                    }
                }
                w.align();
                for (int b = g.pktStart[k]; b < g.pktStop[k]; b++) {
                    if (line < g.linesIn(b, py)) {
                        int n = gw[b];
                        int base = (py * g.bLines[b] + line) * n;
                        int[] gc = gcli[b];
                        int t = gtl[b];
                        for (int j = 0; j < n; j += 8) {
                            int e = Math.min(n, j + 8);
                            if (sigOn[b]) {
                                boolean significant = false;
                                for (int i = j; i < e; i++) {
                                    significant |= gc[base + i] > t;
                                }
                                if (!significant) {
                                    continue;
                                }
                            }
                            for (int i = j; i < e; i++) {
                                int v = gc[base + i];
                                w.unary(v > t ? v - t : 0);
                            }
                        }
                    }
                }
                w.align();
            }
            // data
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
        int used = w.align() - p;
        return used;
    }

    private void writeData(BitWriter w, int b, int y, int t) {
        int n = gw[b];
        int width = g.bW[b];
        int[] gc = gcli[b];
        int[] m = mag[b];
        int base = y * n;
        int rowBase = y * width;
        boolean interleaved = cfg.signs == 0;
        for (int k = 0; k < n; k++) {
            int v = gc[base + k];
            if (v <= t) {
                continue;
            }
            int q0 = 0, q1 = 0, q2 = 0, q3 = 0, sgn = 0;
            int i = rowBase + 4 * k;
            int cnt = Math.min(4, width - 4 * k);
            for (int j = 0; j < cnt; j++) {
                int a = m[i + j];
                int q = quantize(Math.abs(a), v, t);
                if (q != 0 && a < 0) {
                    sgn |= 8 >> j;
                }
                if (j == 0) {
                    q0 = q;
                } else if (j == 1) {
                    q1 = q;
                } else if (j == 2) {
                    q2 = q;
                } else {
                    q3 = q;
                }
            }
            if (interleaved) {
                w.write(sgn, 4);
            }
            for (int pl = v - t - 1; pl >= 0; pl--) {
                int nib = (((q0 >> pl) & 1) << 3) | (((q1 >> pl) & 1) << 2) | (((q2 >> pl) & 1) << 1) | ((q3 >> pl) & 1);
                w.write(nib, 4);
            }
        }
    }

    private void writeSigns(BitWriter w, int b, int y, int t) {
        int n = gw[b];
        int width = g.bW[b];
        int[] gc = gcli[b];
        int[] m = mag[b];
        int base = y * n;
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
