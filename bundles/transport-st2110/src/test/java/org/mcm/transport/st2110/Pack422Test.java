package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;

class Pack422Test {

    @Test
    void tenBitPgroupBitLayoutIsCbY0CrY1BigEndian() {
        int w = 2;
        int h = 1;
        ByteBuffer planar = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        planar.putShort(0, (short) 0x3FF); // Y0
        planar.putShort(2, (short) 0x001); // Y1
        planar.putShort(4, (short) 0x200); // Cb
        planar.putShort(6, (short) 0x155); // Cr
        ByteBuffer pg = ByteBuffer.allocate(5);
        Pack422.planar10ToPgroup(planar, pg, w, h);
        long bits = 0;
        for (int i = 0; i < 5; i++) {
            bits = bits << 8 | (pg.get(i) & 0xFF);
        }
        assertEquals(0x200, (bits >>> 30) & 0x3FF);
        assertEquals(0x3FF, (bits >>> 20) & 0x3FF);
        assertEquals(0x155, (bits >>> 10) & 0x3FF);
        assertEquals(0x001, bits & 0x3FF);
    }

    @Test
    void roundTrips() {
        int w = 1920;
        int h = 1080;
        Random r = new Random(7);
        ByteBuffer planar = ByteBuffer.allocate(w * h * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w * h * 2; i++) {
            planar.putShort(i * 2, (short) r.nextInt(1024));
        }
        ByteBuffer pg = ByteBuffer.allocate(w * h * 5 / 2);
        Pack422.planar10ToPgroup(planar, pg, w, h);
        ByteBuffer back = ByteBuffer.allocate(w * h * 4);
        Pack422.pgroupToPlanar10(pg, back, w, h);
        assertArrayEquals(planar.array(), back.array());

        byte[] p8 = new byte[w * h * 2];
        r.nextBytes(p8);
        ByteBuffer uyvy = ByteBuffer.allocate(w * h * 2);
        Pack422.planar8ToUyvy(ByteBuffer.wrap(p8), uyvy, w, h);
        assertEquals(p8[w * h], uyvy.get(0), "Cb first");
        assertEquals(p8[0], uyvy.get(1), "then Y0");
        ByteBuffer back8 = ByteBuffer.allocate(w * h * 2);
        Pack422.uyvyToPlanar8(uyvy, back8, w, h);
        assertArrayEquals(p8, back8.array());
    }
}
