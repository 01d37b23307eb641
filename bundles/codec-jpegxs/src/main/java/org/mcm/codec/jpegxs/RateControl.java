package org.mcm.codec.jpegxs;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.mcm.api.codec.CodecException;

/**
 * The JPEG XS encoder's rate control: plans every precinct (quantization Q, refinement R, coding mode per band)
 * against a running byte budget so that the codestream is exactly Lcod bytes, from the statistics of the transform,
 * and publishes each plan to the packers as soon as it is made. With the native fragment the same plans are made in C
 * (mcmjxsenc.c, part 3), which updates the precinct's size band by band; this Java code is the reference and the
 * fallback, and NativeRateControlTest checks that both make every decision the same.
 */
final class RateControl {

    private final EncoderState es;
    /**
     * The plan of the native rate control (mcmjxsenc.c, part 3; JxsNative.planPrecincts), made once: null where it
     * cannot plan (uniform quantization with separate signs, whose sign costs need the coefficients): Java only.
     */
    final int[] nativePlan;
    /** The native rate control's running state: next byte, bytes used, last Q, bytes available, off, Lcod. */
    private final long[] nativeState = new long[6];
    /** Whether the native rate control is used when the encoder's native code is (tests turn it off). */
    boolean nativeOn = true;
    /** Precincts planned by the native code so far (tests). */
    final AtomicInteger nativePlanned = new AtomicInteger();

    RateControl(EncoderState es) {
        this.es = es;
        nativePlan = es.cfg.signs != 0 && es.cfg.quantization != 0 ? null : nativePlan(es);
    }

    /**
     * See mcmjxsenc.c, part 3: bandsAll, nPackets, npy, precinct header bytes, long packet headers, Fs, Rm, vpred,
     * significance, statistics with bit lengths, hSize, statRows, maxQ, maxR, hsl, 0; per band exists, height, lines
     * per precinct, gw, sw, gain, priority, first statistics row; per packet its line, first and end band.
     */
    private static int[] nativePlan(EncoderState es) {
        final int ph = 16, pb = 8;
        int[] p = es.nativePlan(ph, pb);
        p[8] = es.cfg.significance ? 1 : 0;
        p[9] = es.statsBits ? 1 : 0;
        p[10] = es.hSize;
        p[11] = es.statRows;
        p[12] = es.maxQ;
        p[13] = es.maxR;
        p[14] = es.g.hsl;
        for (int b = 0; b < es.g.bandsAll; b++) {
            if (es.g.exists[b]) {
                p[ph + pb * b + 7] = es.statBase[b];
            }
        }
        return p;
    }

    /**
     * Plans every precinct (and writes the SLH markers); returns the position of EOC. With the native code the
     * precincts are planned in C, chunk precincts a call (whole slices; each call's plans are published to the
     * writers when it returns), and in Java from wherever the C code stops (the Java code then throws as it would
     * have): both make the same decisions.
     */
    int planAll(byte[] out, int off, int p, int chunk) throws CodecException {
        long available = es.lcod - (p - off) - 6L * es.g.slices - 2;
        long nPrec = es.g.npy;
        long used = 0;
        int py = 0;
        es.lastQ = 0; // every codestream is planned the same way, whatever was encoded before
        if (nativeOn && nativePlan != null && es.nativeIsa >= 0) {
            final long[] st = nativeState;
            st[0] = p;
            st[1] = 0;
            st[2] = 0;
            st[3] = available;
            st[4] = off;
            st[5] = es.lcod;
            final int step = Math.max(1, chunk / es.g.hsl) * es.g.hsl;
            while (py < nPrec) {
                int end = (int) Math.min(nPrec, py + step);
                int n;
                try {
                    n = JxsNative.planPrecincts(es.nativeIsa, nativePlan, st, py, end, out, es.rowStats, es.gcli,
                            es.gmax, es.prevGtl, es.planQ, es.planR, es.planSize, es.planPadded, es.planOffset,
                            es.planMode, es.pktData, es.pktCnt, es.pktSign, es.pktRaw);
                } catch (UnsatisfiedLinkError older) { // a library without the rate control: Java from now on
                    nativeOn = false;
                    break;
                }
                if (n <= 0) {
                    break; // arguments the C code refuses, or a precinct it leaves to Java
                }
                py += n;
                p = (int) st[0];
                used = st[1];
                es.lastQ = (int) st[2];
                nativePlanned.addAndGet(n);
                es.planned.set(py); // publishes the plans to the writers
                if (py < end) {
                    break;
                }
            }
        }
        for (; py < nPrec; py++) {
            if (py % es.g.hsl == 0) {
                int s = py / es.g.hsl;
                if (p + 8 - off > es.lcod) {
                    throw new CodecException("JPEG XS encoder: rate control overran Lcod=" + es.lcod
                            + " before slice " + s + "; the rate is too low for this picture");
                }
                out[p] = (byte) 0xFF;
                out[p + 1] = 0x20;
                out[p + 2] = 0;
                out[p + 3] = 4;
                out[p + 4] = (byte) (s >> 8);
                out[p + 5] = (byte) s;
                p += 6;
            }
            long target = available * (py + 1) / nPrec;
            long budget = target - used;
            boolean last = py == nPrec - 1;
            planPrecinct(py, budget, last);
            es.planOffset[py] = p;
            used += es.planPadded[py];
            p += es.planPadded[py];
            if (p - off > es.lcod) {
                throw new CodecException("JPEG XS encoder: rate control overran Lcod=" + es.lcod + " at precinct "
                        + py + "; the rate is too low for this picture");
            }
            es.planned.set(py + 1); // publishes the plan of py to the writers
        }
        return p;
    }

