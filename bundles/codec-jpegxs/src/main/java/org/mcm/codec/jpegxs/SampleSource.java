package org.mcm.codec.jpegxs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/**
 * Where the encoder reads a picture's samples from, one row of one component at a time, straight from the frame's
 * own layout: the first wavelet level converts each row as it needs it, so a raw frame (planar or pgroup, in a heap
 * array or in shared memory) is never copied into an intermediate picture. Values come as stored; the encoder
 * keeps their low depth bits. Rows of different components may be read by different threads at once.
 */
interface SampleSource {

    /** Samples of row y of component c (w of them, the component's width) into dst[dOff..dOff+w). */
    void row(int c, int y, int[] dst, int dOff, int w, Scratch s);

    /** Per-thread scratch for the conversions, for rows of up to maxW samples. */
    final class Scratch {
        final short[] s16;
        final byte[] s8;

        Scratch(int maxW) {
            s16 = new short[maxW];
            s8 = new byte[3 * maxW + 8]; // a pgroup line of a luma row (2.5 bytes per sample), or 8-bit samples
        }
    }

    /** The planes of a picture. */
    static SampleSource of(Picture p) {
        return new Planes(p);
    }

    /** The planes of a picture (the native wavelet reads them in place). */
    final class Planes implements SampleSource {
        final Picture pic;

        Planes(Picture pic) {
            this.pic = pic;
        }

        @Override
        public void row(int c, int y, int[] dst, int dOff, int w, Scratch s) {
            System.arraycopy(pic.planes[c], y * pic.width[c], dst, dOff, w);
        }
    }

    /**
     * Planar frame (ffmpeg yuv422p10le etc.): component planes one after another from raw's position, 8-bit
     * samples as bytes, deeper ones as 16-bit little-endian.
     */
    static SampleSource planar(ByteBuffer raw, int[] compW, int[] compH, int depth) {
        final int nc = compW.length;
        final int bps = RawLayout.bytesPerSample(depth);
        final int[] planeStart = new int[nc]; // in samples from the frame's start
        for (int c = 1; c < nc; c++) {
            planeStart[c] = planeStart[c - 1] + compW[c - 1] * compH[c - 1];
        }
        return new Planar(raw.slice(), planeStart, bps);
    }

    /** A planar frame (see {@link #planar}); the native wavelet reads its planes in place. */
    final class Planar implements SampleSource {
        final ByteBuffer bytes; // the frame from its first sample, position 0
        final int[] planeStart; // in samples
        final int bps; // bytes per sample: 1 or 2 (little-endian)
        private final ShortBuffer shorts;

        Planar(ByteBuffer bytes, int[] planeStart, int bps) {
            this.bytes = bytes;
            this.planeStart = planeStart;
            this.bps = bps;
            this.shorts = bps == 2 ? bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer() : null;
        }

        @Override
        public void row(int c, int y, int[] dst, int dOff, int w, Scratch s) {
            if (bps == 1) {
                final byte[] b = s.s8;
                bytes.get(planeStart[c] + y * w, b, 0, w);
                for (int x = 0; x < w; x++) {
                    dst[dOff + x] = b[x] & 0xFF;
                }
                return;
            }
            final short[] v = s.s16;
            shorts.get(planeStart[c] + y * w, v, 0, w); // absolute: no shared position
            for (int x = 0; x < w; x++) {
                dst[dOff + x] = v[x] & 0xFFFF;
            }
        }
    }

    /**
     * RFC 4175 4:2:2 10-bit pgroup frame (Cb Y0 Cr Y1, 40 bits big-endian per 2 pixels) from raw's position: luma is
     * component 0, Cb 1, Cr 2; every row reads its line's bytes once.
     */
    static SampleSource pgroup422(ByteBuffer raw, int width) {
        final ByteBuffer bytes = raw.slice();
        final int lineBytes = width / 2 * 5;
        return (c, y, dst, dOff, w, s) -> {
            final byte[] b = s.s8;
            bytes.get(y * lineBytes, b, 0, lineBytes);
            final int pairs = width / 2;
            if (c == 0) {
                for (int i = 0, o = 0; i < pairs; i++, o += 5) {
                    dst[dOff + 2 * i] = ((b[o + 1] & 0x3F) << 4) | ((b[o + 2] & 0xFF) >> 4);
                    dst[dOff + 2 * i + 1] = ((b[o + 3] & 0x03) << 8) | (b[o + 4] & 0xFF);
                }
            } else if (c == 1) {
                for (int i = 0, o = 0; i < pairs; i++, o += 5) {
                    dst[dOff + i] = ((b[o] & 0xFF) << 2) | ((b[o + 1] & 0xFF) >> 6);
                }
            } else {
                for (int i = 0, o = 0; i < pairs; i++, o += 5) {
                    dst[dOff + i] = ((b[o + 2] & 0x0F) << 6) | ((b[o + 3] & 0xFF) >> 2);
                }
            }
        };
    }
}
