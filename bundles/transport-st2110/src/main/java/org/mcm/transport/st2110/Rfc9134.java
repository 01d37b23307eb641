package org.mcm.transport.st2110;

import java.nio.ByteBuffer;

import org.mcm.api.media.VideoFormat;

/**
 * RFC 9134 (JPEG XS over RTP) in codestream packetization mode: after the RTP header a 32-bit payload header
 * {@code T(1) K(1) L(1) I(2) F(5) SEP(11) P(11)}, big-endian; T=1 (sequential), K=0 (codestream mode), L = last
 * packet of the frame (equal to the RTP marker), I=00 (progressive), F = frame counter mod 32, SEP:P = packet
 * index (P mod 2048, SEP counts its wraps). In front of the codestream the sender puts the ISO/IEC 21122-3 video
 * support box ({@code jpvs} with {@code jpvi} and {@code jxpl}) and a colour specification box ({@code colr}),
 * 60 bytes, as other ST 2110-22 senders do; the receiver skips any boxes before the SOC marker.
 */
final class Rfc9134 {

    static final int PAYLOAD_HEADER = 4;
    static final int BOXES = 60;

    private Rfc9134() {
    }

    static int header(boolean last, int frameCounter, int packetIndex) {
        int sep = (packetIndex >>> 11) & 0x7FF;
        int p = packetIndex & 0x7FF;
        return 1 << 31 /* T */ | 0 << 30 /* K */ | (last ? 1 : 0) << 29 | 0 << 27 /* I */
                | (frameCounter & 0x1F) << 22 | sep << 11 | p;
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
        byte[] bt709 = {0, 1, 0, 1, 0, 1, (byte) 0x80};                  // primaries, transfer, matrix BT.709; video range
        for (int k = 0; k < 7; k++) {
            b.put(i + 11 + k, bt709[k]);
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
