package org.mcm.codec.jpegxs;

import java.util.ArrayList;
import java.util.List;

import org.mcm.api.codec.CodecException;

/**
 * The main header of one JPEG XS codestream (ISO/IEC 21122-1 Annex A): SOC, CAP, PIH, CDT, WGT and the optional
 * COM, NLT, CWD, CTS, CRG markers, up to the first SLH. Every field is range-checked here, before anything is sized
 * from it.
 */
public final class Header {

    public static final int SOC = 0xFF10;
    public static final int EOC = 0xFF11;
    public static final int PIH = 0xFF12;
    public static final int CDT = 0xFF13;
    public static final int WGT = 0xFF14;
    public static final int COM = 0xFF15;
    public static final int NLT = 0xFF16;
    public static final int CWD = 0xFF17;
    public static final int CTS = 0xFF18;
    public static final int CRG = 0xFF19;
    public static final int SLH = 0xFF20;
    public static final int CAP = 0xFF50;

    /** Largest picture dimension accepted (the 16-bit fields allow 65535; memory is the real limit). */
    public static final int MAX_DIMENSION = 16384;
    public static final int MAX_COMPONENTS = 4;

    // PIH
    public long lcod;
    public int ppih, plev, wf, hf, cw, hsl, nc, ng, ss, bw, fq, br, fslc, ppoc, cpih, nlx, nly, lh, rl, qpih, fs, rm;
    // CAP
    public int capBits; // raw capability bytes, first 2 bytes as an int (MSB = bit 0)
    public int capLength;
    // CDT
    public int[] depth, sx, sy;
    // WGT, in the order of the existing bands
    public int[] gain, priority;
    // CWD
    public int sd;
    // NLT
    public int tnlt, tnltSigma, tnltAlpha, tnltE;
    public long tnltT1, tnltT2;
    // CTS / CRG
    public boolean hasCts, hasCrg, hasNlt, hasCwd;
    public int ctsCf, ctsE1, ctsE2;
    public int[] xcrg, ycrg;
    public int comCount;

    /** Offset of the first SLH marker, relative to the start of the buffer passed to {@link #parse}. */
    public int sliceStart;
    /** Offset of SOC. */
    public int start;

    /**
     * Markers seen, for the {@code info} command, described on demand (the decoder parses a header every frame and
     * should not format strings for it): see {@link #markers()}.
     */
    private final List<java.util.function.Supplier<String>> marks = new ArrayList<>();

    /** Markers seen, for the {@code info} command: "offset marker length". */
    public List<String> markers() {
        List<String> out = new ArrayList<>(marks.size());
        for (java.util.function.Supplier<String> m : marks) {
            out.add(m.get());
        }
        return out;
    }

    static String hex(int marker) {
        return String.format("%04X", marker);
    }

