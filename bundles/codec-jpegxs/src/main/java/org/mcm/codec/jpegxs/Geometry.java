package org.mcm.codec.jpegxs;

import org.mcm.api.codec.CodecException;

/**
 * Everything derived from the picture header: component sizes, the wavelet bands of each component and their
 * global (interleaved) order, the precinct grid, slices and the packets of a precinct (Ppoc = 0).
 *
 * <p>Band index conventions: within a component, band 0 is the lowest band, then the horizontal-only bands from the
 * coarsest level, then (HL, LH, HH) for each two-dimensional level from the coarsest. The global index of a band
 * is {@code beta * Ncd + c} where beta is its position in the full (luma) band list; a component with fewer
 * vertical levels (4:2:0 chroma) leaves gaps.
 */
final class Geometry {

    final int nc, ncd, nlx, nly, wf, hf;
    final int[] compW, compH, dh, dv, nb, sx, sy;
    /** [c][i] -> global band index. */
    final int[][] global;
    final int bandsAll, bandsExist;
    // per global band (undefined where !exists)
    final boolean[] exists;
    final int[] bComp, bIdx, bW, bH, bLines, bX, bY;
    /** precinct grid */
    final int npx, npy, precinctHeight;
    final int[] wNorm, wLast;
    final int slices, hsl;
    // packets
    final int nPackets;
    final int[] pktLine, pktStart, pktStop;
    final int precinctHeaderBytes;

    Geometry(Header h) throws CodecException {
        this(h.nc, h.wf, h.hf, h.nlx, h.nly, h.sd, h.sx, h.sy, h.cw, h.hsl);
    }