    /** The cost tables of every band line of precinct row py, for all 16 truncation values at once. */
    void buildCosts(int py) {
        // vertical prediction: not in the first precinct row of a slice (nothing above within the slice)
        boolean vp = es.cfg.vpred != 0 && py % es.g.hsl != 0;
        for (int b = 0; b < es.g.bandsAll; b++) {
            if (!es.g.exists[b]) {
                continue;
            }
            int lines = es.g.linesIn(b, py);
            es.vpOk[b] = vp;
            for (int l = 0; l < lines; l++) {
                int y = py * es.g.bLines[b] + l;
                fillCosts(b, y, es.costs[b][l]);
                if (vp) {
                    Arrays.fill(es.costs[b][l], 64, 96, -1);
                }
                if (es.cfg.signs != 0 && es.cfg.quantization != 0) {
                    uniformSignCosts(b, y, es.costs[b][l]);
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
    void fillCosts(int b, int y, int[] m) {
        final char[] st = es.rowStats;
        final int so = es.statRow(b, y) * es.hSize;
        final int n = es.gw[b];
        final int signBits = es.cfg.signs == 0 ? 4 : 0;
        int above = 0, excess = 0, sigGroups = 0, signs = 0;
        for (int t = 15; t >= 0; t--) {
            if (t < 15) {
                above += st[so + EncoderState.H_GCLI + t + 1];
                sigGroups += st[so + EncoderState.H_GMAX + t + 1];
                if (es.statsBits) {
                    signs += st[so + EncoderState.H_BITS + t + 1];
                }
            }
            excess += above; // sum over groups of max(gcli - t, 0)
            m[t] = n + excess;
            m[16 + t] = es.sw[b] + excess + sigGroups;
            m[32 + t] = 4 * excess + signBits * above;
            m[48 + t] = signs;
        }
    }

    /**
     * Bits of the bit-plane counts of band row y under vertical prediction with truncation t, the row above
     * (already coded with truncation tTop) as predictor: into m[64 + t] without, m[80 + t] with significance flags.
     * The decoder keeps max(count, truncation) of every group, so that is what is predicted and what is coded.
     */
    void vpredCosts(int b, int y, int t, int tTop, int[] m) {
        final byte[] gc = es.gcli[b];
        final int n = es.gw[b];
        final int base = y * n, up = base - n;
        final int tt = Math.max(t, tTop);
        final int[] gm = es.gmax[b];
        final int mo = y * es.sw[b];
        int plain = 0, sig = es.sw[b];
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
            if (es.rm == 0 ? any != 0 : gm[mo + (j >> 3)] > t) {
                sig += bits;
            }
        }
        m[64 + t] = plain;
        m[80 + t] = sig;
    }

    /** Count bits of band b, line l of precinct py, in coding mode d, truncation t (vpred costs on demand). */
    int countBits(int b, int py, int l, int d, int t) {
        int[] m = es.costs[b][l];
        if ((d & 1) == 0) {
            return m[((d & 2) << 3) + t];
        }
        int k = 64 + ((d & 2) << 3) + t;
        if (m[k] < 0) {
            vpredCosts(b, py * es.g.bLines[b] + l, t, l == 0 ? es.prevGtl[b] : t, m);
        }
        return m[k];
    }

    /** Separate sign bits under uniform quantization (the index depends on the group's count, not only on a). */
    void uniformSignCosts(int b, int y, int[] m) {
        int n = es.gw[b];
        byte[] gc = es.gcli[b];
        int w = es.g.bW[b];
        int[] mg = es.mag[b];
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
                    if (es.quantize(Math.abs(mg[rowBase + i]), v, t) != 0) {
                        signs++;
                    }
                }
            }
            m[48 + t] = signs;
        }
    }

