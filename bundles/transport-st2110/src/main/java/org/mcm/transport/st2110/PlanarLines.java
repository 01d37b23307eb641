package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mcm.api.media.PixelFormat;

/**
 * Line-wise conversion between the planar 4:2:2 layouts apps use (yuv422p10le, yuv422p) and the RFC 4175 pgroups
 * on the wire, fused with (de)packetization: the sender converts each line just before its packets go out, the
 * receiver converts each packet's segments straight into the app's planes as they arrive. Gives the same bytes as
 * {@link Pack422} (tested).
 *
 * <p>With the native fragment and direct buffers (the memif regions and the sockets' buffers are), the conversion runs
 * in its C code, SSE4.1 or AVX2 as the CPU has (scalar C otherwise), one call per line on send and one call per
 * batch of received segments ({@link #queueFromWire}, {@link #flush}): never a call per pixel group. Otherwise (no
 * fragment, heap buffers) in pure Java, two pgroups per step with 64-bit loads and stores. No allocation either way.
 */
final class PlanarLines {

    /** Segments one native call converts at most. */
    static final int QUEUE = 256;
    private static final int DESC = 40;

    private final PixelFormat app;
    private final int width;
    private final int half;
    private final int ySize;
    private final int cSize;
    /** Instruction set of the native conversion, or -1: pure Java. */
    private final int isa;
    private final int fmt;
    /** Bytes of one sample in the app's planes (2 or 1) and of one pgroup on the wire (5 or 4). */
    private final int sample;
    private final int group;
    private final long planarBytes;
    /** Addresses of the last buffers seen (a frame's buffers are used for many lines or segments). */
    private ByteBuffer srcBuf;
    private long srcAddr;
    private ByteBuffer dstBuf;
    private long dstAddr;
    /** Received segments waiting for one native call: src, y, cb, cr, groups (native order int64 each). */
    private final ByteBuffer queue;
    private final long queueAddr;
    private int queued;

    private PlanarLines(PixelFormat app, int width, int height, int isa) {
        this.app = app;
        this.width = width;
        this.half = width / 2;
        this.ySize = width * height;
        this.cSize = half * height;
        this.isa = isa;
        boolean ten = app == PixelFormat.YUV422P10LE;
        this.fmt = ten ? 10 : 8;
        this.sample = ten ? 2 : 1;
        this.group = ten ? 5 : 4;
        this.planarBytes = (long) (ySize + 2 * cSize) * sample;
        this.queue = isa < 0 ? null : ByteBuffer.allocateDirect(QUEUE * DESC).order(ByteOrder.nativeOrder());
        this.queueAddr = isa < 0 ? 0 : NetNative.address(queue);
    }

    /**
     * A converter for a planar app format, or null when the app's format already is the wire layout. Native when the
     * fragment is there.
     */
    static PlanarLines of(PixelFormat app, int width, int height) {
        return of(app, width, height, NetNative.available() ? NetNative.mcmnet_cpu_isa() : -1);
    }

    /**
     * As {@link #of(PixelFormat, int, int)} with the native instruction set forced (tests): -1 pure Java, else one of
     * {@code NetNative.ISA_*} up to what the CPU has.
     */
    static PlanarLines of(PixelFormat app, int width, int height, int isa) {
        if (isa >= 0 && (!NetNative.available() || isa > NetNative.mcmnet_cpu_isa())) {
            throw new IllegalArgumentException("native conversion " + isa + " not available here");
        }
        return switch (app) {
            case YUV422P10LE, YUV422P8 -> new PlanarLines(app, width, height, isa);
            default -> null;
        };
    }

    /** The native instruction set in use, or -1 for pure Java. */
    int isa() {
        return isa;
    }

    private long srcAddress(ByteBuffer b) {
        if (b != srcBuf) {
            srcAddr = NetNative.address(b);
            srcBuf = b;
        }
        return srcAddr;
    }

