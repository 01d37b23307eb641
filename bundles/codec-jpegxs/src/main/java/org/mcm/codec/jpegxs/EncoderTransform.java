package org.mcm.codec.jpegxs;

import java.util.Arrays;

import org.mcm.api.codec.CodecException;

/**
 * The JPEG XS encoder's first job: samples to the wavelet domain (5/3 DWT, components in parallel), each band row
 * rounded and grouped as soon as it is made, with the per-row statistics (bit-plane count histograms) that the rate
 * control reads.
 */
final class EncoderTransform {

    private final EncoderState es;
    private final EncoderThreads t;

    EncoderTransform(EncoderState es, EncoderThreads t) {
        this.es = es;
        this.t = t;
        this.parts = Math.min(t.threads, es.g.nc);
        this.owner = Tasks.byComponent(es.g, parts);
        task = (part, w) -> {
            w.dwtBuffers();
            for (int c = 0; c < es.g.nc; c++) {
                if (owner[c] != part) {
                    continue;
                }
                forwardComponent(c, w, source, es.cfg.colourTransform == 0);
            }
        };
    }

    void transform(SampleSource source) throws CodecException {
        final int nc = es.g.nc;
        SampleSource in = source;
        if (es.cfg.colourTransform == 1) { // needs all three components of a sample at once: whole planes
            int n = es.g.compW[0] * es.g.compH[0];
            if (es.rctPlanes == null) {
                es.rctPlanes = es.newPicture();
            }
            int[][] planes = es.rctPlanes.planes;
            SampleSource.Scratch scratch = new SampleSource.Scratch(es.maxW);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < es.g.compH[c]; y++) {
                    source.row(c, y, planes[c], y * es.g.compW[c], es.g.compW[c], scratch);
                }
                // scale first, then RCT on the scaled values (the decoder inverts RCT before output scaling)
                scaleInput(planes[c], planes[c], n);
            }
            Rct.forward(planes[0], planes[1], planes[2], n);
            in = SampleSource.of(es.rctPlanes);
        }
        this.source = in;
        try {
            t.parallel(parts, task);
        } finally {
            this.source = null;
        }
    }

    // made once: the parts, who does which component and the task; source is the frame being transformed (set
    // around parallel, which publishes it to the helpers), so that a frame allocates nothing here
    private final int parts;
    private final int[] owner;
    private SampleSource source;
    private final EncoderThreads.Task task;

    /**
     * Rounds row y of band b, given as wavelet values in in[0..] (overwritten), to integers (Fq fractional bits dropped, magnitude
     * at most 15 bits) into the band, computes the bit-plane count of every group of 4 and the statistics of the row
     * that the rate control needs. Called as soon as the wavelet has made the row, while it is in the cache.
     */
    void roundRow(int b, int y, int[] in, EncoderWorker wk) {
        final byte[] gc = es.gcli[b];
        final char[] st = es.rowStats;
        final int[] abs = wk.abs;
        final int width = es.g.bW[b], groups = es.gw[b], full = width >> 2;
        final int half = 1 << (EncoderState.FQ - 1);
        final int go = y * groups;
        // loops with one store each, no Math.min, all indexes with the same offset: so C2 vectorizes them
        if (es.deadzone) { // in place (in is scratch): min(rounded |v|, 0x7FFF) with the sign in bit 15
            for (int x = 0; x < width; x++) {
                int v = in[x];
                int s = v >> 31;
                int d = (((v ^ s) - s + half) >> EncoderState.FQ) - 0x7FFF;
                in[x] = (0x7FFF + (d & (d >> 31))) | ((v >>> 31) << 15);
            }
        } else {
            for (int x = 0; x < width; x++) {
                int v = in[x];
                int s = v >> 31;
                int d = (((v ^ s) - s + half) >> EncoderState.FQ) - 0x7FFF;
                abs[x] = 0x7FFF + (d & (d >> 31)); // min(rounded |v|, 0x7FFF)
            }
            for (int x = 0; x < width; x++) {
                int s = in[x] >> 31;
                in[x] = (abs[x] ^ s) - s;
            }
            System.arraycopy(in, 0, es.mag[b], y * width, width);
        }
        // statistics of the row; the count histogram in 4 interleaved parts (no chain of increments of one cell)
        final int so = es.statRow(b, y) * es.hSize;
        final int[] hist = wk.hist;
        Arrays.fill(hist, 0);
        Arrays.fill(st, so, so + es.hSize, (char) 0);
        final int[] gm = es.gmax[b];
        final int mo = y * es.sw[b];
        int j = 0;
        if (es.deadzone) {
            // whole blocks of 8 groups: the packing words, the counts from them (the highest nonzero nibble), into
            // the histogram and the maximum
            final long[] wd = es.words[b];
            final long[] sp = BitPlanes.SPREAD16;
            for (; j + 8 <= full; j += 8) {
                int max = 0;
                for (int q = 0; q < 8; q++) {
                    final int i = 4 * (j + q);
                    final long word = (sp[in[i]] << 3) | (sp[in[i + 1]] << 2) | (sp[in[i + 2]] << 1) | sp[in[i + 3]];
                    wd[go + j + q] = word;
                    final int v = EncoderState.countOf(word);
                    gc[go + j + q] = (byte) v;
                    hist[((q & 3) << 4) + v]++;
                    max = Math.max(max, v);
                }
                st[so + EncoderState.H_GMAX + max] += 8;
                gm[mo + (j >> 3)] = max;
            }
            for (int k = j; k < groups; k++) { // the rest; the last group may be partial (missing coefficients 0)
                long word = 0;
                for (int x = 4 * k; x < Math.min(width, 4 * k + 4); x++) {
                    word |= sp[in[x]] << (3 - (x & 3));
                }
                wd[go + k] = word;
                gc[go + k] = (byte) EncoderState.countOf(word);
            }
        } else {
            // whole blocks of 8 groups: the counts straight from the magnitudes, into the histogram and the maximum
            for (; j + 8 <= full; j += 8) {
                final int i = 4 * j, o = go + j;
                int v0 = 32 - Integer.numberOfLeadingZeros(abs[i] | abs[i + 1] | abs[i + 2] | abs[i + 3]);
                int v1 = 32 - Integer.numberOfLeadingZeros(abs[i + 4] | abs[i + 5] | abs[i + 6] | abs[i + 7]);
                int v2 = 32 - Integer.numberOfLeadingZeros(abs[i + 8] | abs[i + 9] | abs[i + 10] | abs[i + 11]);
                int v3 = 32 - Integer.numberOfLeadingZeros(abs[i + 12] | abs[i + 13] | abs[i + 14] | abs[i + 15]);
                int v4 = 32 - Integer.numberOfLeadingZeros(abs[i + 16] | abs[i + 17] | abs[i + 18] | abs[i + 19]);
                int v5 = 32 - Integer.numberOfLeadingZeros(abs[i + 20] | abs[i + 21] | abs[i + 22] | abs[i + 23]);
                int v6 = 32 - Integer.numberOfLeadingZeros(abs[i + 24] | abs[i + 25] | abs[i + 26] | abs[i + 27]);
                int v7 = 32 - Integer.numberOfLeadingZeros(abs[i + 28] | abs[i + 29] | abs[i + 30] | abs[i + 31]);
                gc[o] = (byte) v0;
                gc[o + 1] = (byte) v1;
                gc[o + 2] = (byte) v2;
                gc[o + 3] = (byte) v3;
                gc[o + 4] = (byte) v4;
                gc[o + 5] = (byte) v5;
                gc[o + 6] = (byte) v6;
                gc[o + 7] = (byte) v7;
                hist[v0]++;
                hist[16 + v1]++;
                hist[32 + v2]++;
                hist[48 + v3]++;
                hist[v4]++;
                hist[16 + v5]++;
                hist[32 + v6]++;
                hist[48 + v7]++;
                int max = Math.max(Math.max(Math.max(v0, v1), Math.max(v2, v3)), Math.max(Math.max(v4, v5),
                        Math.max(v6, v7)));
                st[so + EncoderState.H_GMAX + max] += 8;
                gm[mo + (j >> 3)] = max;
            }
            for (int k = j; k < full; k++) {
                gc[go + k] = (byte) (32 - Integer.numberOfLeadingZeros(abs[4 * k] | abs[4 * k + 1] | abs[4 * k + 2]
                        | abs[4 * k + 3]));
            }
            if (full < groups) {
                int or = 0;
                for (int x = 4 * full; x < width; x++) {
                    or |= abs[x];
                }
                gc[go + full] = (byte) (32 - Integer.numberOfLeadingZeros(or));
            }
        }
        for (; j < groups; j += 8) {
            int e = Math.min(groups, j + 8);
            int max = 0;
            for (int k = j; k < e; k++) {
                int v = gc[go + k];
                hist[((k & 3) << 4) + v]++;
                max = Math.max(max, v);
            }
            st[so + EncoderState.H_GMAX + max] += e - j;
            gm[mo + (j >> 3)] = max;
        }
        for (int v = 0; v < 16; v++) {
            st[so + EncoderState.H_GCLI + v] = (char) (hist[v] + hist[16 + v] + hist[32 + v] + hist[48 + v]);
        }
        if (es.statsBits) { // (deadzone only)
            for (int x = 0; x < width; x++) {
                st[so + EncoderState.H_BITS + 32 - Integer.numberOfLeadingZeros(in[x] & 0x7FFF)]++;
            }
        }
    }

    void scaleInput(int[] src, int[] dst, int n) {
        scaleInput(src, 0, dst, 0, n);
    }

    /** Samples to the wavelet domain: Bw-bit values centred on zero. */
    void scaleInput(int[] src, int so, int[] dst, int dO, int n) {
        int shift = EncoderState.BW - es.cfg.depth;
        int offset = 1 << (EncoderState.BW - 1);
        int mask = (1 << es.cfg.depth) - 1;
        for (int i = 0; i < n; i++) {
            dst[dO + i] = ((src[so + i] & mask) << shift) - offset;
        }
    }

    /**
     * Forward wavelet of component c from its plane (scaled to the wavelet domain on the way if scale): the 2-D
     * levels a few rows at a time from the full resolution down (low bands ping-pong between the worker's two
     * buffers, stride compW), then the horizontal-only levels in place, then the lowest band.
     */
    void forwardComponent(int c, EncoderWorker wk, SampleSource source, boolean scale) {
        if (es.nativeIsa >= 0 && forwardNative(c, wk, source, scale)) {
            return;
        }
        final int stride = es.g.compW[c];
        int curW = es.g.compW[c], curH = es.g.compH[c];
        int[] gl = es.g.global[c];
        int i = es.g.nb[c] - 1;
        if (wk.scratch == null) {
            wk.scratch = new SampleSource.Scratch(es.maxW);
        }
        final SampleSource.Scratch scratch = wk.scratch;
        final int mask = scale ? (1 << es.cfg.depth) - 1 : -1;
        final int shift = scale ? EncoderState.BW - es.cfg.depth : 0;
        final int offset = scale ? 1 << (EncoderState.BW - 1) : 0;
        // the source's rows, scaled to the wavelet domain on the way
        final Dwt53.Rows sourceRows = (y, dst, dOff) -> {
            source.row(c, y, dst, dOff, stride, scratch);
            if (scale) {
                for (int x = dOff; x < dOff + stride; x++) { // in place, one offset: C2 vectorizes it
                    dst[x] = ((dst[x] & mask) << shift) - offset;
                }
            }
        };
        int[] cur;
        if (es.g.dv[c] == 0) {
            if (wk.work == null) {
                wk.work = new int[es.maxW * es.maxH];
            }
            cur = wk.work;
            for (int y = 0; y < curH; y++) {
                sourceRows.load(y, cur, y * stride);
            }
        } else {
            cur = null;
        }
        for (int k = 0; k < es.g.dv[c]; k++, i -= 3) {
            final int bHl = gl[i - 2], bLh = gl[i - 1], bHh = gl[i];
            final int[] prev = cur;
            final int w = curW;
            Dwt53.Rows rows = prev == null ? sourceRows
                    : (y, dst, dOff) -> System.arraycopy(prev, y * stride, dst, dOff, w);
            int[] out = (k & 1) == 0 ? wk.bufA : wk.bufB;
            final int[] rHl = wk.rowHl, rLh = wk.rowLh, rHh = wk.rowHh;
            Dwt53.forwardLevel(rows, curW, curH, out, stride, rHl, rLh, rHh, wk.inRows, wk.hRows, wk.lRow,
                    (band, y) -> {
                        if (band == 0) {
                            roundRow(bHl, y, rHl, wk);
                        } else if (band == 1) {
                            roundRow(bLh, y, rLh, wk);
                        } else {
                            roundRow(bHh, y, rHh, wk);
                        }
                    });
            cur = out;
            curW = (curW + 1) >> 1;
            curH = (curH + 1) >> 1;
        }
        final int[] row = wk.lRow;
        for (int k = es.g.dv[c]; k < es.g.dh[c]; k++, i--) {
            int lw = (curW + 1) >> 1, hw = curW >> 1;
            final int[] hb = wk.rowHl;
            for (int y = 0; y < curH; y++) {
                Dwt53.forward(cur, y * stride, row, 0, hb, 0, curW);
                System.arraycopy(row, 0, cur, y * stride, lw);
                roundRow(gl[i], y, hb, wk);
            }
            curW = lw;
        }
        for (int y = 0; y < curH; y++) {
            System.arraycopy(cur, y * stride, wk.rowHl, 0, curW);
            roundRow(gl[0], y, wk.rowHl, wk);
        }
    }

    /**
     * forwardComponent in C (the native fragment): the whole component in one call, reading a picture's plane or a
     * raw planar frame's in place (any other source, e.g. pgroup, is first read into the worker's plane). False, with nothing written, when the
     * library does not take the call: then the Java path runs.
     */
    private boolean forwardNative(int c, EncoderWorker wk, SampleSource source, boolean scale) {
        final int w = es.g.compW[c], h = es.g.compH[c];
        final Object src;
        long srcOff = 0;
        int srcBytes = 4;
        if (source instanceof SampleSource.Planes) {
            src = ((SampleSource.Planes) source).pic.planes[c];
        } else if (source instanceof SampleSource.Planar && scale && readInPlace((SampleSource.Planar) source)) {
            // a raw planar frame, read in place: a direct buffer, or the array behind a heap buffer
            final SampleSource.Planar p = (SampleSource.Planar) source;
            srcBytes = p.bps;
            srcOff = (long) p.planeStart[c] * p.bps;
            if (p.bytes.isDirect()) {
                src = p.bytes;
            } else {
                src = p.bytes.array();
                srcOff += p.bytes.arrayOffset();
            }
        } else {
            if (wk.work == null) {
                wk.work = new int[es.maxW * es.maxH];
            }
            if (wk.scratch == null) {
                wk.scratch = new SampleSource.Scratch(es.maxW);
            }
            src = wk.work;
            for (int y = 0; y < h; y++) {
                source.row(c, y, wk.work, y * w, w, wk.scratch);
            }
        }
        final int dv = es.g.dv[c];
        int rc;
        try {
            rc = JxsNative.forwardComponent(es.nativeIsa, src, srcOff, w, srcBytes, w, h, scale ? es.cfg.depth : 0,
                    es.g.dh[c] - dv, dv, dv > 0 ? wk.bufA : null, dv > 1 ? wk.bufB : null, es.nGcli[c], es.nGmax[c],
                    es.nCoef[c], es.nDims[c], es.rowStats, es.statRows, es.hSize,
                    (es.deadzone ? 1 : 0) | (es.statsBits ? 2 : 0));
        } catch (UnsatisfiedLinkError older) { // a library without the encoder's functions: Java from now on
            es.nativeIsa = -1;
            return false;
        }
        if (rc != 0) {
            return false;
        }
        es.nativeComponents.incrementAndGet();
        if (srcBytes != 4) {
            es.nativeRawInPlace.incrementAndGet();
        }
        return true;
    }

    private static boolean readInPlace(SampleSource.Planar p) {
        return p.bytes.isDirect() || p.bytes.hasArray();
    }
}
