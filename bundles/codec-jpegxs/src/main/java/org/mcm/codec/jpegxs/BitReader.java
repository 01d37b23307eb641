package org.mcm.codec.jpegxs;

import org.mcm.api.codec.CodecException;

/**
 * MSB-first bit reader over a byte range with a 64-bit cache. Reading past the range yields zero bits (no
 * exception on the hot path); {@link #overrun()} tells afterwards whether that happened.
 */
final class BitReader {

    // package-private so that hot loops can keep the state in locals (see JpegXsDecoder.decodeData)
    byte[] buf;
    int next; // next byte not yet (completely) in the cache
    int end;
    long cache; // MSB-aligned; the bits below the valid ones are either zero or the stream's next bits
    int bits; // valid bits in the cache; next * 8 - bits is the bit position
    int safe; // last next at which 8 bytes can be loaded from buf

    void seek(byte[] b, int pos, int limit) {
        buf = b;
        next = pos;
        end = limit;
        cache = 0;
        bits = 0;
        safe = b.length - 8;
    }

    static final java.lang.invoke.VarHandle LONG_BE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /**
     * Tops the cache up to at least 56 bits. Inside the array whole bytes are loaded 8 at a time (bytes beyond the
     * range may then enter the cache: they only matter to a stream that overruns its range, which is detected by
     * {@link #overrun()}); near the end of the array bytes beyond the range read as zero.
     */
    void refill() {
        int n = next;
        int k = bits;
        if (n <= safe) {
            cache |= (long) LONG_BE.get(buf, n) >>> k;
            next = n + ((63 - k) >>> 3);
            bits = k | 56;
            return;
        }
        byte[] b = buf;
        int e = end;
        long c = cache;
        while (k <= 56) {
            int x = n < e ? b[n] & 0xFF : 0;
            n++;
            c |= (long) x << (56 - k);
            k += 8;
        }
        next = n;
        cache = c;
        bits = k;
    }

    /** Reads n bits, 1 &lt;= n &lt;= 32. */
    int read(int n) {
        if (bits < n) {
            refill();
        }
        int v = (int) (cache >>> (64 - n));
        cache <<= n;
        bits -= n;
        return v;
    }

    int bit() {
        if (bits < 1) {
            refill();
        }
        int v = (int) (cache >>> 63);
        cache <<= 1;
        bits--;
        return v;
    }

    /** Unary code: the number of 1 bits before the terminating 0 (at most 31). */
    int unary() throws CodecException {
        if (bits < 32) {
            refill();
        }
        int n = Long.numberOfLeadingZeros(~cache);
        if (n > 31) {
            throw new CodecException("JPEG XS: invalid variable-length code near byte " + bytePos());
        }
        cache <<= n + 1;
        bits -= n + 1;
        return n;
    }

    void skip(int n) {
        while (n > 32) {
            read(32);
            n -= 32;
        }
        if (n > 0) {
            read(n);
        }
    }

    /** Byte position after the last consumed bit, rounded up (i.e. after aligning). */
    int bytePos() {
        long consumed = (long) next * 8 - bits;
        return (int) ((consumed + 7) >> 3);
    }

    boolean overrun() {
        return (long) next * 8 - bits > (long) end * 8;
    }
}
