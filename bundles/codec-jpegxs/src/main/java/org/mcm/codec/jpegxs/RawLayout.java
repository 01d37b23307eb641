package org.mcm.codec.jpegxs;

import java.nio.ByteBuffer;

/**
 * Conversions between {@link Picture} planes and raw frame layouts: planar (ffmpeg yuv422p10le, yuv444p10le,
 * yuv420p10le, yuv422p, ...: component planes one after another, 1 byte per sample up to 8 bits, else 2 bytes
 * little-endian) and the packed RFC 4175 4:2:2 10-bit pgroup (Cb Y0 Cr Y1, 40 bits big-endian per 2 pixels).
 */
public final class RawLayout {

    private RawLayout() {
    }

    public static int bytesPerSample(int depth) {
        return depth <= 8 ? 1 : 2;
    }

    public static long planarSize(Picture p) {
        long n = 0;
        for (int c = 0; c < p.nc; c++) {
            n += (long) p.width[c] * p.height[c];
        }
        return n * bytesPerSample(p.depth);
    }

    public static void writePlanar(Picture p, byte[] out, int off) {
        int bps = bytesPerSample(p.depth);
        int o = off;
        for (int c = 0; c < p.nc; c++) {
            int[] s = p.planes[c];
            int n = s.length;
            if (bps == 1) {
                for (int i = 0; i < n; i++) {
                    out[o + i] = (byte) s[i];
                }
                o += n;
            } else {
                for (int i = 0; i < n; i++) {
                    int v = s[i];
                    out[o] = (byte) v;
                    out[o + 1] = (byte) (v >> 8);
                    o += 2;
                }
            }
        }
    }

    public static void writePlanar(Picture p, ByteBuffer out) {
        int pos = out.position();
        int size = (int) planarSize(p);
        if (out.hasArray()) {
            writePlanar(p, out.array(), out.arrayOffset() + pos);
        } else {
            byte[] tmp = new byte[size];
            writePlanar(p, tmp, 0);
            out.duplicate().put(tmp);
        }
    }

    public static void readPlanar(byte[] in, int off, Picture p) {
        int bps = bytesPerSample(p.depth);
        int o = off;
        for (int c = 0; c < p.nc; c++) {
            int[] d = p.planes[c];
            int n = d.length;
            if (bps == 1) {
                for (int i = 0; i < n; i++) {
                    d[i] = in[o + i] & 0xFF;
                }
                o += n;
            } else {
                int mask = (1 << p.depth) - 1;
                for (int i = 0; i < n; i++) {
                    d[i] = ((in[o] & 0xFF) | ((in[o + 1] & 0xFF) << 8)) & mask;
                    o += 2;
                }
            }
        }
    }

    /** 4:2:2 10-bit pgroup: 5 bytes per 2 pixels (Cb, Y0, Cr, Y1 as 10-bit big-endian fields). */
    public static long pgroupSize(int width, int height) {
        return (long) width * height * 5 / 2;
    }

    public static void writePgroup422(Picture p, byte[] out, int off) {
        int w = p.width[0], h = p.height[0];
        int[] y = p.planes[0], u = p.planes[1], v = p.planes[2];
        int cw = p.width[1];
        int o = off;
        for (int r = 0; r < h; r++) {
            int yo = r * w, co = r * cw;
            for (int x = 0; x < w; x += 2) {
                long g = ((long) (u[co + (x >> 1)] & 0x3FF) << 30) | ((long) (y[yo + x] & 0x3FF) << 20)
                        | ((long) (v[co + (x >> 1)] & 0x3FF) << 10) | (y[yo + x + 1] & 0x3FF);
                out[o] = (byte) (g >> 32);
                out[o + 1] = (byte) (g >> 24);
                out[o + 2] = (byte) (g >> 16);
                out[o + 3] = (byte) (g >> 8);
                out[o + 4] = (byte) g;
                o += 5;
            }
        }
    }

    public static void readPgroup422(byte[] in, int off, Picture p) {
        int w = p.width[0], h = p.height[0];
        int[] y = p.planes[0], u = p.planes[1], v = p.planes[2];
        int cw = p.width[1];
        int o = off;
        for (int r = 0; r < h; r++) {
            int yo = r * w, co = r * cw;
            for (int x = 0; x < w; x += 2) {
                long g = ((long) (in[o] & 0xFF) << 32) | ((long) (in[o + 1] & 0xFF) << 24)
                        | ((long) (in[o + 2] & 0xFF) << 16) | ((long) (in[o + 3] & 0xFF) << 8) | (in[o + 4] & 0xFF);
                u[co + (x >> 1)] = (int) (g >> 30) & 0x3FF;
                y[yo + x] = (int) (g >> 20) & 0x3FF;
                v[co + (x >> 1)] = (int) (g >> 10) & 0x3FF;
                y[yo + x + 1] = (int) g & 0x3FF;
                o += 5;
            }
        }
    }
}
