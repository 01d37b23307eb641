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

    /**
     * Inverse vertical step over whole rows: L rows (nL of them) and H rows (nH) of width w, all with stride
     * {@code stride}, into out rows 0..nL+nH-1 (stride {@code ostride}).
     */
    static void inverseVertical(int[] l, int[] h, int stride, int nL, int nH, int w, int[] out, int ostride) {
        int len = nL + nH;
        if (len == 1) {
            System.arraycopy(l, 0, out, 0, w);
            return;
        }
        // even rows
        for (int k = 0; k < nL; k++) {
            int hp = (k > 0 ? k - 1 : 0) * stride;
            int hc = (k < nH ? k : nH - 1) * stride;
            int lp = k * stride;
            int op = 2 * k * ostride;
            for (int x = 0; x < w; x++) {
                out[op + x] = l[lp + x] - ((h[hp + x] + h[hc + x] + 2) >> 2);
            }
        }
        // odd rows
        for (int k = 0; k < nH; k++) {
            int hp = k * stride;
            int e0 = 2 * k * ostride;
            int e1 = (2 * k + 2 < len) ? e0 + 2 * ostride : e0;
            int op = e0 + ostride;
            for (int x = 0; x < w; x++) {
                out[op + x] = h[hp + x] + ((out[e0 + x] + out[e1 + x]) >> 1);
            }
        }
    }

    /** Forward vertical step: rows 0..len-1 of in (stride istride) into L rows and H rows (stride). */
    static void forwardVertical(int[] in, int istride, int len, int w, int[] l, int[] h, int stride) {
        if (len == 1) {
            System.arraycopy(in, 0, l, 0, w);
            return;
        }
        int nL = (len + 1) >> 1;
        int nH = len >> 1;
        for (int k = 0; k < nH; k++) {
            int p = 2 * k * istride;
            int r = (2 * k + 2 < len) ? p + 2 * istride : p;
            int o = p + istride;
            int hp = k * stride;
            for (int x = 0; x < w; x++) {
                h[hp + x] = in[o + x] - ((in[p + x] + in[r + x]) >> 1);
            }
        }
        for (int k = 0; k < nL; k++) {
            int hp = (k > 0 ? k - 1 : 0) * stride;
            int hc = (k < nH ? k : nH - 1) * stride;
            int ip = 2 * k * istride;
            int lp = k * stride;
            for (int x = 0; x < w; x++) {
                l[lp + x] = in[ip + x] + ((h[hp + x] + h[hc + x] + 2) >> 2);
            }
        }
    }
}
