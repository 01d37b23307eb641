package org.mcm.transport.st2110;

import java.nio.ByteBuffer;

import org.mcm.api.media.VideoFormat;

/**
 * RFC 9134 (JPEG XS over RTP). Codestream packetization mode: after the RTP header a 32-bit payload header
 * {@code T(1) K(1) L(1) I(2) F(5) SEP(11) P(11)}, big-endian; T=1 (sequential), K=0 (codestream mode), L = last
 * packet of the frame (equal to the RTP marker), I=00 (progressive), F = frame counter mod 32, SEP:P = packet
 * index (P mod 2048, SEP counts its wraps). In front of the codestream the sender puts the ISO/IEC 21122-3 video
 * support box ({@code jpvs} with {@code jpvi} and {@code jxpl}) and a colour specification box ({@code colr}),
 * 60 bytes, as other ST 2110-22 senders do; the receiver skips any boxes before the SOC marker. Slice packetization
 * mode (K=1): the same picture segment cut into packetization units, the header segment (boxes, SOC .. up to the
 * first SLH) then one unit per slice, the last with EOC; SEP names the unit, P restarts in each, L ends each unit,
 * the RTP marker only the frame.
 */
final class Rfc9134 {

    static final int PAYLOAD_HEADER = 4;
    static final int BOXES = 60;
    /** SEP of the header-segment unit in slice mode. */
    static final int SEP_HEADER_UNIT = 0x7FF;

    private Rfc9134() {
    }

    /** Codestream mode: SEP:P is the packet index in the picture segment. */
    static int header(boolean last, int frameCounter, int packetIndex) {
        int sep = (packetIndex >>> 11) & 0x7FF;
        int p = packetIndex & 0x7FF;
        return 1 << 31 /* T */ | 0 << 30 /* K */ | (last ? 1 : 0) << 29 | 0 << 27 /* I */
                | (frameCounter & 0x1F) << 22 | sep << 11 | p;
    }

    /** Slice mode (K=1, T=1): SEP identifies the packetization unit, P counts packets inside it. */
    static int sliceHeader(boolean lastOfUnit, int frameCounter, int sep, int p) {
        return 1 << 31 /* T */ | 1 << 30 /* K */ | (lastOfUnit ? 1 : 0) << 29 | 0 << 27 /* I */
                | (frameCounter & 0x1F) << 22 | (sep & 0x7FF) << 11 | (p & 0x7FF);
    }

    /**
     * SEP of a slice-mode packetization unit: unit 0 is the header segment (SEP 2047), unit s+1 carries slice s
     * (SEP = slice index modulo 2047, so 2047 stays the header's). As implementations read RFC 9134 section 4.3 (an
     * FFmpeg depayloader, SmolRTSP, a Matrox PCAP validator agree); the RFC text was not at hand here.
     */
    static int unitSep(int unit) {
        return unit == 0 ? SEP_HEADER_UNIT : (unit - 1) % 2047;
    }

    static int sep(int h) {
        return (h >>> 11) & 0x7FF;
    }

    static int p(int h) {
        return h & 0x7FF;
    }

    private static int u16(ByteBuffer b, int off) {
        return Short.toUnsignedInt(b.getShort(off));
    }

    /**
     * Slice mode: where the packetization units of a picture segment start. Unit 0 (from 0) is the header segment:
     * the boxes and the codestream from SOC up to the first slice header (SLH); then one unit per slice, from its
     * SLH (FF20, Lslh 4, slice index) to the next; the last one runs to the end and so carries EOC. Returns the
     * start offsets followed by the end, or null when the codestream's slices cannot be delimited exactly: the
     * number of slices found (each SLH with the next index, in order) must equal what the picture header (PIH)
     * implies, and the segment must end with EOC.
     */
    static int[] sliceUnits(ByteBuffer b, int len) {
        return sliceUnits(b, len, null);
    }

    /** As {@link #sliceUnits(ByteBuffer, int)}, filling {@code reuse} when it has the right length (no allocation). */
    static int[] sliceUnits(ByteBuffer b, int len, int[] reuse) {
        int soc = codestreamStart(b, len);
        if (soc < 0 || len - soc < 4) {
            return null;
        }
        int off = soc + 2;
        int hf = -1;
        int hsl = -1;
        int nly = -1;
        while (off + 4 <= len && u16(b, off) != 0xFF20) {
            int m = u16(b, off);
            int l = u16(b, off + 2);
            if ((m & 0xFF00) != 0xFF00 || l < 2 || off + 2 + l > len) {
                return null;
            }
            if (m == 0xFF12 && l == 26) { // PIH: Hf, Hsl, NLy
                hf = u16(b, off + 14);
                hsl = u16(b, off + 18);
                nly = b.get(off + 26) & 0x0F;
            }
            off += 2 + l;
        }
        if (hf <= 0 || hsl <= 0 || nly < 0 || nly > 6 || off + 6 > len || u16(b, len - 2) != 0xFF11) {
            return null;
        }
        int precinctRows = (hf + (1 << nly) - 1) >> nly;
        int slices = (precinctRows + hsl - 1) / hsl;
        int[] units = reuse != null && reuse.length == slices + 2 ? reuse : new int[slices + 2];
        units[0] = 0;
        int at = off;
        for (int s = 0; s < slices; s++) {
            if (at < 0 || at + 6 > len - 2 || u16(b, at) != 0xFF20 || u16(b, at + 2) != 4 || u16(b, at + 4) != (s & 0xFFFF)) {
                return null;
            }
            units[s + 1] = at;
            at = s + 1 < slices ? findSlh(b, at + 6, len - 2, s + 1) : -1;
        }
        units[slices + 1] = len;
        return units;
    }

