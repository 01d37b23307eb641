package org.mcm.transport.st2110;

import java.nio.ByteBuffer;

/** RTP fixed header (RFC 3550) read and written in place, big-endian, at absolute offsets of a buffer. */
final class Rtp {

    static final int HEADER = 12;

    private Rtp() {
    }

    static void write(ByteBuffer b, int off, boolean marker, int pt, int seq, long ts, int ssrc) {
        b.put(off, (byte) 0x80);
        b.put(off + 1, (byte) ((marker ? 0x80 : 0) | (pt & 0x7F)));
        b.putShort(off + 2, (short) seq);
        b.putInt(off + 4, (int) ts);
        b.putInt(off + 8, ssrc);
    }

    static int version(ByteBuffer b, int off) {
        return (b.get(off) & 0xC0) >>> 6;
    }

    static boolean padding(ByteBuffer b, int off) {
        return (b.get(off) & 0x20) != 0;
    }

    static boolean extension(ByteBuffer b, int off) {
        return (b.get(off) & 0x10) != 0;
    }

    static int csrcCount(ByteBuffer b, int off) {
        return b.get(off) & 0x0F;
    }

    static boolean marker(ByteBuffer b, int off) {
        return (b.get(off + 1) & 0x80) != 0;
    }

    static int payloadType(ByteBuffer b, int off) {
        return b.get(off + 1) & 0x7F;
    }

    static int seq(ByteBuffer b, int off) {
        return Short.toUnsignedInt(b.getShort(off + 2));
    }

    static long timestamp(ByteBuffer b, int off) {
        return Integer.toUnsignedLong(b.getInt(off + 4));
    }

    static int ssrc(ByteBuffer b, int off) {
        return b.getInt(off + 8);
    }

    /**
     * Length of the RTP header including CSRCs and a header extension, or -1 when the packet is too short for what
     * its header announces.
     */
    static int headerLength(ByteBuffer b, int len) {
        if (len < HEADER) {
            return -1;
        }
        int h = HEADER + 4 * csrcCount(b, 0);
        if (extension(b, 0)) {
            if (len < h + 4) {
                return -1;
            }
            h += 4 + 4 * Short.toUnsignedInt(b.getShort(h + 2));
        }
        return h <= len ? h : -1;
    }

    /** 90 kHz (or any clock) timestamp of frame {@code n} at rate num/den: floor(n * clock * den / num). */
    static long mediaTime(long n, long clock, long num, long den) {
        return Math.multiplyExact(Math.multiplyExact(n, clock), den) / num;
    }
}
