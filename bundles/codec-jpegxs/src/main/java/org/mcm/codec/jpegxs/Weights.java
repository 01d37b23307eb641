package org.mcm.codec.jpegxs;

import org.mcm.api.codec.CodecException;

/**
 * Gain and priority tables (WGT) the encoder writes: the example tables of ISO/IEC 21122-1 for 4:4:4, 4:2:2 and
 * 4:2:0 at NLx=5, and tables derived from the NLy=2/NLx=5 one for other decompositions the same way the reference
 * encoder derives them (so our WGT marker matches its output). Entries are in global band order; -1 = no band.
 */
final class Weights {

    private Weights() {
    }

    // 4:4:4, NLx = 5, NLy = 0, 1, 2
    private static final int[][] G444 = {
        {3, 2, 2, 2, 1, 1, 2, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0},
        {4, 2, 2, 3, 2, 2, 2, 1, 1, 2, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0},
        {4, 3, 3, 3, 2, 2, 3, 2, 2, 2, 1, 1, 2, 1, 1, 2, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}};
    private static final int[][] P444 = {
        {6, 8, 7, 1, 4, 5, 12, 14, 15, 0, 2, 3, 9, 11, 10, 13, 16, 17},
        {21, 1, 0, 15, 19, 18, 5, 9, 8, 14, 17, 16, 2, 4, 3, 7, 13, 11, 6, 12, 10, 20, 23, 22},
        {12, 15, 14, 3, 11, 10, 24, 26, 27, 0, 4, 5, 18, 21, 20, 19, 23, 22, 13, 16, 17, 2, 9, 6, 1, 7, 8, 25, 28, 29}};
    // 4:2:2, NLx = 5, NLy = 0, 1, 2
    private static final int[][] G422 = {
        {2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}};
    private static final int[][] P422 = {
        {8, 7, 6, 5, 3, 4, 13, 12, 14, 1, 0, 2, 9, 11, 10, 16, 15, 17},
        {0, 1, 2, 18, 19, 20, 6, 7, 8, 15, 16, 17, 3, 4, 5, 10, 12, 14, 9, 11, 13, 21, 22, 23},
        {14, 13, 12, 9, 11, 10, 25, 24, 26, 0, 1, 2, 19, 20, 18, 23, 22, 21, 17, 15, 16, 4, 8, 5, 3, 6, 7, 28, 27, 29}};
    private static final int X = -1;
    // 4:2:0, [NLy-1][NLx-1] for NLy = 1, 2 (NLy = 2 needs NLx >= 2)
    private static final int[][][] G420 = {
        {{1, 1, 1, 1, 0, 0, 1, X, X, 0, X, X},
         {1, 1, 1, 1, 0, 0, 1, 0, 0, 1, X, X, 0, X, X},
         {2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, X, X, 0, X, X},
         {2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, X, X, 0, X, X},
         {3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, X, X, 0, X, X}},
        {null,
         {2, 1, 1, 1, 1, 1, 1, X, X, 0, X, X, 1, 1, 1, 1, 1, 1, 0, 0, 0},
         {2, 2, 2, 2, 1, 1, 1, 1, 1, 1, X, X, 0, X, X, 1, 1, 1, 1, 1, 1, 0, 0, 0},
         {3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, X, X, 0, X, X, 1, 1, 1, 1, 1, 1, 0, 0, 0},
         {3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, X, X, 0, X, X, 1, 1, 1, 1, 1, 1, 0, 0, 0}}};
    private static final int[][][] P420 = {
        {{2, 5, 4, 6, 1, 0, 7, X, X, 3, X, X},
         {4, 7, 6, 8, 1, 0, 10, 3, 2, 9, X, X, 5, X, X},
         {11, 3, 2, 6, 9, 8, 10, 1, 0, 13, 5, 4, 12, X, X, 7, X, X},
         {7, 12, 11, 14, 3, 2, 6, 10, 9, 13, 1, 0, 16, 5, 4, 15, X, X, 8, X, X},
         {9, 16, 15, 7, 13, 12, 17, 3, 2, 6, 11, 10, 14, 1, 0, 19, 5, 4, 18, X, X, 8, X, X}},
        {null,
         {10, 4, 3, 2, 9, 8, 1, X, X, 0, X, X, 16, 14, 12, 15, 13, 11, 7, 6, 5},
         {5, 12, 11, 13, 4, 3, 2, 10, 9, 1, X, X, 0, X, X, 19, 17, 15, 18, 16, 14, 8, 7, 6},
         {22, 6, 5, 7, 14, 13, 15, 4, 3, 2, 12, 11, 1, X, X, 0, X, X, 21, 19, 17, 20, 18, 16, 10, 9, 8},
         {0, 13, 12, 25, 7, 6, 8, 17, 16, 18, 5, 4, 3, 15, 14, 2, X, X, 1, X, X, 24, 22, 20, 23, 21, 19, 11, 10, 9}}};

