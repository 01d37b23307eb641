package org.mcm.codec.jpegxs;

/**
 * The bit-plane interleaving of a JPEG XS code group as a bit transpose of one long. "Nibbles": plane i (0 = least
 * significant) in bits 4i..4i+3, the bit of coefficient j (0..3) at 4i + 3 - j, i.e. the planes as they are read
 * MSB plane first into a right-aligned word. "Lanes": coefficient j's magnitude in bits 16(3-j)..16(3-j)+15
 * (coefficient 0 in the top lane). The transpose rotates the 6-bit bit index by two places, four delta swaps.
 */
final class BitPlanes {

    private BitPlanes() {
    }

    private static final long M1 = mask(0, 4), M2 = mask(1, 5), M3 = mask(0, 2), M4 = mask(1, 3);

    /** Bit positions p (0..63) with index bit a set and index bit b clear (a &lt; b). */
    private static long mask(int a, int b) {
        long m = 0;
        for (int p = 0; p < 64; p++) {
            if (((p >> a) & 1) == 1 && ((p >> b) & 1) == 0) {
                m |= 1L << p;
            }
        }
        return m;
    }

    /**
     * SPREAD[q] (q &lt; 256): bit i of q at bit 4i. For magnitudes below 2^8 the nibbles of a group are
     * (SPREAD[q0] &lt;&lt; 3) | (SPREAD[q1] &lt;&lt; 2) | (SPREAD[q2] &lt;&lt; 1) | SPREAD[q3], the same as
     * {@link #toNibbles} of the lanes, with four independent loads instead of a chain of swaps.
     */
    static final long[] SPREAD = new long[256];

    static {
        for (int q = 0; q < 256; q++) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) ((q >> i) & 1) << (4 * i);
            }
            SPREAD[q] = v;
        }
    }

    /**
     * SPREAD16[q] (q &lt; 2^16): bit i of q at bit 4i, as {@link #SPREAD} for 16 bits: for a 15-bit magnitude with
     * a sign bit at bit 15, (SPREAD16[x0] &lt;&lt; 3) | ... | SPREAD16[x3] is a group's nibbles with the four
     * signs in bits 60..63.
     */
    static final long[] SPREAD16 = new long[1 << 16];

    static {
        for (int q = 0; q < SPREAD16.length; q++) {
            SPREAD16[q] = SPREAD[q & 0xFF] | (SPREAD[q >> 8] << 32);
        }
    }

    /**
     * GATHER[b] (b &lt; 256, the nibbles of two planes): those two planes as lanes (bits 0 and 1 of every
     * lane). For up to 8 planes (x &lt; 2^32) toLanes(x) is GATHER[byte 0] | GATHER[byte 1] &lt;&lt; 2 |
     * GATHER[byte 2] &lt;&lt; 4 | GATHER[byte 3] &lt;&lt; 6.
     */
    static final long[] GATHER = new long[256];

    static {
        for (int b = 0; b < 256; b++) {
            long v = 0;
            for (int p = 0; p < 2; p++) {
                for (int j = 0; j < 4; j++) {
                    v |= (long) ((b >> (4 * p + 3 - j)) & 1) << (16 * (3 - j) + p);
                }
            }
            GATHER[b] = v;
        }
    }

    /** Nibbles (up to 8 planes, x &lt; 2^32) to lanes by table, equal to {@link #toLanes}. */
    static long toLanes8(long x) {
        final long[] g = GATHER;
        int v = (int) x;
        return g[v & 0xFF] | (g[(v >>> 8) & 0xFF] << 2) | (g[(v >>> 16) & 0xFF] << 4) | (g[v >>> 24] << 6);
    }

    /** Nibbles (up to 16 planes) to lanes. */
    static long toLanes(long x) {
        long t = ((x >>> 15) ^ x) & M1;
        x ^= t ^ (t << 15);
        t = ((x >>> 30) ^ x) & M2;
        x ^= t ^ (t << 30);
        t = ((x >>> 3) ^ x) & M3;
        x ^= t ^ (t << 3);
        t = ((x >>> 6) ^ x) & M4;
        return x ^ t ^ (t << 6);
    }

    /** Lanes (magnitudes below 2^16) to nibbles, the inverse of {@link #toLanes}. */
    static long toNibbles(long x) {
        long t = ((x >>> 6) ^ x) & M4;
        x ^= t ^ (t << 6);
        t = ((x >>> 3) ^ x) & M3;
        x ^= t ^ (t << 3);
        t = ((x >>> 30) ^ x) & M2;
        x ^= t ^ (t << 30);
        t = ((x >>> 15) ^ x) & M1;
        return x ^ t ^ (t << 15);
    }
}
