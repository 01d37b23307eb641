package org.mcm.codec.jpegxs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * MSB-first bit writer into buf[start..limit) (the caller guarantees the stream fits). Bits collect at the top of a
 * 64-bit accumulator, fewer than 8 stay there between calls: every write stores the whole accumulator (8 bytes, no
 * branch) and advances by the completed bytes; the bytes after them are rewritten later. Within 8 bytes of the limit
 * only completed bytes are stored, so nothing at or after the limit is ever touched (writers of neighbouring ranges
 * of one array may run in parallel).
 */
final class BitWriter {

    static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    // package-private so that a hot loop can keep the state in locals (see JpegXsEncoder.writeData)
    byte[] buf;
    int pos;
    int safe; // last pos at which 8 bytes may be stored
    long acc; // MSB-aligned
    int n; // bits in acc, 0..7 between calls

    void reset(byte[] b, int p, int limit) {
        buf = b;
        pos = p;
        safe = Math.min(limit, b.length) - 8;
        acc = 0;
        n = 0;
    }

    /** Writes the low {@code count} bits of v, count 0..32. */
    void write(int v, int count) {
        put(v & (0xFFFFFFFFL >>> (32 - count)), count);
    }

    /**
     * Writes v, which has no bits at or above {@code count}; count 0..56 (with 7 bits pending, 57 would fill the
     * accumulator to 64 bits, which the shift by k &amp; ~7 = 64 below, a shift by 0 in Java, would not empty).
     */
    void put(long v, int count) {
        int k = n + count;
        long a = acc | (v << (64 - k)); // k = 0 shifts by 0, but then v = 0
        int p = pos;
        if (p <= safe) {
            LONG_BE.set(buf, p, a);
        } else {
            for (int i = 0; i < (k >> 3); i++) {
                buf[p + i] = (byte) (a >>> (56 - 8 * i));
            }
        }
        pos = p + (k >> 3);
        acc = a << (k & ~7);
        n = k & 7;
    }

    /** Writes the low {@code count} bits of v, count 0..64. */
    void writeLong(long v, int count) {
        if (count > 32) {
            write((int) (v >>> 32), count - 32);
            write((int) v, 32);
        } else {
            write((int) v, count);
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
            buf[pos++] = (byte) (acc >>> 56);
            acc = 0;
            n = 0;
        }
        return pos;
    }

    int bitPos() {
        return pos * 8 + n;
    }
}
