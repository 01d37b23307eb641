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
