package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mcm.api.media.PixelFormat;

/**
 * Conversions between the planar 4:2:2 layouts apps use (ffmpeg yuv422p10le, yuv422p) and the RFC 4175 pgroup
 * layouts on the wire (10-bit: Cb Y0 Cr Y1 as 4 x 10 bits big-endian in 5 bytes; 8-bit: UYVY). One pass, line by
 * line, absolute indexing only (no allocation).
 */
final class Pack422 {

    private Pack422() {
    }

    /** The layout a format travels in on the wire: pgroup formats as they are, planar 4:2:2 converted. */
    static PixelFormat wireFormat(PixelFormat app) {
        return switch (app) {
            case YUV422P10LE -> PixelFormat.YUV422_10_PGROUP;
            case YUV422P8 -> PixelFormat.UYVY;
            default -> app;
        };
    }

    static void toWire(PixelFormat app, ByteBuffer src, ByteBuffer dst, int w, int h) {
        switch (app) {
            case YUV422P10LE -> planar10ToPgroup(src, dst, w, h);
            case YUV422P8 -> planar8ToUyvy(src, dst, w, h);
            default -> throw new IllegalArgumentException("no conversion from " + app.id());
        }
    }

    static void fromWire(PixelFormat app, ByteBuffer src, ByteBuffer dst, int w, int h) {
        switch (app) {
            case YUV422P10LE -> pgroupToPlanar10(src, dst, w, h);
            case YUV422P8 -> uyvyToPlanar8(src, dst, w, h);
            default -> throw new IllegalArgumentException("no conversion to " + app.id());
        }
    }

    static void planar10ToPgroup(ByteBuffer src, ByteBuffer dst, int w, int h) {
        java.nio.ShortBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int half = w / 2;
        int ySize = w * h;
        int cSize = half * h;
        short[] yl = new short[w];
        short[] cbl = new short[half];
        short[] crl = new short[half];
        byte[] out = new byte[half * 5];
        for (int y = 0; y < h; y++) {
            s.get(y * w, yl);
            s.get(ySize + y * half, cbl);
            s.get(ySize + cSize + y * half, crl);
            for (int x = 0, o = 0; x < half; x++, o += 5) {
                int y0 = yl[2 * x] & 0x3FF;
                int y1 = yl[2 * x + 1] & 0x3FF;
                int cb = cbl[x] & 0x3FF;
                int cr = crl[x] & 0x3FF;
                out[o] = (byte) (cb >>> 2);
                out[o + 1] = (byte) ((cb & 0x3) << 6 | y0 >>> 4);
                out[o + 2] = (byte) ((y0 & 0xF) << 4 | cr >>> 6);
                out[o + 3] = (byte) ((cr & 0x3F) << 2 | y1 >>> 8);
                out[o + 4] = (byte) y1;
            }
            dst.put(y * half * 5, out);
        }
    }

    static void pgroupToPlanar10(ByteBuffer src, ByteBuffer dst, int w, int h) {
        java.nio.ShortBuffer d = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int half = w / 2;
        int ySize = w * h;
        int cSize = half * h;
        short[] yl = new short[w];
        short[] cbl = new short[half];
        short[] crl = new short[half];
        byte[] in = new byte[half * 5];
        for (int y = 0; y < h; y++) {
            src.get(y * half * 5, in);
            for (int x = 0, i = 0; x < half; x++, i += 5) {
                int b0 = in[i] & 0xFF;
                int b1 = in[i + 1] & 0xFF;
                int b2 = in[i + 2] & 0xFF;
                int b3 = in[i + 3] & 0xFF;
                int b4 = in[i + 4] & 0xFF;
                cbl[x] = (short) (b0 << 2 | b1 >>> 6);
                yl[2 * x] = (short) ((b1 & 0x3F) << 4 | b2 >>> 4);
                crl[x] = (short) ((b2 & 0xF) << 6 | b3 >>> 2);
                yl[2 * x + 1] = (short) ((b3 & 0x3) << 8 | b4);
            }
            d.put(y * w, yl);
            d.put(ySize + y * half, cbl);
            d.put(ySize + cSize + y * half, crl);
        }
    }

    static void planar8ToUyvy(ByteBuffer src, ByteBuffer dst, int w, int h) {
        int ySize = w * h;
        int cSize = w / 2 * h;
        int o = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x += 2) {
                int c = y * (w / 2) + x / 2;
                dst.put(o, src.get(ySize + c));
                dst.put(o + 1, src.get(y * w + x));
                dst.put(o + 2, src.get(ySize + cSize + c));
                dst.put(o + 3, src.get(y * w + x + 1));
                o += 4;
            }
        }
    }

    static void uyvyToPlanar8(ByteBuffer src, ByteBuffer dst, int w, int h) {
        int ySize = w * h;
        int cSize = w / 2 * h;
        int i = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x += 2) {
                int c = y * (w / 2) + x / 2;
                dst.put(ySize + c, src.get(i));
                dst.put(y * w + x, src.get(i + 1));
                dst.put(ySize + cSize + c, src.get(i + 2));
                dst.put(y * w + x + 1, src.get(i + 3));
                i += 4;
            }
        }
    }
}
