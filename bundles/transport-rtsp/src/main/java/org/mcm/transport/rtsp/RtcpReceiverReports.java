package org.mcm.transport.rtsp;

/**
 * Reads the receiver report blocks of an RTCP compound packet (RFC 3550 6.4, validity checks of A.2): version 2
 * everywhere, the first packet an SR or RR, the lengths adding up to the datagram exactly, padding only in the last
 * packet, and every report block inside its packet. Nothing is allocated; the blocks go to a callback.
 */
final class RtcpReceiverReports {

    /** One report block: about the media source {@code ssrc}, from the receiver {@code reporter}. */
    interface Block {
        void report(int reporter, int ssrc, int fractionLost, int cumulativeLost, long highestSeq, long jitter);
    }

    private RtcpReceiverReports() {
    }

    /**
     * Parses b[0, len); returns the number of report blocks given to the callback (0 for a valid packet without any),
     * or -1 when the compound packet is invalid (then no block was given).
     */
    static int parse(byte[] b, int off, int len, Block out) {
        int blocks = validate(b, off, len);
        if (blocks <= 0) {
            return blocks;
        }
        int p = off;
        int end = off + len;
        while (p < end) {
            int rc = b[p] & 0x1F;
            int pt = b[p + 1] & 0xFF;
            int words = u16(b, p + 2);
            if (pt == 200 || pt == 201) {
                int reporter = s32(b, p + 4);
                int q = p + (pt == 200 ? 28 : 8);
                for (int i = 0; i < rc; i++, q += 24) {
                    int ssrc = s32(b, q);
                    int fraction = b[q + 4] & 0xFF;
                    int cumulative = ((b[q + 5] & 0xFF) << 16) | ((b[q + 6] & 0xFF) << 8) | (b[q + 7] & 0xFF);
                    if ((cumulative & 0x80_0000) != 0) {
                        cumulative |= 0xFF00_0000; // 24-bit signed (duplicates can make it negative)
                    }
                    out.report(reporter, ssrc, fraction, cumulative, s32(b, q + 8) & 0xFFFF_FFFFL,
                            s32(b, q + 12) & 0xFFFF_FFFFL);
                }
            }
            p += 4 + 4 * words;
        }
        return blocks;
    }

    /** The number of report blocks of a valid compound packet, or -1. */
    static int validate(byte[] b, int off, int len) {
        if (off < 0 || len < 8 || off + len > b.length) {
            return -1;
        }
        int p = off;
        int end = off + len;
        int blocks = 0;
        boolean first = true;
        while (p < end) {
            if (end - p < 4) {
                return -1;
            }
            int v = (b[p] & 0xC0) >> 6;
            boolean padding = (b[p] & 0x20) != 0;
            int rc = b[p] & 0x1F;
            int pt = b[p + 1] & 0xFF;
            int size = 4 + 4 * u16(b, p + 2);
            if (v != 2 || p + size > end) {
                return -1;
            }
            if (first && pt != 200 && pt != 201) {
                return -1;
            }
            if (padding) {
                int pad = b[p + size - 1] & 0xFF;
                if (p + size != end || pad == 0 || pad > size - 4) {
                    return -1; // padding only in the last packet, and inside it
                }
            }
            if (pt == 200 || pt == 201) {
                int fixed = pt == 200 ? 28 : 8;
                if (fixed + 24 * rc > size) {
                    return -1;
                }
                blocks += rc;
            }
            first = false;
            p += size;
        }
        return blocks;
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    private static int s32(byte[] b, int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }
}
