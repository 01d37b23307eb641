package org.mcm.codec.jpegxs;

/** Inverse non-linearity / output scaling (ISO/IEC 21122-1 Annex G): wavelet-domain values to sample values. */
final class OutputScaling {

    private OutputScaling() {
    }

    static void apply(Header h, int[] v, int n) {
        apply(h, v, 0, n);
    }

    /** The linear scaling (Tnlt = 0) for fusing into the inverse wavelet. */
    static Dwt53.Scale linear(Header h) {
        int depth = h.depth[0];
        int dz = h.bw - depth;
        return new Dwt53.Scale(((1 << h.bw) >> 1) + ((1 << dz) >> 1), dz, (1 << depth) - 1);
    }

    /** Scales v[from..from+n) in place. */
    static void apply(Header h, int[] v, int from, int n) {
        int depth = h.depth[0];
        int bw = h.bw;
        int max = (1 << depth) - 1;
        if (h.tnlt == 0) {
            int dz = bw - depth;
            int off = (1 << bw) >> 1;
            int rnd = (1 << dz) >> 1;
            int add = off + rnd;
            final int e = from + n;
            for (int i = from; i < e; i++) { // clamp without branches or Math.min: vectorized by C2
                int x = (v[i] + add) >> dz;
                x &= ~(x >> 31);
                int d = x - max;
                v[i] = max + (d & (d >> 31));
            }
        } else if (h.tnlt == 1) {
            int dz = 2 * bw - depth;
            long rnd = (1L << dz) >> 1;
            int clampV = (1 << bw) - 1;
            long dco = (long) h.tnltAlpha - ((long) h.tnltSigma << 15);
            for (int i = from; i < from + n; i++) {
                long x = v[i] + ((1 << bw) >> 1);
                x = x < 0 ? 0 : x > clampV ? clampV : x;
                long y = ((x * x + rnd) >> dz) + dco;
                v[i] = (int) (y < 0 ? 0 : y > max ? max : y);
            }
        } else {
            long t1 = h.tnltT1, t2 = h.tnltT2;
            int e = h.tnltE;
            int eps = bw - e;
            long b1 = t1 + (1L << (bw - e - 1));
            long b2 = t1 * t1;
            long b3 = t2 - (1L << (bw - e - 1));
            long a1 = b2 + (t1 << eps) + (1L << (2 * bw - 2 - 2 * e));
            long a3 = b2 + (t2 << eps) - (1L << (2 * bw - 2 - 2 * e));
            int dz = 2 * bw - depth;
            long rnd = (1L << dz) >> 1;
            long clampV = (1L << bw) - 1;
            for (int i = from; i < from + n; i++) {
                long x = v[i] + ((1L << bw) >> 1);
                if (x < t1) {
                    x = b1 - x;
                    x = x < 0 ? 0 : x > clampV ? clampV : x;
                    x = a1 - x * x;
                } else if (x < t2) {
                    x = (x << eps) + b2;
                } else {
                    x -= b3;
                    x = x < 0 ? 0 : x > clampV ? clampV : x;
                    x = a3 + x * x;
                }
                x = (x + rnd) >> dz;
                v[i] = (int) (x < 0 ? 0 : x > max ? max : x);
            }
        }
    }
}
