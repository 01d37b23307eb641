package org.mcm.codec.jpegxs;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The JPEG XS encoder's packing: the codestream header, then every precinct written as the rate control planned it
 * (bit-plane counts raw, from zero or vertically predicted, data and signs), taking the next planned precinct each
 * time so that several threads write side by side.
 */
final class PrecinctPacker {

    private final EncoderState es;

    PrecinctPacker(EncoderState es) {
        this.es = es;
    }

    int writeHeader(byte[] o, int off) {
        int p = off;
        int nc = es.g.nc;
        p = put16(o, p, Header.SOC);
        p = put16(o, p, Header.CAP);
        p = put16(o, p, 4);
        boolean c420 = false;
        for (int c = 0; c < nc; c++) {
            c420 |= es.g.sy[c] > 1;
        }
        int cap = (c420 ? 0x0800 : 0) | 0x0080; // bit 4: sy > 1 present; bit 8: raw-mode switch (Rl = 1)
        p = put16(o, p, cap);
        p = put16(o, p, Header.PIH);
        p = put16(o, p, 26);
        p = put16(o, p, es.lcod >>> 16);
        p = put16(o, p, es.lcod & 0xFFFF);
        p = put16(o, p, 0); // Ppih
        p = put16(o, p, 0); // Plev
        p = put16(o, p, es.g.wf);
        p = put16(o, p, es.g.hf);
        p = put16(o, p, 0); // Cw
        p = put16(o, p, es.g.hsl);
        o[p++] = (byte) nc;
        o[p++] = 4; // Ng
        o[p++] = 8; // Ss
        o[p++] = (byte) EncoderState.BW;
        o[p++] = (byte) ((EncoderState.FQ << 4) | 4); // Fq, Br
        o[p++] = (byte) es.cfg.colourTransform; // Fslc=0, Ppoc=0, Cpih
        o[p++] = (byte) ((es.g.nlx << 4) | es.g.nly);
        o[p++] = (byte) (((es.longHdr ? 1 : 0) << 7) | (1 << 6) | (es.cfg.quantization << 4) | (es.cfg.signs << 2) | es.rm);
        p = put16(o, p, Header.CDT);
        p = put16(o, p, 2 + 2 * nc);
        for (int c = 0; c < nc; c++) {
            o[p++] = (byte) es.cfg.depth;
            o[p++] = (byte) ((es.g.sx[c] << 4) | es.g.sy[c]);
        }
        p = put16(o, p, Header.WGT);
        p = put16(o, p, 2 + 2 * es.g.bandsExist);
        for (int b = 0; b < es.g.bandsAll; b++) {
            if (es.g.exists[b]) {
                o[p++] = (byte) es.gain[b];
                o[p++] = (byte) es.prio[b];
            }
        }
        return p;
    }

    static int put16(byte[] o, int p, int v) {
        o[p] = (byte) (v >> 8);
        o[p + 1] = (byte) v;
        return p + 2;
    }

    /** Writes planned precincts, taking the next unwritten one each time, until all are taken. */
    void packLoop(EncoderWorker w, byte[] out) {
        if (es.nativeIsa >= 0 && es.nativePackPlan != null) {
            packLoopNative(w, out);
            return;
        }
        final int n = es.g.npy;
        for (int py = es.nextPack.getAndIncrement(); py < n; py = es.nextPack.getAndIncrement()) {
            if (!awaitPlanned(py)) {
                return;
            }
            writePlanned(py, w, out);
        }
    }

    /** Waits until precinct py is planned; false if the planning failed meanwhile. */
    private boolean awaitPlanned(int py) {
        int spins = 0;
        while (es.planned.get() <= py) {
            if (es.abortPack) {
                return false;
            }
            if (++spins < 200) {
                Thread.onSpinWait();
            } else { // a precinct is planned in ~8 us: poll without burning a core that others may need
                LockSupport.parkNanos(20_000);
            }
        }
        return true;
    }

