package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

class BitPlanesTest {

    /** The table forms (up to 8 planes) equal the transposes, on random and on all single-coefficient values. */
    @Test
    void tablesMatchTranspose() {
        Random r = new Random(4);
        for (int i = 0; i < 200_000; i++) {
            int q0 = r.nextInt(256), q1 = r.nextInt(256), q2 = r.nextInt(256), q3 = r.nextInt(256);
            if (i < 256) {
                q0 = i;
                q1 = q2 = q3 = 0;
            }
            long lanes = ((long) q0 << 48) | ((long) q1 << 32) | ((long) q2 << 16) | q3;
            long nib = BitPlanes.toNibbles(lanes);
            long[] sp = BitPlanes.SPREAD;
            assertEquals(nib, (sp[q0] << 3) | (sp[q1] << 2) | (sp[q2] << 1) | sp[q3]);
            assertEquals(lanes, BitPlanes.toLanes8(nib));
            assertEquals(lanes, BitPlanes.toLanes(nib));
        }
    }
}