    /** The next SLH with this slice index in [from, to), or -1. */
    private static int findSlh(ByteBuffer b, int from, int to, int index) {
        int hi = (index >>> 8) & 0xFF;
        int lo = index & 0xFF;
        for (int i = from; i + 6 <= to; i++) {
            if (b.get(i) == (byte) 0xFF && b.get(i + 1) == 0x20 && b.get(i + 2) == 0 && b.get(i + 3) == 4
                    && (b.get(i + 4) & 0xFF) == hi && (b.get(i + 5) & 0xFF) == lo) {
                return i;
            }
        }
        return -1;
    }

    static boolean t(int h) {
        return (h >>> 31) != 0;
    }

    static boolean k(int h) {
        return ((h >>> 30) & 1) != 0;
    }

    static boolean l(int h) {
        return ((h >>> 29) & 1) != 0;
    }

    static int interlace(int h) {
        return (h >>> 27) & 3;
    }

    static int f(int h) {
        return (h >>> 22) & 0x1F;
    }

    static int packetIndex(int h) {
        return ((h >>> 11) & 0x7FF) << 11 | (h & 0x7FF);
    }

    /** colr: primaries, transfer, matrix BT.709; video range. */
    private static final byte[] BT709 = {0, 1, 0, 1, 0, 1, (byte) 0x80};

    /** Writes the 60-byte jpvs + colr boxes for a 4:2:2 10-bit stream (Main 4:2:2.10 profile, BT.709). */
    static void writeBoxes(ByteBuffer b, int off, VideoFormat f, long codestreamBytes) {
        b.putInt(off, 42).put(off + 4, (byte) 'j').put(off + 5, (byte) 'p').put(off + 6, (byte) 'v').put(off + 7, (byte) 's');
        int i = off + 8;
        b.putInt(i, 22).put(i + 4, (byte) 'j').put(i + 5, (byte) 'p').put(i + 6, (byte) 'v').put(i + 7, (byte) 'i');
        double fps = f.frameRate().toDouble();
        long mbit = Math.round(codestreamBytes * 8 * fps / (1 << 20));
        b.putInt(i + 8, (int) mbit);                                   // brat: Mbit/s
        boolean ntsc = f.frameRate().denominator() == 1001;
        int num = (int) (ntsc ? f.frameRate().numerator() / 1000 : Math.round(fps));
        b.putInt(i + 12, (ntsc ? 1 << 24 : 0) | (num & 0xFFFF));          // frat: progressive, rate
        b.putShort(i + 16, (short) (1 << 15 | (10 - 1) << 4));           // schar: 10 bit, 4:2:2
        b.putInt(i + 18, 0);                                           // tcod: no time code
        i += 22;
        b.putInt(i, 12).put(i + 4, (byte) 'j').put(i + 5, (byte) 'x').put(i + 6, (byte) 'p').put(i + 7, (byte) 'l');
        b.putShort(i + 8, (short) 0x3540);                               // Ppih: Main 4:2:2.10
        b.putShort(i + 10, (short) 0x2080);                              // Plev: 4k-1, full
        i += 12;
        b.putInt(i, 18).put(i + 4, (byte) 'c').put(i + 5, (byte) 'o').put(i + 6, (byte) 'l').put(i + 7, (byte) 'r');
        b.put(i + 8, (byte) 5).put(i + 9, (byte) 0).put(i + 10, (byte) 0); // meth 5, prec, approx
        for (int k = 0; k < 7; k++) {
            b.put(i + 11 + k, BT709[k]);
        }
    }

    /**
     * Offset of the codestream (the SOC marker FF10) in a reassembled picture segment: skips well-formed boxes,
     * or -1 when neither a box chain nor SOC is found.
     */
    static int codestreamStart(ByteBuffer b, int len) {
        int off = 0;
        while (off + 2 <= len) {
            if ((b.get(off) & 0xFF) == 0xFF && (b.get(off + 1) & 0xFF) == 0x10) {
                return off;
            }
            if (off + 8 > len) {
                return -1;
            }
            long lbox = Integer.toUnsignedLong(b.getInt(off));
            if (lbox < 8 || off + lbox > len) {
                return -1;
            }
            off += (int) lbox;
        }
        return -1;
    }
}