    /** Writes planned precinct py in Java, checks its size against the plan and pads it. */
    private void writePlanned(int py, EncoderWorker w, byte[] out) {
        int at = es.planOffset[py];
        int written = writePrecinct(py, w, out, at);
        if (written != es.planSize[py]) {
            throw new IllegalStateException("JPEG XS encoder: size model " + es.planSize[py] + " != written "
                    + written);
        }
        Arrays.fill(out, at + written, at + es.planPadded[py], (byte) 0);
    }

    /** Precincts a native call writes at most: few calls, and the threads still share the precincts out. */
    private static final int NATIVE_CHUNK = 8;

    /**
     * packLoop with the native packing: takes the next run of planned precincts (up to NATIVE_CHUNK) at a time and
     * writes them in one call; any the C code does not write (it returns how many it did) are written in Java.
     */
    private void packLoopNative(EncoderWorker w, byte[] out) {
        final int n = es.g.npy;
        for (;;) {
            final int py = es.nextPack.get();
            if (py >= n) {
                return;
            }
            if (!awaitPlanned(py)) {
                return;
            }
            final int end = Math.min(es.planned.get(), py + NATIVE_CHUNK);
            if (!es.nextPack.compareAndSet(py, end)) {
                continue; // another thread took it
            }
            int done;
            try {
                done = JxsNative.packPrecincts(es.nativeIsa, out, py, end, es.nativePackPlan, es.planQ, es.planR,
                        es.planPadded, es.planOffset, es.planSize, es.planMode, es.pktData, es.pktCnt, es.pktSign,
                        es.pktRaw, es.gcli, es.gmax, es.words);
            } catch (UnsatisfiedLinkError older) { // a library without the encoder's packing: Java from now on
                es.nativeIsa = -1;
                done = 0;
            }
            done = Math.max(0, done);
            es.nativePrecincts.addAndGet(done);
            for (int q = py + done; q < end; q++) {
                writePlanned(q, w, out);
            }
        }
    }

