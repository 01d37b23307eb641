package org.mcm.memif.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over a memif v2 ring in shared memory: the 128-byte header (cookie, flags, head, tail) followed by
 * 2^log2 descriptors of 16 bytes. Head and tail are read with acquire and written with release semantics.
 *
 * <pre>
 * header: u32 cookie @0, u16 flags @4 (bit0 MASK_INT), u16 head @6, u16 tail @64, desc[] @128
 * desc:   u16 flags @0 (bit0 NEXT), u16 region @2, u32 length @4, u32 offset @8, u32 metadata @12
 * </pre>
 */
public final class Ring {

    public static final int COOKIE = 0x03E31F20;
    public static final int HEADER_SIZE = 128;
    public static final int DESC_SIZE = 16;
    public static final int FLAG_MASK_INT = 1;
    public static final int DESC_FLAG_NEXT = 1;
    public static final int MAX_LOG2 = 14;

    private static final int OFF_COOKIE = 0;
    private static final int OFF_FLAGS = 4;
    private static final int OFF_HEAD = 6;
    private static final int OFF_TAIL = 64;

    private static final VarHandle SHORT =
            MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer mem;
    private final int base;
    private final int size;
    private final int mask;

    /**
     * @param mem  the region's mapping (direct, writable)
     * @param base offset of the ring header in the region, even and validated to fit
     */
    public Ring(ByteBuffer mem, int base, int log2) {
        this.mem = mem.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.base = base;
        this.size = 1 << log2;
        this.mask = size - 1;
    }

    public static long bytes(int log2) {
        return HEADER_SIZE + ((long) DESC_SIZE << log2);
    }

    public int size() {
        return size;
    }

    public int mask() {
        return mask;
    }

    public int cookie() {
        return mem.getInt(base + OFF_COOKIE);
    }

    public void cookie(int c) {
        mem.putInt(base + OFF_COOKIE, c);
    }

    public int flags() {
        return (short) SHORT.getOpaque(mem, base + OFF_FLAGS) & 0xffff;
    }

    public void flags(int f) {
        SHORT.setRelease(mem, base + OFF_FLAGS, (short) f);
    }

    public int headAcquire() {
        return (short) SHORT.getAcquire(mem, base + OFF_HEAD) & 0xffff;
    }

    public void headRelease(int h) {
        SHORT.setRelease(mem, base + OFF_HEAD, (short) h);
    }

    public int tailAcquire() {
        return (short) SHORT.getAcquire(mem, base + OFF_TAIL) & 0xffff;
    }

    public void tailRelease(int t) {
        SHORT.setRelease(mem, base + OFF_TAIL, (short) t);
    }

    private int d(int slot) {
        return base + HEADER_SIZE + (slot & mask) * DESC_SIZE;
    }

    public int descFlags(int slot) {
        return mem.getShort(d(slot)) & 0xffff;
    }

    public void descFlags(int slot, int f) {
        mem.putShort(d(slot), (short) f);
    }

    public int descRegion(int slot) {
        return mem.getShort(d(slot) + 2) & 0xffff;
    }

    public void descRegion(int slot, int r) {
        mem.putShort(d(slot) + 2, (short) r);
    }

    /** Unsigned 32-bit length. */
    public long descLength(int slot) {
        return mem.getInt(d(slot) + 4) & 0xffffffffL;
    }

    public void descLength(int slot, long len) {
        mem.putInt(d(slot) + 4, (int) len);
    }

    /** Unsigned 32-bit offset. */
    public long descOffset(int slot) {
        return mem.getInt(d(slot) + 8) & 0xffffffffL;
    }

    public void descOffset(int slot, long off) {
        mem.putInt(d(slot) + 8, (int) off);
    }

    public void descMetadata(int slot, int m) {
        mem.putInt(d(slot) + 12, m);
    }

    /** Initialises the header and zeroes every descriptor (client side, before ADD_RING). */
    public void init(int flags) {
        cookie(COOKIE);
        mem.putShort(base + OFF_FLAGS, (short) flags);
        mem.putShort(base + OFF_HEAD, (short) 0);
        mem.putShort(base + OFF_TAIL, (short) 0);
        for (int i = 0; i < size; i++) {
            int o = d(i);
            mem.putLong(o, 0L);
            mem.putLong(o + 8, 0L);
        }
    }
}