    Geometry(int nc, int wf, int hf, int nlx, int nly, int sd, int[] sxIn, int[] syIn, int cw, int hsl)
            throws CodecException {
        this.nc = nc;
        this.ncd = nc - sd;
        this.nlx = nlx;
        this.nly = nly;
        this.wf = wf;
        this.hf = hf;
        this.sx = sxIn.clone();
        this.sy = syIn.clone();
        compW = new int[nc];
        compH = new int[nc];
        dh = new int[nc];
        dv = new int[nc];
        nb = new int[nc];
        precinctHeight = 1 << nly;
        int exist = 0;
        for (int c = 0; c < nc; c++) {
            compW[c] = wf / sx[c];
            compH[c] = hf / sy[c];
            if (compW[c] < 1 || compH[c] < 1) {
                throw new CodecException("JPEG XS: component " + c + " is empty for a " + wf + "x" + hf + " picture");
            }
            if ((precinctHeight / sy[c]) == 0) {
                throw new CodecException("JPEG XS: component " + c + " sy=" + sy[c] + " needs NLy >= 1");
            }
            if (c < ncd) {
                dh[c] = nlx;
                dv[c] = nly - (sy[c] - 1);
                if (dv[c] < 0) {
                    throw new CodecException("JPEG XS: component " + c + " sy=" + sy[c] + " needs NLy >= 1");
                }
            }
            nb[c] = 2 * dv[c] + dh[c] + 1;
            exist += nb[c];
        }
        bandsExist = exist;
        int nbg = 2 * nly + nlx + 1;
        bandsAll = nbg * ncd + sd;
        exists = new boolean[bandsAll];
        bComp = new int[bandsAll];
        bIdx = new int[bandsAll];
        bW = new int[bandsAll];
        bH = new int[bandsAll];
        bLines = new int[bandsAll];
        bX = new int[bandsAll];
        bY = new int[bandsAll];
        global = new int[nc][];
        for (int c = 0; c < nc; c++) {
            global[c] = new int[nb[c]];
            if (c < ncd) {
                int ignore = nbg - nb[c];
                int skipAfter = nb[c] - 3 * dv[c] + 1 - ignore;
                int beta = 0;
                for (int i = 0; i < nb[c]; i++) {
                    global[c][i] = beta * ncd + c;
                    beta++;
                    if (ignore > 0 && i == skipAfter) {
                        beta += ignore;
                    }
                }
            } else {
                global[c][0] = ncd * nbg + (c - ncd);
            }
            // band sizes
            int[] w = new int[nb[c]], hh = new int[nb[c]], x = new int[nb[c]], y = new int[nb[c]];
            int lvl = nb[c] - 1;
            w[lvl] = compW[c];
            hh[lvl] = compH[c];
            for (int k = 0; k < dv[c]; k++) {
                int tw = w[lvl], th = hh[lvl];
                int w2 = tw / 2, w1 = tw - w2, h2 = th / 2, h1 = th - h2;
                w[lvl] = w2; hh[lvl] = h2; x[lvl] = w1; y[lvl] = h1;
                w[lvl - 1] = w1; hh[lvl - 1] = h2; x[lvl - 1] = 0; y[lvl - 1] = h1;
                w[lvl - 2] = w2; hh[lvl - 2] = h1; x[lvl - 2] = w1; y[lvl - 2] = 0;
                w[lvl - 3] = w1; hh[lvl - 3] = h1; x[lvl - 3] = 0; y[lvl - 3] = 0;
                lvl -= 3;
            }
            for (int k = dv[c]; k < dh[c]; k++) {
                int tw = w[lvl], th = hh[lvl];
                int w2 = tw / 2, w1 = tw - w2;
                w[lvl] = w2; hh[lvl] = th; x[lvl] = w1; y[lvl] = 0;
                w[lvl - 1] = w1; hh[lvl - 1] = th; x[lvl - 1] = 0; y[lvl - 1] = 0;
                lvl -= 1;
            }
            for (int i = 0; i < nb[c]; i++) {
                if (w[i] == 0 || hh[i] == 0) {
                    throw new CodecException("JPEG XS: picture " + wf + "x" + hf + " too small for NLx=" + nlx
                            + " NLy=" + nly + " (component " + c + " band " + i + " is empty)");
                }
                int g = global[c][i];
                exists[g] = true;
                bComp[g] = c;
                bIdx[g] = i;
                bW[g] = w[i];
                bH[g] = hh[i];
                bX[g] = x[i];
                bY[g] = y[i];
                if (c < ncd) {
                    bLines[g] = (dv[c] == 2 && i >= nb[c] - 3) ? 2 : 1;
                } else {
                    bLines[g] = Math.min(precinctHeight >> (sy[c] - 1), compH[c]);
                }
            }
        }
        npy = (hf + precinctHeight - 1) / precinctHeight;
        this.hsl = hsl;
        slices = (npy + hsl - 1) / hsl;
        wNorm = new int[bandsAll];
        wLast = new int[bandsAll];
        if (cw == 0) {
            npx = 1;
            for (int g = 0; g < bandsAll; g++) {
                wNorm[g] = bW[g];
                wLast[g] = bW[g];
            }
        } else {
            int sxMax = 1;
            for (int c = 0; c < nc; c++) {
                sxMax = Math.max(sxMax, sx[c]);
            }
            long cs = 8L * cw * sxMax * (1L << nlx);
            npx = (int) ((wf + cs - 1) / cs);
            for (int g = 0; g < bandsAll; g++) {
                if (!exists[g]) {
                    continue;
                }
                int c = bComp[g];
                long num = cs * bW[g];
                long den = (long) sx[c] * compW[c];
                long wn = (bW[g] % 2 != 0) ? num / den : (num + den - 1) / den;
                long wl = bW[g] - (npx - 1) * wn;
                if (wn < 1 || wl < 1 || wl > 2 * wn + 8) {
                    throw new CodecException("JPEG XS: precinct width Cw=" + cw + " unusable for band " + g);
                }
                wNorm[g] = (int) wn;
                wLast[g] = (int) wl;
            }
        }
        for (int g = 0; g < bandsAll; g++) {
            if (exists[g]) {
                long last = bH[g] - (long) (npy - 1) * bLines[g];
                if (last < 0 || last > bLines[g]) {
                    throw new CodecException("JPEG XS: inconsistent band height for band " + g);
                }
            }
        }
        // packets (progression order Ppoc = 0)
        int[] pl = new int[64], ps = new int[64], pe = new int[64];
        int n = 0;
        int stop0 = nlx - nly + 1;
        pl[n] = 0;
        ps[n] = 0;
        pe[n] = stop0 * ncd;
        n++;
        int nb0 = ncd > 0 ? nb[0] : 0;
        for (int beta = stop0; beta < nb0; beta++) {
            int s = beta * ncd;
            int e = s;
            for (int i = s; i < s + ncd; i++) {
                if (exists[i]) {
                    e++;
                }
            }
            pl[n] = 0;
            ps[n] = s;
            pe[n] = e;
            n++;
        }
        for (int beta = stop0; beta < nb0; beta++) {
            if (bLines[beta * ncd] == 1) {
                continue;
            }
            int s = beta * ncd;
            int e = s;
            for (int i = s; i < s + ncd; i++) {
                if (exists[i] && bLines[i] > 1) {
                    e++;
                }
            }
            pl[n] = 1;
            ps[n] = s;
            pe[n] = e;
            n++;
        }
        int base = ncd * nbg;
        for (int c = ncd; c < nc; c++) {
            int g = base + (c - ncd);
            for (int line = 0; line < bLines[g]; line++) {
                pl[n] = line;
                ps[n] = g;
                pe[n] = g + 1;
                n++;
            }
        }
        nPackets = n;
        pktLine = java.util.Arrays.copyOf(pl, n);
        pktStart = java.util.Arrays.copyOf(ps, n);
        pktStop = java.util.Arrays.copyOf(pe, n);
        for (int k = 0; k < n; k++) {
            for (int g = pktStart[k]; g < pktStop[k]; g++) {
                if (!exists[g]) {
                    throw new CodecException("JPEG XS: unsupported band layout (packet " + k + ")");
                }
            }
        }
        precinctHeaderBytes = 5 + (2 * bandsExist + 7) / 8;
    }

    /** Lines of band g in precinct row py. */
    int linesIn(int g, int py) {
        return py < npy - 1 ? bLines[g] : bH[g] - (npy - 1) * bLines[g];
    }

    int widthIn(int g, int px) {
        return px < npx - 1 ? wNorm[g] : wLast[g];
    }

    /** Writes the packet table the native code reads at {@code at}: each packet's line, first band and band after its last. */
    void writePacketTable(int[] p, int at) {
        for (int k = 0; k < nPackets; k++) {
            int o = at + 3 * k;
            p[o] = pktLine[k];
            p[o + 1] = pktStart[k];
            p[o + 2] = pktStop[k];
        }
    }
}
