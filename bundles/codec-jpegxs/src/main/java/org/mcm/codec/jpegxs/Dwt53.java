package org.mcm.codec.jpegxs;

/**
 * The reversible LeGall 5/3 wavelet (lifting, whole-sample symmetric extension) as used by JPEG XS, forward and
 * inverse, on int rows. Samples at even positions are low-pass, odd positions high-pass.
 */
final class Dwt53 {

    private Dwt53() {
    }

    /** Inverse 1-D: lf (ceil(len/2)) and hf (floor(len/2)) into out[oo..oo+len). out must not alias the inputs. */
    static void inverse(int[] lf, int lo, int[] hf, int ho, int[] out, int oo, int len) {
        if (len == 1) {
            out[oo] = lf[lo];
            return;
        }
        int nL = (len + 1) >> 1;
        int nH = len >> 1;
        // even samples: e[k] = l[k] - ((h[k-1] + h[k] + 2) >> 2), h[-1] = h[0], h[nH] = h[nH-1]
        int hPrev = hf[ho];
        out[oo] = lf[lo] - ((hPrev + hPrev + 2) >> 2);
        int k = 1;
        for (; k < nH; k++) {
            int hCur = hf[ho + k];
            out[oo + 2 * k] = lf[lo + k] - ((hPrev + hCur + 2) >> 2);
            hPrev = hCur;
        }
        if (k < nL) { // odd length: last even sample mirrors h
            out[oo + 2 * k] = lf[lo + k] - ((hPrev + hPrev + 2) >> 2);
        }
        // odd samples: o[k] = h[k] + ((e[k] + e[k+1]) >> 1), e[nL] = e[nL-1]
        int kk = 0;
        int lastFull = (len & 1) != 0 ? nH : nH - 1;
        for (; kk < lastFull; kk++) {
            int p = oo + 2 * kk;
            out[p + 1] = hf[ho + kk] + ((out[p] + out[p + 2]) >> 1);
        }
        if (kk < nH) {
            int p = oo + 2 * kk;
            out[p + 1] = hf[ho + kk] + out[p];
        }
    }

    /** Forward 1-D of in[io..io+len) into lf and hf. in must not alias the outputs. */
    static void forward(int[] in, int io, int[] lf, int lo, int[] hf, int ho, int len) {
        if (len == 1) {
            lf[lo] = in[io];
            return;
        }
        int nL = (len + 1) >> 1;
        int nH = len >> 1;
        // predict: h[k] = x[2k+1] - ((x[2k] + x[2k+2]) >> 1), x[len] mirrors x[len-2]
        for (int k = 0; k < nH; k++) {
            int p = io + 2 * k;
            int right = (2 * k + 2 < len) ? in[p + 2] : in[p];
            hf[ho + k] = in[p + 1] - ((in[p] + right) >> 1);
        }
        // update: l[k] = x[2k] + ((h[k-1] + h[k] + 2) >> 2)
        for (int k = 0; k < nL; k++) {
            int hl = hf[ho + (k > 0 ? k - 1 : 0)];
            int hr = hf[ho + (k < nH ? k : nH - 1)];
            lf[lo + k] = in[io + 2 * k] + ((hl + hr + 2) >> 2);
        }
    }

    /** Supplies row y (of the current level's input) into dst[off..off+width). */
    interface RowSource {
        void load(int y, int[] dst, int off);
    }

    /** Told when row y of a level's output is final. */
    interface RowSink {
        void done(int y);
    }