    /** Writes precinct py as planned at out[p..]; returns the bytes written (without the last one's padding). */
    int writePrecinct(int py, EncoderWorker wk, byte[] out, int p) {
        final BitWriter w = wk.bw;
        final int[] gtl = wk.gtl;
        es.setTruncation(gtl, es.planQ[py], es.planR[py]);
        final int sigAt = py * es.g.bandsAll;
        final int[] gtlTop = wk.gtlTop;
        if (es.cfg.vpred != 0 && py > 0) {
            es.setTruncation(gtlTop, es.planQ[py - 1], es.planR[py - 1]);
        }
        w.reset(out, p, p + es.planPadded[py]);
        w.write(es.planPadded[py] - es.g.precinctHeaderBytes, 24);
        w.write(es.planQ[py], 8);
        w.write(es.planR[py], 8);
        for (int b = 0; b < es.g.bandsAll; b++) {
            if (es.g.exists[b]) {
                w.write(es.planMode[sigAt + b], 2);
            }
        }
        w.align();
        for (int k = 0; k < es.g.nPackets; k++) {
            int pk = py * es.g.nPackets + k;
            if (es.pktData[pk] < 0) {
                continue;
            }
            int line = es.g.pktLine[k];
            boolean raw = es.pktRaw[pk];
            w.write(raw ? 1 : 0, 1);
            if (es.longHdr) {
                w.write(es.pktData[pk], 20);
                w.write(es.pktCnt[pk], 20);
                w.write(es.pktSign[pk], 15);
            } else {
                w.write(es.pktData[pk], 15);
                w.write(es.pktCnt[pk], 13);
                w.write(es.pktSign[pk], 11);
            }
            if (raw) {
                for (int b = es.g.pktStart[k]; b < es.g.pktStop[k]; b++) {
                    if (line < es.g.linesIn(b, py)) {
                        int n = es.gw[b];
                        int base = (py * es.g.bLines[b] + line) * n;
                        byte[] gc = es.gcli[b];
                        int i = 0;
                        for (; i + 8 <= n; i += 8) {
                            w.write(packNibbles(gc, base + i), 32);
                        }
                        for (; i < n; i++) {
                            w.write(gc[base + i], 4);
                        }
                    }
                }
                w.align();
            } else {
                for (int b = es.g.pktStart[k]; b < es.g.pktStop[k]; b++) {
                    int d = es.planMode[sigAt + b];
                    if ((d & 2) != 0 && line < es.g.linesIn(b, py)) {
                        int n = es.gw[b];
                        int base = (py * es.g.bLines[b] + line) * n;
                        byte[] gc = es.gcli[b];
                        int t = gtl[b];
                        if (d == 3 && es.rm == 0) { // insignificant: all residuals zero
                            int tt = line == 0 ? Math.max(t, gtlTop[b]) : t;
                            for (int j = 0; j < n; j += 8) {
                                w.write(residualsZero(gc, base + j, n, Math.min(n - j, 8), t, tt) ? 1 : 0, 1);
                            }
                        } else {
                            int[] gm = es.gmax[b];
                            int mo = (py * es.g.bLines[b] + line) * es.sw[b];
                            for (int j = 0; j < es.sw[b]; j++) {
                                w.write(gm[mo + j] > t ? 0 : 1, 1);
                            }
                        }
                    }
                }
                w.align();
                for (int b = es.g.pktStart[k]; b < es.g.pktStop[k]; b++) {
                    if (line < es.g.linesIn(b, py)) {
                        int d = es.planMode[sigAt + b];
                        if ((d & 1) == 0) {
                            writeCounts(w, b, py * es.g.bLines[b] + line, gtl[b], d != 0);
                        } else {
                            int t = gtl[b];
                            writeCountsVp(w, b, py * es.g.bLines[b] + line, t, line == 0 ? Math.max(t, gtlTop[b]) : t,
                                    d == 3);
                        }
                    }
                }
                w.align();
            }
            for (int b = es.g.pktStart[k]; b < es.g.pktStop[k]; b++) {
                if (line < es.g.linesIn(b, py)) {
                    writeData(w, b, py * es.g.bLines[b] + line, gtl[b]);
                }
            }
            w.align();
            if (es.cfg.signs != 0) {
                for (int b = es.g.pktStart[k]; b < es.g.pktStop[k]; b++) {
                    if (line < es.g.linesIn(b, py)) {
                        writeSigns(w, b, py * es.g.bLines[b] + line, gtl[b]);
                    }
                }
                w.align();
            }
        }
        return w.align() - p;
    }

    static int packNibbles(byte[] a, int o) {
        return (a[o] << 28) | (a[o + 1] << 24) | (a[o + 2] << 20) | (a[o + 3] << 16) | (a[o + 4] << 12)
                | (a[o + 5] << 8) | (a[o + 6] << 4) | a[o + 7];
    }

    /** Bit-plane counts coded from zero: unary max(gcli - t, 0), skipping insignificant 8-groups if sig. */
    void writeCounts(BitWriter w, int b, int y, int t, boolean sig) {
        final int n = es.gw[b];
        final int base = y * n;
        final byte[] gc = es.gcli[b];
        final int[] gm = es.gmax[b];
        final int mo = y * es.sw[b];
        // the codes (at most 16 bits each: counts are below 16) collect in a long, written when it is nearly full
        long acc = 0;
        int na = 0;
        for (int j = 0; j < n; j += 8) {
            if (sig && gm[mo + (j >> 3)] <= t) { // an insignificant 8-group: no counts
                continue;
            }
            final int e = base + Math.min(n, j + 8);
            for (int i = base + j; i < e; i++) {
                int d = gc[i] - t;
                int len = (d & ~(d >> 31)) + 1; // max(d, 0) + 1
                if (na + len > 56) {
                    w.put(acc, na);
                    acc = 0;
                    na = 0;
                }
                acc = (acc << len) | ((1L << len) - 2);
                na += len;
            }
        }
        w.put(acc, na);
    }

