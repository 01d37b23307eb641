package org.mcm.sdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Deterministic frame contents, fast enough for 8 MB frames. */
final class Patterns {

    private Patterns() {
    }

    private static long word(long seed, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 29);
    }

    static void fill(ByteBuffer b, int len, long seed) {
        ByteBuffer d = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int words = len / 8;
        for (int i = 0; i < words; i++) {
            d.putLong(i * 8, word(seed, i));
        }
        for (int i = words * 8; i < len; i++) {
            d.put(i, (byte) word(seed, i));
        }
    }

    /** Index of the first differing byte, or -1 when the buffer holds the pattern. */
    static int mismatch(ByteBuffer b, int len, long seed) {
        ByteBuffer d = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int words = len / 8;
        for (int i = 0; i < words; i++) {
            if (d.getLong(i * 8) != word(seed, i)) {
                return i * 8;
            }
        }
        for (int i = words * 8; i < len; i++) {
            if (d.get(i) != (byte) word(seed, i)) {
                return i;
            }
        }
        return -1;
    }
}