    static String name(int marker) {
        switch (marker) {
            case SOC: return "SOC";
            case EOC: return "EOC";
            case PIH: return "PIH";
            case CDT: return "CDT";
            case WGT: return "WGT";
            case COM: return "COM";
            case NLT: return "NLT";
            case CWD: return "CWD";
            case CTS: return "CTS";
            case CRG: return "CRG";
            case SLH: return "SLH";
            case CAP: return "CAP";
            default: return "marker " + hex(marker);
        }
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static long u32(byte[] b, int p) {
        return ((long) u16(b, p) << 16) | u16(b, p + 2);
    }

    private static CodecException err(String marker, int offset, String what) {
        return new CodecException("JPEG XS " + marker + " at offset " + offset + ": " + what);
    }

    /**
     * Parses the main header of the codestream that starts at {@code off}; {@code end} bounds the readable bytes.
     */
    public static Header parse(byte[] buf, int off, int end) throws CodecException {
        Header h = new Header();
        h.start = off;
        int p = off;
        if (end - p < 2) {
            throw err("SOC", p, "truncated codestream (" + Math.max(0, end - p) + " bytes)");
        }
        if (u16(buf, p) != SOC) {
            throw err("SOC", p, "expected marker FF10, found " + hex(u16(buf, p)));
        }
        final int soc = p;
        h.marks.add(() -> soc + " SOC");
        p += 2;
        // CAP must follow SOC
        if (end - p < 4 || u16(buf, p) != CAP) {
            throw err("CAP", p, end - p < 4 ? "truncated" : "expected marker FF50 after SOC, found " + hex(u16(buf, p)));
        }
        int lcap = u16(buf, p + 2);
        if (lcap < 2 || lcap > 2 + 16 || end - p - 2 < lcap) {
            throw err("CAP", p, "invalid length Lcap=" + lcap);
        }
        h.capLength = lcap;
        int capBytes = lcap - 2;
        int bits = 0;
        for (int i = 0; i < Math.min(capBytes, 2); i++) {
            bits |= (buf[p + 4 + i] & 0xFF) << (8 * (1 - i));
        }
        h.capBits = bits;
        final int capAt = p;
        h.marks.add(() -> capAt + " CAP Lcap=" + h.capLength + " bits=" + String.format("0x%04X", h.capBits));
        p += 2 + lcap;
        // PIH must follow CAP
        if (end - p < 28 || u16(buf, p) != PIH) {
            throw err("PIH", p, end - p < 28 ? "truncated" : "expected marker FF12 after CAP, found " + hex(u16(buf, p)));
        }
        int lpih = u16(buf, p + 2);
        if (lpih != 26) {
            throw err("PIH", p, "Lpih must be 26, found " + lpih);
        }
        int q = p + 4;
        h.lcod = u32(buf, q);
        h.ppih = u16(buf, q + 4);
        h.plev = u16(buf, q + 6);
        h.wf = u16(buf, q + 8);
        h.hf = u16(buf, q + 10);
        h.cw = u16(buf, q + 12);
        h.hsl = u16(buf, q + 14);
        h.nc = buf[q + 16] & 0xFF;
        h.ng = buf[q + 17] & 0xFF;
        h.ss = buf[q + 18] & 0xFF;
        h.bw = buf[q + 19] & 0xFF;
        h.fq = (buf[q + 20] & 0xFF) >> 4;
        h.br = buf[q + 20] & 0x0F;
        h.fslc = (buf[q + 21] & 0xFF) >> 7;
        h.ppoc = ((buf[q + 21] & 0xFF) >> 4) & 7;
        h.cpih = buf[q + 21] & 0x0F;
        h.nlx = (buf[q + 22] & 0xFF) >> 4;
        h.nly = buf[q + 22] & 0x0F;
        int f = buf[q + 23] & 0xFF;
        h.lh = f >> 7;
        h.rl = (f >> 6) & 1;
        h.qpih = (f >> 4) & 3;
        h.fs = (f >> 2) & 3;
        h.rm = f & 3;
        final int pihAt = p;
        h.marks.add(() -> pihAt + " PIH Lpih=26 Lcod=" + h.lcod + " Ppih=" + String.format("0x%04X", h.ppih) + " Plev="
                + String.format("0x%04X", h.plev) + " Wf=" + h.wf + " Hf=" + h.hf + " Cw=" + h.cw + " Hsl=" + h.hsl
                + " Nc=" + h.nc + " Ng=" + h.ng + " Ss=" + h.ss + " Bw=" + h.bw + " Fq=" + h.fq + " Br=" + h.br
                + " Fslc=" + h.fslc + " Ppoc=" + h.ppoc + " Cpih=" + h.cpih + " Nlx=" + h.nlx + " Nly=" + h.nly
                + " Lh=" + h.lh + " Rl=" + h.rl + " Qpih=" + h.qpih + " Fs=" + h.fs + " Rm=" + h.rm);
        h.validatePih(p);
        p += 2 + lpih;

        boolean cdt = false, wgt = false;
        while (true) {
            if (end - p < 2) {
                throw err("header", p, "truncated before the first SLH");
            }
            int m = u16(buf, p);
            if (m == SLH) {
                break;
            }
            if (end - p < 4) {
                throw err(name(m), p, "truncated marker segment");
            }
            int len = u16(buf, p + 2);
            if (len < 2 || end - p - 2 < len) {
                throw err(name(m), p, "invalid or truncated segment length " + len);
            }
            int body = p + 4;
            int blen = len - 2;
            switch (m) {
                case CDT:
                    if (cdt) {
                        throw err("CDT", p, "duplicate marker");
                    }
                    cdt = true;
                    if (blen != 2 * h.nc) {
                        throw err("CDT", p, "length " + len + " does not match Nc=" + h.nc);
                    }
                    h.depth = new int[h.nc];
                    h.sx = new int[h.nc];
                    h.sy = new int[h.nc];
                    for (int c = 0; c < h.nc; c++) {
                        h.depth[c] = buf[body + 2 * c] & 0xFF;
                        h.sx[c] = (buf[body + 2 * c + 1] & 0xFF) >> 4;
                        h.sy[c] = buf[body + 2 * c + 1] & 0x0F;
                        if (h.depth[c] < 8 || h.depth[c] > 16) {
                            throw err("CDT", p, "component " + c + " bit depth " + h.depth[c] + " outside 8..16");
                        }
                        if (h.sx[c] < 1 || h.sx[c] > 2 || h.sy[c] < 1 || h.sy[c] > h.sx[c]) {
                            throw err("CDT", p, "component " + c + " sampling sx=" + h.sx[c] + " sy=" + h.sy[c]
                                    + " unsupported");
                        }
                    }
                    final int cdtAt = p, cdtLen = len;
                    h.marks.add(() -> {
                        StringBuilder sb = new StringBuilder(cdtAt + " CDT Lcdt=" + cdtLen);
                        for (int c = 0; c < h.nc; c++) {
                            sb.append(" c").append(c).append("=(B=").append(h.depth[c]).append(",sx=").append(h.sx[c])
                                    .append(",sy=").append(h.sy[c]).append(')');
                        }
                        return sb.toString();
                    });
                    break;
                case WGT:
                    if (wgt) {
                        throw err("WGT", p, "duplicate marker");
                    }
                    wgt = true;
                    if ((blen & 1) != 0 || blen / 2 > 8 * 10) {
                        throw err("WGT", p, "invalid length " + len);
                    }
                    int n = blen / 2;
                    h.gain = new int[n];
                    h.priority = new int[n];
                    for (int i = 0; i < n; i++) {
                        h.gain[i] = buf[body + 2 * i] & 0xFF;
                        h.priority[i] = buf[body + 2 * i + 1] & 0xFF;
                    }
                    final int wgtAt = p, wgtLen = len;
                    h.marks.add(() -> {
                        StringBuilder w = new StringBuilder(wgtAt + " WGT Lwgt=" + wgtLen + " (G,P):");
                        for (int i = 0; i < h.gain.length; i++) {
                            w.append(' ').append(h.gain[i]).append(',').append(h.priority[i]);
                        }
                        return w.toString();
                    });
                    break;
                case COM:
                    h.comCount++;
                    final int comAt = p, comLen = len, tcom = blen >= 2 ? u16(buf, body) : -1;
                    h.marks.add(() -> comAt + " COM Lcom=" + comLen + (tcom >= 0 ? " Tcom=" + tcom : ""));
                    break;
                case NLT:
                    h.parseNlt(buf, p, body, blen);
                    break;
                case CWD:
                    if (blen != 1) {
                        throw err("CWD", p, "Lcwd must be 3, found " + len);
                    }
                    h.hasCwd = true;
                    h.sd = buf[body] & 0xFF;
                    final int cwdAt = p;
                    h.marks.add(() -> cwdAt + " CWD Sd=" + h.sd);
                    break;
                case CTS:
                    if (h.hasCts) {
                        throw err("CTS", p, "duplicate marker");
                    }
                    if (blen != 2) {
                        throw err("CTS", p, "Lcts must be 4, found " + len);
                    }
                    h.hasCts = true;
                    h.ctsCf = buf[body] & 0x0F;
                    h.ctsE1 = (buf[body + 1] & 0xFF) >> 4;
                    h.ctsE2 = buf[body + 1] & 0x0F;
                    final int ctsAt = p;
                    h.marks.add(() -> ctsAt + " CTS Cf=" + h.ctsCf + " e1=" + h.ctsE1 + " e2=" + h.ctsE2);
                    break;
                case CRG:
                    if (h.hasCrg) {
                        throw err("CRG", p, "duplicate marker");
                    }
                    if (blen != 4 * h.nc) {
                        throw err("CRG", p, "length " + len + " does not match Nc=" + h.nc);
                    }
                    h.hasCrg = true;
                    h.xcrg = new int[h.nc];
                    h.ycrg = new int[h.nc];
                    for (int c = 0; c < h.nc; c++) {
                        h.xcrg[c] = u16(buf, body + 4 * c);
                        h.ycrg[c] = u16(buf, body + 4 * c + 2);
                    }
                    final int crgAt = p, crgLen = len;
                    h.marks.add(() -> crgAt + " CRG Lcrg=" + crgLen);
                    break;
                case CAP:
                case PIH:
                    throw err(name(m), p, "duplicate marker");
                default:
                    throw err("header", p, "unknown marker " + hex(m));
            }
            p += 2 + len;
        }
        if (!cdt) {
            throw err("SLH", p, "CDT marker missing before the first slice");
        }
        if (!wgt) {
            throw err("SLH", p, "WGT marker missing before the first slice");
        }
        h.sliceStart = p;
        h.validateComponents(p);
        return h;
    }

    private void parseNlt(byte[] buf, int p, int body, int blen) throws CodecException {
        if (blen < 1) {
            throw err("NLT", p, "empty segment");
        }
        hasNlt = true;
        tnlt = buf[body] & 0xFF;
        if (tnlt == 1) {
            if (blen != 3) {
                throw err("NLT", p, "quadratic NLT needs Lnlt=5");
            }
            int v = u16(buf, body + 1);
            tnltSigma = v >> 15;
            tnltAlpha = v & 0x7FFF;
            marks.add(() -> p + " NLT quadratic sigma=" + tnltSigma + " alpha=" + tnltAlpha);
        } else if (tnlt == 2) {
            if (blen != 10) {
                throw err("NLT", p, "extended NLT needs Lnlt=12");
            }
            tnltT1 = u32(buf, body + 1);
            tnltT2 = u32(buf, body + 5);
            tnltE = buf[body + 9] & 0xFF;
            marks.add(() -> p + " NLT extended T1=" + tnltT1 + " T2=" + tnltT2 + " E=" + tnltE);
        } else {
            throw err("NLT", p, "unknown non-linearity type " + tnlt);
        }
    }

    private void validatePih(int p) throws CodecException {
        if (wf < 1 || hf < 1 || wf > MAX_DIMENSION || hf > MAX_DIMENSION) {
            throw err("PIH", p, "picture size " + wf + "x" + hf + " outside 1.." + MAX_DIMENSION);
        }
        if (nc < 1 || nc > MAX_COMPONENTS) {
            throw err("PIH", p, "Nc=" + nc + " unsupported (1.." + MAX_COMPONENTS + ")");
        }
        if (ng != 4) {
            throw err("PIH", p, "Ng must be 4, found " + ng);
        }
        if (ss != 8) {
            throw err("PIH", p, "Ss must be 8, found " + ss);
        }
        if (br != 4) {
            throw err("PIH", p, "Br must be 4, found " + br);
        }
        if (bw < 8 || bw > 20 || fq > bw) {
            throw err("PIH", p, "Bw=" + bw + " Fq=" + fq + " unsupported");
        }
        if (hsl < 1) {
            throw err("PIH", p, "Hsl must be at least 1");
        }
        if (fslc != 0) {
            throw err("PIH", p, "Fslc=" + fslc + " (slice coding mode) unsupported");
        }
        if (ppoc != 0) {
            throw err("PIH", p, "Ppoc=" + ppoc + " (progression order) unsupported");
        }
        if (cpih != 0 && cpih != 1) {
            throw err("PIH", p, "Cpih=" + cpih + " unsupported (0 none, 1 RCT)");
        }
        if (nlx < 1 || nlx > 5 || nly > 2 || nly > nlx) {
            throw err("PIH", p, "decomposition NLx=" + nlx + " NLy=" + nly + " unsupported (1..5, 0..2, NLy<=NLx)");
        }
        if (qpih > 1) {
            throw err("PIH", p, "Qpih=" + qpih + " unsupported");
        }
        if (fs > 1) {
            throw err("PIH", p, "Fs=" + fs + " unsupported");
        }
        if (rm > 1) {
            throw err("PIH", p, "Rm=" + rm + " unsupported");
        }
    }

    private void validateComponents(int p) throws CodecException {
        if (sd >= nc) {
            throw err("CWD", p, "Sd=" + sd + " must be below Nc=" + nc);
        }
        for (int c = 1; c < nc; c++) {
            if (depth[c] != depth[0]) {
                throw err("CDT", p, "components with different bit depths are unsupported");
            }
        }
        if (depth[0] > bw) {
            throw err("CDT", p, "bit depth " + depth[0] + " exceeds Bw=" + bw);
        }
        if (cpih == 1) {
            if (nc < 3) {
                throw err("PIH", p, "Cpih=1 needs 3 components");
            }
            for (int c = 1; c < 3; c++) {
                if (sx[c] != sx[0] || sy[c] != sy[0]) {
                    throw err("PIH", p, "Cpih=1 needs equally sampled components");
                }
            }
        }
        if (tnlt != 0 && depth[0] > 16) {
            throw err("NLT", p, "unsupported depth");
        }
    }

    /** Whether long packet headers are used (Lh, or forced by the picture width). */
    boolean longHeaders() {
        return lh != 0 || (long) wf * nc >= 32752;
    }
}