    /** Whether the groups at gc[o..o+cnt) all have a zero vertical prediction residual (row above at o - n). */
    static boolean residualsZero(byte[] gc, int o, int n, int cnt, int t, int tt) {
        for (int i = o; i < o + cnt; i++) {
            if (Math.max(gc[i], t) != Math.max(gc[i - n], tt)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Bit-plane counts of band row y predicted from the row above (which the decoder holds as max(count, tTop),
     * tt = max(t, tTop)): the residual of max(count, t) as a unary symbol; with sig, insignificant 8-groups skipped.
     */
    void writeCountsVp(BitWriter w, int b, int y, int t, int tt, boolean sig) {
        int n = es.gw[b];
        int base = y * n;
        byte[] gc = es.gcli[b];
        long acc = 0; // the codes collect here (see writeCounts)
        int na = 0;
        for (int j = 0; j < n; j += 8) {
            int e = Math.min(n, j + 8);
            if (sig && (es.rm == 0 ? residualsZero(gc, base + j, n, e - j, t, tt) : es.gmax[b][y * es.sw[b] + (j >> 3)] <= t)) {
                continue;
            }
            for (int i = j; i < e; i++) {
                int top = Math.max(gc[base - n + i], tt);
                int len = EncoderState.vpredSymbol(Math.max(gc[base + i], t) - top, top - t) + 1; // x ones, a zero (x <= 30)
                if (na + len > 56) {
                    w.put(acc, na);
                    acc = 0;
                    na = 0;
                }
                acc = (acc << len) | ((1L << len) - 2);
                na += len;
            }
        }
        w.put(acc, na);
    }

    void writeData(BitWriter w, int b, int y, int t) {
        if (!es.deadzone) {
            writeDataUniform(w, b, y, t);
            return;
        }
        final int n = es.gw[b];
        final byte[] gc = es.gcli[b];
        final long[] wd = es.words[b];
        final int base = y * n;
        final boolean signsHere = es.cfg.signs == 0;
        final int signBits = signsHere ? 4 : 0;
        final int tShift = 4 * t;
        // every group is put into the writer's accumulator without a branch (a group below the truncation puts 0
        // bits), the writer's state in locals: like BitWriter.put, 8 bytes stored each time
        final byte[] buf = w.buf;
        final int safe = w.safe;
        long acc = w.acc;
        int nb = w.n;
        int pos = w.pos;
        final int[] gm = es.gmax[b];
        final int mo = y * es.sw[b];
        for (int j = 0; j < n; j += 8) {
            if (gm[mo + (j >> 3)] <= t) { // 8 groups below the truncation (they come in runs)
                continue;
            }
            final int e = Math.min(n, j + 8);
            for (int k = j; k < e; k++) {
                final int planes = gc[base + k] - t;
                final long word = wd[base + k];
                long bits = (word & EncoderState.PLANES) >>> tShift; // 0 if planes <= 0
                int count = (4 * planes + signBits) & (-planes >> 31); // 0 if planes <= 0
                if (count > 56) { // 14+ planes (with signs): the general writer
                    w.acc = acc;
                    w.n = nb;
                    w.pos = pos;
                    if (signsHere) {
                        w.write((int) (word >>> 60) & EncoderState.nonzero(bits), 4);
                    }
                    w.writeLong(bits, 4 * planes);
                    acc = w.acc;
                    nb = w.n;
                    pos = w.pos;
                    continue;
                }
                if (signsHere) { // the sign nibble above the planes (0 if planes <= 0: bits = 0)
                    bits |= (long) ((int) (word >>> 60) & EncoderState.nonzero(bits)) << (4 * planes);
                }
                final int kk = nb + count;
                final long a = acc | (bits << (64 - kk)); // kk = 0 shifts by 0, but then bits = 0
                if (pos <= safe) {
                    BitWriter.LONG_BE.set(buf, pos, a);
                } else {
                    for (int q = 0; q < (kk >> 3); q++) {
                        buf[pos + q] = (byte) (a >>> (56 - 8 * q));
                    }
                }
                pos += kk >> 3;
                acc = a << (kk & ~7);
                nb = kk & 7;
            }
        }
        w.acc = acc;
        w.n = nb;
        w.pos = pos;
    }

    /** writeData under uniform quantization (the index depends on the group's count, not only on a). */
    void writeDataUniform(BitWriter w, int b, int y, int t) {
        final int n = es.gw[b];
        final int width = es.g.bW[b];
        final byte[] gc = es.gcli[b];
        final int[] m = es.mag[b];
        final int base = y * n;
        final int rowBase = y * width;
        for (int k = 0; k < n; k++) {
            int v = gc[base + k];
            if (v > t) {
                writeGroup(w, v, t, m, rowBase + 4 * k, Math.min(4, width - 4 * k));
            }
        }
    }

    /** One group of cnt (1..4) coefficients at m[i..], bit-plane count v above the truncation t. */
    void writeGroup(BitWriter w, int v, int t, int[] m, int i, int cnt) {
        int a0 = m[i];
        int a1 = cnt > 1 ? m[i + 1] : 0;
        int a2 = cnt > 2 ? m[i + 2] : 0;
        int a3 = cnt > 3 ? m[i + 3] : 0;
        int q0 = es.quantize(Math.abs(a0), v, t);
        int q1 = es.quantize(Math.abs(a1), v, t);
        int q2 = es.quantize(Math.abs(a2), v, t);
        int q3 = es.quantize(Math.abs(a3), v, t);
        if (es.cfg.signs == 0) {
            int sgn = (q0 != 0 && a0 < 0 ? 8 : 0) | (q1 != 0 && a1 < 0 ? 4 : 0) | (q2 != 0 && a2 < 0 ? 2 : 0)
                    | (q3 != 0 && a3 < 0 ? 1 : 0);
            w.write(sgn, 4);
        }
        // bit-planes MSB first, each a nibble of the 4 coefficients' bits (q < 2^(v - t))
        long planes = BitPlanes.toNibbles(((long) q0 << 48) | ((long) q1 << 32) | ((long) q2 << 16) | q3);
        w.writeLong(planes, 4 * (v - t));
    }

    void writeSigns(BitWriter w, int b, int y, int t) {
        int n = es.gw[b];
        int width = es.g.bW[b];
        byte[] gc = es.gcli[b];
        int base = y * n;
        if (es.deadzone) {
            long[] wd = es.words[b];
            for (int k = 0; k < n; k++) {
                if (gc[base + k] <= t) {
                    continue;
                }
                long word = wd[base + k];
                int nz = EncoderState.nonzero((word & EncoderState.PLANES) >>> (4 * t));
                int neg = (int) (word >>> 60);
                for (int j = 0; j < 4; j++) { // missing coefficients of a partial group are zero, never sent
                    if ((nz & (8 >> j)) != 0) {
                        w.write((neg >> (3 - j)) & 1, 1);
                    }
                }
            }
            return;
        }
        int[] m = es.mag[b];
        int rowBase = y * width;
        for (int k = 0; k < n; k++) {
            int v = gc[base + k];
            if (v <= t) {
                continue;
            }
            int cnt = Math.min(4, width - 4 * k);
            for (int j = 0; j < cnt; j++) {
                int a = m[rowBase + 4 * k + j];
                if (es.quantize(Math.abs(a), v, t) != 0) {
                    w.write(a < 0 ? 1 : 0, 1);
                }
            }
        }
    }
}