    private long dstAddress(ByteBuffer b) {
        if (b != dstBuf) {
            dstAddr = NetNative.address(b);
            dstBuf = b;
        }
        return dstAddr;
    }

    private boolean nativeFor(ByteBuffer a, ByteBuffer b) {
        return isa >= 0 && a.isDirect() && b.isDirect();
    }

    private static void check(boolean ok, String what, int at) {
        if (!ok) {
            throw new IndexOutOfBoundsException(what + " " + at);
        }
    }

    /**
     * Writes line {@code row} of the planar frame {@code src} (from index 0) as pgroups into {@code dst} at
     * {@code dstOff} (a whole line: width / 2 pgroups).
     */
    void lineToWire(ByteBuffer src, int row, ByteBuffer dst, int dstOff) {
        if (nativeFor(src, dst)) {
            // the C code trusts its addresses: the bounds the Java code's absolute indexing would check
            check(row >= 0 && (long) row * width < ySize && src.limit() >= planarBytes, "planar line", row);
            check(dstOff >= 0 && (long) dstOff + (long) half * group <= dst.limit(), "wire line at", dstOff);
            long s = srcAddress(src);
            NetNative.mcmnet_to_wire(isa, fmt, s + (long) row * width * sample, s + (long) (ySize + row * half) * sample,
                    s + (long) (ySize + cSize + row * half) * sample, dstAddress(dst) + dstOff, half);
            return;
        }
        if (app == PixelFormat.YUV422P10LE) {
            line10ToPgroup(src, row, dst, dstOff);
        } else {
            line8ToUyvy(src, row, dst, dstOff);
        }
    }

    /**
     * Writes {@code len} bytes of pgroups (a sample row data segment) from {@code src} at {@code srcOff} into
     * the planar frame {@code dst}, starting at pixel {@code pixel} of line {@code row}. Bounds are the caller's
     * (the depacketizer checks every header first).
     */
    void segmentFromWire(ByteBuffer src, int srcOff, int len, ByteBuffer dst, int row, int pixel) {
        if (nativeFor(src, dst)) {
            check(srcOff >= 0 && len >= 0 && srcOff + len <= src.limit(), "segment at", srcOff);
            fromWire(srcAddress(src) + srcOff, len, dst, row, pixel, false);
            return;
        }
        if (app == PixelFormat.YUV422P10LE) {
            pgroupToPlanar10(src, srcOff, len / 5, dst, row, pixel);
        } else {
            uyvyToPlanar8(src, srcOff, len / 4, dst, row, pixel);
        }
    }

    /**
     * As {@link #segmentFromWire}, from native memory at {@code srcAddr} (a received datagram's payload, valid until
     * {@link #flush}), converted later in one native call with the others queued. False when this converter or
     * {@code dst} is not native: then the caller converts with {@link #segmentFromWire}.
     */
    boolean queueFromWire(long srcAddr, int len, ByteBuffer dst, int row, int pixel) {
        if (isa < 0 || !dst.isDirect()) {
            return false;
        }
        if (queued > 0 && dst != dstBuf) {
            flush();
        }
        fromWire(srcAddr, len, dst, row, pixel, true);
        return true;
    }

    private void fromWire(long srcAddr, int len, ByteBuffer dst, int row, int pixel, boolean queue) {
        int groups = len / group;
        check(row >= 0 && pixel >= 0 && (pixel & 1) == 0 && (long) pixel + 2L * groups <= width && (long) row * width < ySize
                && dst.limit() >= planarBytes, "segment at line", row);
        long d = dstAddress(dst);
        long c = (long) row * half + pixel / 2;
        long y = d + ((long) row * width + pixel) * sample;
        long cb = d + (ySize + c) * sample;
        long cr = d + (ySize + cSize + c) * sample;
        if (!queue) {
            NetNative.mcmnet_from_wire(isa, fmt, srcAddr, y, cb, cr, groups);
            return;
        }
        int o = queued * DESC;
        this.queue.putLong(o, srcAddr);
        this.queue.putLong(o + 8, y);
        this.queue.putLong(o + 16, cb);
        this.queue.putLong(o + 24, cr);
        this.queue.putLong(o + 32, groups);
        if (++queued == QUEUE) {
            flush();
        }
    }