    /**
     * One forward 2-D level, a few rows at a time so the rows stay in the cache: the input (w x h, rows from src)
     * is lifted vertically into L and H rows, each transformed horizontally at once: L rows into the next level's
     * low band (ll, stride llStride) and hl, H rows into lh and hh (all bands compact, low bands ceil(w/2) wide).
     * ring needs 3*w ints, hRing 2*w, lRow w.
     */
    static void forwardLevel(RowSource src, int w, int h, int[] ll, int llStride, int[] hl, int[] lh, int[] hh,
            int[] ring, int[] hRing, int[] lRow) {
        int lw = (w + 1) >> 1, hw = w >> 1;
        int nL = (h + 1) >> 1, nH = h >> 1;
        if (h == 1) {
            src.load(0, lRow, 0);
            forward(lRow, 0, ll, 0, hl, 0, w);
            return;
        }
        src.load(0, ring, 0);
        for (int k = 0; k < nL; k++) {
            int x0 = ((2 * k) % 3) * w; // row 2k, loaded by the previous step
            if (k < nH) {
                int x1 = ((2 * k + 1) % 3) * w;
                src.load(2 * k + 1, ring, x1);
                int x2 = x0;
                if (2 * k + 2 < h) {
                    x2 = ((2 * k + 2) % 3) * w;
                    src.load(2 * k + 2, ring, x2);
                }
                int ho = (k & 1) * w;
                for (int x = 0; x < w; x++) {
                    hRing[ho + x] = ring[x1 + x] - ((ring[x0 + x] + ring[x2 + x]) >> 1);
                }
            }
            int hp = ((k > 0 ? k - 1 : 0) & 1) * w;
            int hc = ((k < nH ? k : nH - 1) & 1) * w;
            for (int x = 0; x < w; x++) {
                lRow[x] = ring[x0 + x] + ((hRing[hp + x] + hRing[hc + x] + 2) >> 2);
            }
            forward(lRow, 0, ll, k * llStride, hl, k * hw, w);
            if (k < nH) {
                forward(hRing, (k & 1) * w, lh, k * lw, hh, k * hw, w);
            }
        }
    }

    /**
     * One inverse 2-D level, a few rows at a time: L rows (ll, stride llStride, with hl) and H rows (lh, hh; bands
     * compact) are inverted horizontally as they are needed and lifted vertically into out (stride outStride),
     * nL + nH rows of lw + hw samples. hRing needs 2*(lw+hw) ints. The sink (may be null) hears of every final row.
     */
    static void inverseLevel(int[] ll, int llStride, int[] hl, int[] lh, int[] hh, int lw, int hw, int nL, int nH,
            int[] out, int outStride, int[] hRing, RowSink sink) {
        int w = lw + hw;
        int len = nL + nH;
        if (len == 1) {
            inverse(ll, 0, hl, 0, out, 0, w);
            if (sink != null) {
                sink.done(0);
            }
            return;
        }
        inverse(lh, 0, hh, 0, hRing, 0, w); // H[0]
        evenRow(ll, llStride, hl, hw, w, 0, hRing, 0, 0, out, outStride);
        for (int k = 0; k < nH; k++) {
            int hk = (k & 1) * w;
            if (k + 1 < nH) {
                inverse(lh, (k + 1) * lw, hh, (k + 1) * hw, hRing, ((k + 1) & 1) * w, w);
            }
            if (k + 1 < nL) {
                int hn = (Math.min(k + 1, nH - 1) & 1) * w;
                evenRow(ll, llStride, hl, hw, w, k + 1, hRing, hk, hn, out, outStride);
            }
            int e0 = 2 * k * outStride;
            int e1 = 2 * k + 2 < len ? e0 + 2 * outStride : e0;
            int op = e0 + outStride;
            for (int x = 0; x < w; x++) {
                out[op + x] = hRing[hk + x] + ((out[e0 + x] + out[e1 + x]) >> 1);
            }
            if (sink != null) {
                sink.done(2 * k);
                sink.done(2 * k + 1);
            }
        }
        if (nL > nH && sink != null) {
            sink.done(len - 1);
        }
    }

    /** Even output row 2k: the horizontally inverted L row k minus the vertical update from H rows hp, hc. */
    private static void evenRow(int[] ll, int llStride, int[] hl, int hw, int w, int k, int[] hRing, int hp, int hc,
            int[] out, int outStride) {
        int op = 2 * k * outStride;
        inverse(ll, k * llStride, hl, k * hw, out, op, w);
        for (int x = 0; x < w; x++) {
            out[op + x] -= (hRing[hp + x] + hRing[hc + x] + 2) >> 2;
        }
    }
}
