package org.mcm.codec.jpegxs;

/** MSB-first bit writer into a byte array (caller guarantees capacity). */
final class BitWriter {

    private byte[] buf;
    private int pos;
    private long acc;
    private int n; // bits in acc (right-aligned)

    void reset(byte[] b, int p) {
        buf = b;
        pos = p;
        acc = 0;
        n = 0;
    }

    /** Writes the low {@code count} bits of v, count 0..32. */
    void write(int v, int count) {
        if (count == 0) {
            return;
        }
        acc = (acc << count) | (v & ((1L << count) - 1));
        n += count;
        while (n >= 8) {
            n -= 8;
            buf[pos++] = (byte) (acc >>> n);
        }
    }

    /** x ones followed by a zero. */
    void unary(int x) {
        while (x >= 31) {
            write(0x7FFFFFFF, 31);
            x -= 31;
        }
        write(((1 << x) - 1) << 1, x + 1);
    }

    /** Pads with zero bits to a byte boundary; returns the byte position. */
    int align() {
        if (n > 0) {
            write(0, 8 - n);
        }
        return pos;
    }

    int bitPos() {
        return pos * 8 + n;
    }
}