    /** Converts the queued segments (before their source memory is reused or their frame handed on). */
    void flush() {
        if (queued > 0) {
            NetNative.mcmnet_from_wire_batch(isa, fmt, queueAddr, queued);
            queued = 0;
        }
    }

    /** Forgets the queued segments (their frame is dropped). */
    void discard() {
        queued = 0;
    }

    /**
     * A whole frame in the wire layout ({@code src} from index 0) into the planar frame {@code dst}, one line at a
     * time (one native call per line where both are direct).
     */
    void frameFromWire(ByteBuffer src, ByteBuffer dst) {
        ByteBuffer s = src.order() == ByteOrder.BIG_ENDIAN || app != PixelFormat.YUV422P10LE ? src
                : src.duplicate().order(ByteOrder.BIG_ENDIAN);
        ByteBuffer d = dst.order() == ByteOrder.LITTLE_ENDIAN ? dst : dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int lineBytes = wireLineBytes();
        for (int y = 0, rows = ySize / width; y < rows; y++) {
            segmentFromWire(s, y * lineBytes, lineBytes, d, y, 0);
        }
    }

    /** Bytes of one line in the wire layout. */
    int wireLineBytes() {
        return app == PixelFormat.YUV422P10LE ? half * 5 : half * 4;
    }

    private void line10ToPgroup(ByteBuffer src, int row, ByteBuffer dst, int o) {
        ByteBuffer s = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer d = dst.order() == ByteOrder.BIG_ENDIAN ? dst : dst.duplicate().order(ByteOrder.BIG_ENDIAN);
        int yi = row * width * 2;
        int cbi = (ySize + row * half) * 2;
        int cri = (ySize + cSize + row * half) * 2;
        int pairs = half >>> 1;
        for (int k = 0; k < pairs; k++, yi += 8, cbi += 4, cri += 4, o += 10) {
            long y = s.getLong(yi);
            int cb = s.getInt(cbi);
            int cr = s.getInt(cri);
            long a = (long) (cb & 0x3FF) << 30 | (y & 0x3FF) << 20 | (long) (cr & 0x3FF) << 10 | (y >>> 16 & 0x3FF);
            long b = (long) (cb >>> 16 & 0x3FF) << 30 | (y >>> 32 & 0x3FF) << 20 | (long) (cr >>> 16 & 0x3FF) << 10
                    | (y >>> 48 & 0x3FF);
            d.putLong(o, a << 24 | b >>> 16);
            d.putShort(o + 8, (short) b);
        }
        if ((half & 1) != 0) {
            int y0 = s.getShort(yi) & 0x3FF;
            int y1 = s.getShort(yi + 2) & 0x3FF;
            int cb = s.getShort(cbi) & 0x3FF;
            int cr = s.getShort(cri) & 0x3FF;
            long a = (long) cb << 30 | (long) y0 << 20 | (long) cr << 10 | y1;
            d.putInt(o, (int) (a >>> 8));
            d.put(o + 4, (byte) a);
        }
    }

