package org.mcm.codec.jpegxs;

/** Reversible colour transform (Cpih = 1), ISO/IEC 21122-1 Annex F. */
final class Rct {

    private Rct() {
    }

    static void inverse(int[] c0, int[] c1, int[] c2, int n) {
        for (int i = 0; i < n; i++) {
            int y = c0[i], u = c1[i], v = c2[i];
            int g = y - ((u + v) >> 2);
            c0[i] = g + v;
            c1[i] = g;
            c2[i] = g + u;
        }
    }

    static void forward(int[] c0, int[] c1, int[] c2, int n) {
        for (int i = 0; i < n; i++) {
            int r = c0[i], g = c1[i], b = c2[i];
            // Y = floor((R + 2G + B) / 4), Cb = B - G, Cr = R - G
            int y = (r + 2 * g + b) >> 2;
            c0[i] = y;
            c1[i] = b - g;
            c2[i] = r - g;
        }
    }
}
