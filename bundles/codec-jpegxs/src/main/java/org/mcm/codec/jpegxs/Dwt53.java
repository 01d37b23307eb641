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
        final int nH = len >> 1;
        // one pass: even e[k] = l[k] - ((h[k-1] + h[k] + 2) >> 2) with h[-1] = h[0], h[nH] = h[nH-1]; as soon as
        // e[k] is known, odd o[k-1] = h[k-1] + ((e[k-1] + e[k]) >> 1); e[nL] mirrors e[nL-1]
        int hPrev = hf[ho];
        int ePrev = lf[lo] - ((hPrev + hPrev + 2) >> 2);
        out[oo] = ePrev;
        for (int k = 1; k < nH; k++) {
            int hCur = hf[ho + k];
            int e = lf[lo + k] - ((hPrev + hCur + 2) >> 2);
            out[oo + 2 * k - 1] = hPrev + ((ePrev + e) >> 1);
            out[oo + 2 * k] = e;
            hPrev = hCur;
            ePrev = e;
        }
        if ((len & 1) != 0) {
            int e = lf[lo + nH] - ((hPrev + hPrev + 2) >> 2);
            out[oo + 2 * nH - 1] = hPrev + ((ePrev + e) >> 1);
            out[oo + 2 * nH] = e;
        } else {
            out[oo + 2 * nH - 1] = hPrev + ePrev;
        }
    }

    /** Forward 1-D of in[io..io+len) into lf and hf. in must not alias the outputs. */
    static void forward(int[] in, int io, int[] lf, int lo, int[] hf, int ho, int len) {
        if (len == 1) {
            lf[lo] = in[io];
            return;
        }
        final int nH = len >> 1;
        // one pass: predict h[k] = x[2k+1] - ((x[2k] + x[2k+2]) >> 1) (x[len] mirrors x[len-2]), then at once
        // update l[k] = x[2k] + ((h[k-1] + h[k] + 2) >> 2) (h[-1] = h[0], h[nH] = h[nH-1])
        final int kn = (len - 1) >> 1; // k < kn: x[2k+2] exists
        int xe = in[io];
        int xn = len > 2 ? in[io + 2] : xe;
        int hp = in[io + 1] - ((xe + xn) >> 1);
        hf[ho] = hp;
        lf[lo] = xe + ((hp + hp + 2) >> 2);
        xe = xn;
        for (int k = 1; k < kn; k++) {
            xn = in[io + 2 * k + 2];
            int h = in[io + 2 * k + 1] - ((xe + xn) >> 1);
            hf[ho + k] = h;
            lf[lo + k] = xe + ((hp + h + 2) >> 2);
            hp = h;
            xe = xn;
        }
        if (kn < nH && nH > 1) { // even length: the last odd sample mirrors
            int k = nH - 1;
            int h = in[io + 2 * k + 1] - xe;
            hf[ho + k] = h;
            lf[lo + k] = xe + ((hp + h + 2) >> 2);
            hp = h;
        }
        if ((len & 1) != 0) {
            lf[lo + nH] = xe + ((hp + hp + 2) >> 2);
        }
    }

    /** Told when row y of band 0 (HL), 1 (LH) or 2 (HH) of a forward level is final. */
    interface BandSink {
        void done(int band, int y);
    }

    /** The rows a forward level reads: row y (of w samples) into dst[dOff..dOff+w). */
    interface Rows {
        void load(int y, int[] dst, int dOff);
    }

    /**
     * One forward 2-D level, a few rows at a time so the rows stay in the cache: the input (w x h, rows from src) is
     * lifted vertically into L and H rows, each transformed horizontally at once: L rows into the next level's low
     * band (ll, stride llStride) and a row of HL (hlRow), H rows into a row of LH and HH (lhRow, hhRow; low halves
     * ceil(w/2) wide). The sink hears of every band row as soon as it is in its row buffer (which the next row
     * overwrites). rows: 3 arrays of w ints, hRows 2, lRow w (rows in separate arrays so that C2 vectorizes the
     * lifting).
     */
    static void forwardLevel(Rows src, int w, int h, int[] ll, int llStride, int[] hlRow, int[] lhRow, int[] hhRow,
            int[][] rows, int[][] hRows, int[] lRow, BandSink sink) {
        int nL = (h + 1) >> 1, nH = h >> 1;
        if (h == 1) {
            src.load(0, lRow, 0);
            forward(lRow, 0, ll, 0, hlRow, 0, w);
            sink.done(0, 0);
            return;
        }
        src.load(0, rows[0], 0);
        for (int k = 0; k < nL; k++) {
            final int[] x0 = rows[(2 * k) % 3]; // row 2k, loaded by the previous step
            if (k < nH) {
                final int[] x1 = rows[(2 * k + 1) % 3];
                src.load(2 * k + 1, x1, 0);
                int[] x2 = x0;
                if (2 * k + 2 < h) {
                    x2 = rows[(2 * k + 2) % 3];
                    src.load(2 * k + 2, x2, 0);
                }
                final int[] hk = hRows[k & 1];
                for (int x = 0; x < w; x++) {
                    hk[x] = x1[x] - ((x0[x] + x2[x]) >> 1);
                }
            }
            final int[] hp = hRows[(k > 0 ? k - 1 : 0) & 1];
            final int[] hc = hRows[(k < nH ? k : nH - 1) & 1];
            for (int x = 0; x < w; x++) {
                lRow[x] = x0[x] + ((hp[x] + hc[x] + 2) >> 2);
            }
            forward(lRow, 0, ll, k * llStride, hlRow, 0, w);
            sink.done(0, k);
            if (k < nH) {
                forward(hRows[k & 1], 0, lhRow, 0, hhRow, 0, w);
                sink.done(1, k);
                sink.done(2, k);
            }
        }
    }

    /** Where an inverse level's output rows go: row y, final, in row[0..w) (the row array is reused afterwards). */
    interface RowOut {
        void store(int y, int[] row);
    }

    /** RowOut into an array: row y at y * stride. */
    static RowOut into(int[] dst, int stride, int w) {
        return (y, row) -> System.arraycopy(row, 0, dst, y * stride, w);
    }

    /**
     * Output scaling fused into the last inverse level: sample = clamp((v + add) >> dz, 0, max) (the linear output
     * scaling of Annex G, Tnlt = 0).
     */
    static final class Scale {
        final int add, dz, max;

        Scale(int add, int dz, int max) {
            this.add = add;
            this.dz = dz;
            this.max = max;
        }
    }

    /**
     * One inverse 2-D level, a few rows at a time: L rows (ll, stride llStride, with hl) and H rows (lh, hh; bands
     * compact) are inverted horizontally as they are needed and lifted vertically, the nL + nH output rows of
     * lw + hw samples handed to out in order as each is final. hRows and eRows: two arrays of lw + hw ints each (the H rows and the even
     * output rows in flight; separate arrays and loops with one store each, all indexes with the same offset, so
     * that C2 vectorizes them; tmp: lw + hw ints for the odd rows). With scale, every output row is
     * written scaled (the last level).
     */
    static void inverseLevel(int[] ll, int llStride, int[] hl, int[] lh, int[] hh, int lw, int hw, int nL, int nH,
            RowOut out, int[][] hRows, int[][] eRows, int[] tmp, Scale scale) {
        final int w = lw + hw;
        final int len = nL + nH;
        if (len == 1) {
            inverse(ll, 0, hl, 0, tmp, 0, w);
            if (scale != null) {
                scaleRow(tmp, tmp, w, scale);
            }
            out.store(0, tmp);
            return;
        }
        inverse(lh, 0, hh, 0, hRows[0], 0, w); // H[0]
        evenRow(ll, llStride, hl, hw, w, 0, hRows[0], hRows[0], eRows[0]);
        for (int k = 0; k < nH; k++) {
            final int[] hk = hRows[k & 1];
            if (k + 1 < nH) {
                inverse(lh, (k + 1) * lw, hh, (k + 1) * hw, hRows[(k + 1) & 1], 0, w);
            }
            final int[] e0 = eRows[k & 1];
            int[] e1 = e0;
            if (k + 1 < nL) {
                e1 = eRows[(k + 1) & 1];
                evenRow(ll, llStride, hl, hw, w, k + 1, hk, hRows[Math.min(k + 1, nH - 1) & 1], e1);
            }
            // odd row 2k+1, then the even row 2k (final now)
            if (scale == null) {
                for (int x = 0; x < w; x++) {
                    tmp[x] = hk[x] + ((e0[x] + e1[x]) >> 1);
                }
                out.store(2 * k, e0);
            } else {
                final int add = scale.add, dz = scale.dz, max = scale.max;
                for (int x = 0; x < w; x++) {
                    int v = (hk[x] + ((e0[x] + e1[x]) >> 1) + add) >> dz;
                    v &= ~(v >> 31);
                    int d = v - max;
                    tmp[x] = max + (d & (d >> 31));
                }
                scaleRow(e0, e0, w, scale); // e0 is not needed any more
                out.store(2 * k, e0);
            }
            out.store(2 * k + 1, tmp);
        }
        if (nL > nH) { // odd height: the last even row
            int[] e = eRows[nH & 1];
            if (scale != null) {
                scaleRow(e, e, w, scale);
            }
            out.store(len - 1, e);
        }
    }

    /** out[0..w) = clamp((in[0..w) + add) &gt;&gt; dz, 0, max), without branches or Math.min (vectorized). */
    private static void scaleRow(int[] in, int[] out, int w, Scale scale) {
        final int add = scale.add, dz = scale.dz, max = scale.max;
        for (int x = 0; x < w; x++) {
            int v = (in[x] + add) >> dz;
            v &= ~(v >> 31);
            int d = v - max;
            out[x] = max + (d & (d >> 31));
        }
    }

    /** Even output row 2k into e: the horizontally inverted L row k minus the vertical update from H rows hp, hc. */
    private static void evenRow(int[] ll, int llStride, int[] hl, int hw, int w, int k, int[] hp, int[] hc, int[] e) {
        inverse(ll, k * llStride, hl, k * hw, e, 0, w);
        for (int x = 0; x < w; x++) {
            e[x] -= (hp[x] + hc[x] + 2) >> 2;
        }
    }
}