    /** Fills gain/priority per global band of g (3 interleaved components, or 1). */
    static void fill(Geometry g, int[] gain, int[] prio) throws CodecException {
        int[] tg, tp;
        boolean c420 = g.nc == 3 && g.sy[1] == 2;
        boolean c422 = g.nc == 3 && !c420 && g.sx[1] == 2;
        if (g.nc != 3 && g.nc != 1) {
            throw new CodecException("JPEG XS encoder: no weight table for " + g.nc + " components");
        }
        if (c420) {
            if (g.nly < 1 || (g.nly == 2 && g.nlx < 2)) {
                throw new CodecException("JPEG XS encoder: 4:2:0 needs NLy 1..2");
            }
            tg = G420[g.nly - 1][g.nlx - 1];
            tp = P420[g.nly - 1][g.nlx - 1];
        } else if (g.nlx == 5) {
            tg = (c422 ? G422 : G444)[g.nly];
            tp = (c422 ? P422 : P444)[g.nly];
        } else {
            int[][] t = derive(c422 ? G422[2] : G444[2], c422 ? P422[2] : P444[2], g.nly, g.nlx);
            tg = t[0];
            tp = t[1];
        }
        if (g.nc == 1) {
            // one component: take the luma column and re-rank the priorities
            int n = tg.length / 3;
            int[] g1 = new int[n], p1 = new int[n];
            for (int i = 0; i < n; i++) {
                g1[i] = tg[3 * i];
                p1[i] = tp[3 * i];
            }
            compact(p1);
            tg = g1;
            tp = p1;
        }
        if (tg.length != g.bandsAll) {
            throw new CodecException("JPEG XS encoder: weight table size mismatch");
        }
        for (int b = 0; b < g.bandsAll; b++) {
            if (g.exists[b] != (tg[b] >= 0)) {
                throw new CodecException("JPEG XS encoder: weight table does not fit the band layout");
            }
            gain[b] = tg[b];
            prio[b] = tp[b];
        }
    }

    /**
     * From the NLy=2, NLx=5 table: each vertical level removed drops the bands at beta = NLx-1 and beta = 0, each
     * horizontal level removed drops beta = 0 (or the last beta when one horizontal level remains); then the
     * priorities are closed up.
     */
    private static int[][] derive(int[] g0, int[] p0, int nly, int nlx) throws CodecException {
        int[] g = g0.clone(), p = p0.clone();
        int size = g.length;
        int v = 2, h = 5;
        while (v > nly) {
            int at = 3 * (h - 1);
            System.arraycopy(g, at + 3, g, at, size - at - 3);
            System.arraycopy(p, at + 3, p, at, size - at - 3);
            size -= 3;
            System.arraycopy(g, 3, g, 0, size - 3);
            System.arraycopy(p, 3, p, 0, size - 3);
            size -= 3;
            v--;
        }
        if (nlx < v) {
            throw new CodecException("JPEG XS encoder: NLx < NLy");
        }
        while (h > nlx) {
            h--;
            if (h != 1) {
                System.arraycopy(g, 3, g, 0, size - 3);
                System.arraycopy(p, 3, p, 0, size - 3);
            }
            size -= 3;
        }
        int[] gg = java.util.Arrays.copyOf(g, size), pp = java.util.Arrays.copyOf(p, size);
        closeUp(pp);
        return new int[][] {gg, pp};
    }

    /** Closes gaps in the priorities the way the reference does: lower the first larger value until i exists. */
    private static void closeUp(int[] p) {
        for (int i = 0; i < p.length; i++) {
            while (indexOf(p, i) < 0) {
                for (int j = 0; j < p.length; j++) {
                    if (p[j] > i) {
                        p[j]--;
                        break;
                    }
                }
            }
        }
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** Ranks priorities 0..n-1 keeping their order. */
    private static void compact(int[] p) {
        int n = p.length;
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            int rank = 0;
            for (int j = 0; j < n; j++) {
                if (p[j] < p[i] || (p[j] == p[i] && j < i)) {
                    rank++;
                }
            }
            r[i] = rank;
        }
        System.arraycopy(r, 0, p, 0, n);
    }
}
