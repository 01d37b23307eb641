package org.mcm.codec.jpegxs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * MSB-first bit writer into a byte array (caller guarantees capacity). Bits collect in a 64-bit accumulator and
 * leave it 32 at a time, so only whole bytes that belong to the stream are ever stored.
 */
final class BitWriter {

    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private byte[] buf;
    private int pos;
    private long acc;
    private int n; // bits in acc (right-aligned), always < 32 between calls

    void reset(byte[] b, int p) {
        buf = b;
        pos = p;
        acc = 0;
        n = 0;
    }

    /** Writes the low {@code count} bits of v, count 0..32. */
    void write(int v, int count) {
        acc = (acc << count) | (v & (0xFFFFFFFFL >>> (32 - count)));
        n += count;
        if (n >= 32) {
            n -= 32;
            INT_BE.set(buf, pos, (int) (acc >>> n));
            pos += 4;
        }
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
        int pad = (8 - (n & 7)) & 7;
        acc <<= pad;
        n += pad;
        while (n >= 8) {
            n -= 8;
            buf[pos++] = (byte) (acc >>> n);
        }
        return pos;
    }

    int bitPos() {
        return pos * 8 + n;
    }
}
