package org.mcm.transport.rtsp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Annex-B and upstream type-5 buffer helpers: where the access unit is, and its NAL units. */
final class H264Stream {

    private H264Stream() {
    }

    /**
     * Where the Annex-B access unit of an app's buffer starts: 14 when it has upstream's type-5 header (its length
     * field matches and a start code follows), else 0 (a bare Annex-B access unit).
     */
    static int auStart(ByteBuffer b, int len) {
        if (len >= 14 + 3 && b.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(6) == len - 14
                && startCodeAt(b, 14, len) > 0) {
            return 14;
        }
        return 0;
    }

    /** Length of a start code (00 00 01 or 00 00 00 01) at i, else 0. */
    static int startCodeAt(ByteBuffer b, int i, int end) {
        if (i + 3 <= end && b.get(i) == 0 && b.get(i + 1) == 0) {
            if (b.get(i + 2) == 1) {
                return 3;
            }
            if (i + 4 <= end && b.get(i + 2) == 0 && b.get(i + 3) == 1) {
                return 4;
            }
        }
        return 0;
    }

    /**
     * Splits b[from, end) into NAL units: fills offsets and lengths (start codes and trailing zero bytes left out),
     * returns how many (at most offs.length; more are ignored and counted by the caller through the return of -1).
     */
    static int nals(ByteBuffer b, int from, int end, int[] offs, int[] lens) {
        int n = 0;
        int i = from;
        int start = -1;
        while (i + 2 < end) {
            byte x = b.get(i + 2);
            if (x > 1) {
                i += 3; // no start code can cover this position
                continue;
            }
            if (x == 1 && b.get(i + 1) == 0 && b.get(i) == 0) {
                if (start >= 0) {
                    if (n == offs.length) {
                        return -1;
                    }
                    n = add(b, start, i, offs, lens, n);
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0) {
            if (n == offs.length) {
                return -1;
            }
            n = add(b, start, end, offs, lens, n);
        }
        return n;
    }

    private static int add(ByteBuffer b, int start, int end, int[] offs, int[] lens, int n) {
        while (end > start && b.get(end - 1) == 0) {
            end--;
        }
        if (end > start) {
            offs[n] = start;
            lens[n] = end - start;
            return n + 1;
        }
        return n;
    }
}
