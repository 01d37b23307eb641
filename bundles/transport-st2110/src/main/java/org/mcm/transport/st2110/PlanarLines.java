package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mcm.api.media.PixelFormat;

/**
 * Line-wise conversion between the planar 4:2:2 layouts apps use (yuv422p10le, yuv422p) and the RFC 4175 pgroups
 * on the wire, fused with (de)packetization: the sender converts each line just before its packets go out, the
 * receiver converts each packet's segments straight into the app's planes as they arrive. Gives the same bytes as
 * {@link Pack422} (tested), two pgroups per step with 64-bit loads and stores, no allocation.
 */
final class PlanarLines {

    private final PixelFormat app;
    private final int width;
    private final int half;
    private final int ySize;
    private final int cSize;

    private PlanarLines(PixelFormat app, int width, int height) {
        this.app = app;
        this.width = width;
        this.half = width / 2;
        this.ySize = width * height;
        this.cSize = half * height;
    }

    /** A converter for a planar app format, or null when the app's format already is the wire layout. */
    static PlanarLines of(PixelFormat app, int width, int height) {
        return switch (app) {
            case YUV422P10LE, YUV422P8 -> new PlanarLines(app, width, height);
            default -> null;
        };
    }

    /**
     * Writes line {@code row} of the planar frame {@code src} (from index 0) as pgroups into {@code dst} at
     * {@code dstOff} (a whole line: width / 2 pgroups).
     */
    void lineToWire(ByteBuffer src, int row, ByteBuffer dst, int dstOff) {
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
        if (app == PixelFormat.YUV422P10LE) {
            pgroupToPlanar10(src, srcOff, len / 5, dst, row, pixel);
        } else {
            uyvyToPlanar8(src, srcOff, len / 4, dst, row, pixel);
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