    private void pgroupToPlanar10(ByteBuffer src, int i, int groups, ByteBuffer dst, int row, int pixel) {
        ByteBuffer s = src.order() == ByteOrder.BIG_ENDIAN ? src : src.duplicate().order(ByteOrder.BIG_ENDIAN);
        ByteBuffer d = dst.order() == ByteOrder.LITTLE_ENDIAN ? dst : dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int c = row * half + pixel / 2;
        int yi = (row * width + pixel) * 2;
        int cbi = (ySize + c) * 2;
        int cri = (ySize + cSize + c) * 2;
        int pairs = groups >>> 1;
        for (int k = 0; k < pairs; k++, i += 10, yi += 8, cbi += 4, cri += 4) {
            long v = s.getLong(i);
            long a = v >>> 24;
            long b = (v & 0xFF_FFFFL) << 16 | (s.getShort(i + 8) & 0xFFFFL);
            d.putLong(yi, (a >>> 20 & 0x3FF) | (a & 0x3FF) << 16 | (b >>> 20 & 0x3FF) << 32 | (b & 0x3FF) << 48);
            d.putInt(cbi, (int) (a >>> 30 & 0x3FF) | (int) (b >>> 30 & 0x3FF) << 16);
            d.putInt(cri, (int) (a >>> 10 & 0x3FF) | (int) (b >>> 10 & 0x3FF) << 16);
        }
        if ((groups & 1) != 0) {
            long a = (s.getInt(i) & 0xFFFF_FFFFL) << 8 | (s.get(i + 4) & 0xFF);
            d.putShort(yi, (short) (a >>> 20 & 0x3FF));
            d.putShort(yi + 2, (short) (a & 0x3FF));
            d.putShort(cbi, (short) (a >>> 30 & 0x3FF));
            d.putShort(cri, (short) (a >>> 10 & 0x3FF));
        }
    }

    private void line8ToUyvy(ByteBuffer src, int row, ByteBuffer dst, int o) {
        ByteBuffer s = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer d = dst.order() == ByteOrder.LITTLE_ENDIAN ? dst : dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int yi = row * width;
        int cbi = ySize + row * half;
        int cri = ySize + cSize + row * half;
        int pairs = half >>> 1;
        for (int k = 0; k < pairs; k++, yi += 4, cbi += 2, cri += 2, o += 8) {
            long y = s.getInt(yi) & 0xFFFF_FFFFL;
            long cb = s.getShort(cbi) & 0xFFFFL;
            long cr = s.getShort(cri) & 0xFFFFL;
            // bytes in memory order: Cb0 Y0 Cr0 Y1 Cb1 Y2 Cr1 Y3
            d.putLong(o, (cb & 0xFF) | (y & 0xFF) << 8 | (cr & 0xFF) << 16 | (y >>> 8 & 0xFF) << 24
                    | (cb >>> 8) << 32 | (y >>> 16 & 0xFF) << 40 | (cr >>> 8) << 48 | (y >>> 24) << 56);
        }
        if ((half & 1) != 0) {
            d.put(o, s.get(cbi));
            d.put(o + 1, s.get(yi));
            d.put(o + 2, s.get(cri));
            d.put(o + 3, s.get(yi + 1));
        }
    }

    private void uyvyToPlanar8(ByteBuffer src, int i, int groups, ByteBuffer dst, int row, int pixel) {
        ByteBuffer s = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer d = dst.order() == ByteOrder.LITTLE_ENDIAN ? dst : dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int c = row * half + pixel / 2;
        int yi = row * width + pixel;
        int cbi = ySize + c;
        int cri = ySize + cSize + c;
        int pairs = groups >>> 1;
        for (int k = 0; k < pairs; k++, i += 8, yi += 4, cbi += 2, cri += 2) {
            long v = s.getLong(i);
            d.putInt(yi, (int) ((v >>> 8 & 0xFF) | (v >>> 24 & 0xFF) << 8 | (v >>> 40 & 0xFF) << 16 | (v >>> 56) << 24));
            d.putShort(cbi, (short) ((v & 0xFF) | (v >>> 32 & 0xFF) << 8));
            d.putShort(cri, (short) ((v >>> 16 & 0xFF) | (v >>> 48 & 0xFF) << 8));
        }
        if ((groups & 1) != 0) {
            d.put(cbi, s.get(i));
            d.put(yi, s.get(i + 1));
            d.put(cri, s.get(i + 2));
            d.put(yi + 1, s.get(i + 3));
        }
    }
}
