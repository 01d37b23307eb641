package org.mcm.codec.jpegxs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/**
 * Where the decoder puts a picture's final samples, one row of one component at a time, straight into the frame's
 * own layout: the last inverse wavelet level hands each output row over as it completes, so a raw frame (in a heap
 * array or in shared memory) is written without an intermediate picture. Rows of different components may arrive
 * from different threads at once, so a layout whose bytes mix components (pgroup) is not a sink.
 */
interface SampleSink {

    /** Row y of component c: samples src[sOff..sOff+w), already clamped to the sample depth. */
    void row(int c, int y, int[] src, int sOff, int w, SampleSource.Scratch s);

    /**
     * Planar frame (ffmpeg yuv422p10le etc.) from raw's position: component planes one after another, 8-bit samples
     * as bytes, deeper ones as 16-bit little-endian. raw's position does not move.
     */
    static SampleSink planar(ByteBuffer raw, int[] compW, int[] compH, int depth) {
        final int nc = compW.length;
        final int[] planeStart = new int[nc]; // in samples from the frame's start
        for (int c = 1; c < nc; c++) {
            planeStart[c] = planeStart[c - 1] + compW[c - 1] * compH[c - 1];
        }
        final ByteBuffer bytes = raw.slice();
        if (RawLayout.bytesPerSample(depth) == 1) {
            return (c, y, src, sOff, w, s) -> {
                final byte[] b = s.s8;
                if (sOff == 0) { // one offset: C2 vectorizes the loop
                    for (int x = 0; x < w; x++) {
                        b[x] = (byte) src[x];
                    }
                } else {
                    for (int x = 0; x < w; x++) {
                        b[x] = (byte) src[sOff + x];
                    }
                }
                bytes.put(planeStart[c] + y * w, b, 0, w); // absolute: no shared position
            };
        }
        final ShortBuffer shorts = bytes.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        return (c, y, src, sOff, w, s) -> {
            final short[] v = s.s16;
            if (sOff == 0) {
                for (int x = 0; x < w; x++) {
                    v[x] = (short) src[x];
                }
            } else {
                for (int x = 0; x < w; x++) {
                    v[x] = (short) src[sOff + x];
                }
            }
            shorts.put(planeStart[c] + y * w, v, 0, w);
        };
    }
}