    /**
     * Size of precinct py in bytes for the current gtl[], choosing the coding mode of every band (modeOf[]) and raw
     * packets (recorded in the plan arrays of py); -1 if a field overflows.
     */
    long precinctSize(int py) {
        long total = es.g.precinctHeaderBytes;
        for (int b = 0; b < es.g.bandsAll; b++) {
            if (!es.g.exists[b]) {
                continue;
            }
            int lines = es.g.linesIn(b, py);
            int mode = 0;
            if (lines > 0 && (es.cfg.significance || es.vpOk[b])) {
                long a = 0, s = 0;
                int t = es.gtl[b];
                for (int l = 0; l < lines; l++) {
                    a += es.costs[b][l][t];
                    s += es.costs[b][l][16 + t];
                }
                long best = a;
                if (es.cfg.significance && s < a) {
                    mode = 2;
                    best = s;
                }
                if (es.vpOk[b]) {
                    long va = 0, vs = 0;
                    for (int l = 0; l < lines; l++) {
                        va += countBits(b, py, l, 1, t);
                        if (es.cfg.significance) {
                            vs += countBits(b, py, l, 3, t);
                        }
                    }
                    if (va < best) {
                        mode = 1;
                        best = va;
                    }
                    if (es.cfg.significance && vs < best) {
                        mode = 3;
                    }
                }
            }
            es.modeOf[b] = mode;
        }
        int hdr = es.longHdr ? 7 : 5;
        int maxData = es.longHdr ? (1 << 20) - 1 : (1 << 15) - 1;
        int maxGcli = es.longHdr ? (1 << 20) - 1 : (1 << 13) - 1;
        int maxSign = es.longHdr ? (1 << 15) - 1 : (1 << 11) - 1;
        int pk = py * es.g.nPackets;
        for (int k = 0; k < es.g.nPackets; k++) {
            int line = es.g.pktLine[k];
            long sigBits = 0, cntBits = 0, rawBits = 0, dataBits = 0, signBits = 0;
            boolean any = false;
            for (int b = es.g.pktStart[k]; b < es.g.pktStop[k]; b++) {
                if (line >= es.g.linesIn(b, py)) {
                    continue;
                }
                any = true;
                int t = es.gtl[b];
                int[] m = es.costs[b][line];
                int d = es.modeOf[b];
                if ((d & 2) != 0) {
                    sigBits += es.sw[b];
                    cntBits += countBits(b, py, line, d, t) - es.sw[b];
                } else {
                    cntBits += countBits(b, py, line, d, t);
                }
                rawBits += 4L * es.gw[b];
                dataBits += m[32 + t];
                if (es.cfg.signs != 0) {
                    signBits += m[48 + t];
                }
            }
            if (!any) {
                es.pktData[pk + k] = -1;
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
            es.pktRaw[pk + k] = useRaw;
            es.pktData[pk + k] = (int) data;
            es.pktCnt[pk + k] = (int) cntField;
            es.pktSign[pk + k] = (int) sign;
            total += hdr + counts + data + sign;
        }
        return total;
    }

    /** Chooses Q and R of precinct py for the byte budget and records the plan (sizes, flags, packet lengths). */
    void planPrecinct(int py, long budget, boolean last) throws CodecException {
        buildCosts(py);
        // smallest Q that fits with R = 0 (the size does not grow with Q): searched from the previous precinct's Q,
        // which is usually right or next to it
        int q = Math.min(Math.max(es.lastQ, 0), es.maxQ);
        es.setTruncation(es.gtl, q, 0);
        long size = precinctSize(py);
        if (size >= 0 && size <= budget) {
            while (q > 0) {
                es.setTruncation(es.gtl, q - 1, 0);
                long s = precinctSize(py);
                if (s < 0 || s > budget) {
                    break;
                }
                q--;
                size = s;
            }
        } else {
            for (q++; q <= es.maxQ; q++) {
                es.setTruncation(es.gtl, q, 0);
                size = precinctSize(py);
                if (size >= 0 && size <= budget) {
                    break;
                }
            }
        }
        if (q > es.maxQ) {
            q = es.maxQ;
            es.setTruncation(es.gtl, q, 0);
            size = precinctSize(py);
            if (size < 0) {
                throw new CodecException("JPEG XS encoder: precinct " + py + " does not fit the packet size fields");
            }
        }
        int r = 0;
        if (q > 0 && size <= budget) {
            // largest R in [0, maxR] that still fits
            int lo = 0, hi = es.maxR + 1;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                es.setTruncation(es.gtl, q, mid);
                long s = precinctSize(py);
                if (s >= 0 && s <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            r = lo;
        }
        es.setTruncation(es.gtl, q, r);
        size = precinctSize(py);
        long padded = last ? Math.max(size, budget) : size;
        if (padded - es.g.precinctHeaderBytes > 0xFFFFF) {
            throw new CodecException("JPEG XS encoder: precinct " + py + " larger than Lprc allows");
        }
        es.planQ[py] = q;
        es.planR[py] = r;
        es.lastQ = q;
        es.planSize[py] = (int) size;
        es.planPadded[py] = (int) padded;
        for (int b = 0; b < es.g.bandsAll; b++) {
            es.planMode[py * es.g.bandsAll + b] = (byte) (es.g.linesIn(b, py) > 0 ? es.modeOf[b] : 0);
        }
        System.arraycopy(es.gtl, 0, es.prevGtl, 0, es.g.bandsAll);
    }
}
