package org.mcm.memif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Ring;

/** The flyweights against bytes captured from DPDK 22.11 testpmd (see reference memif.md, B.4). */
class ProtocolLayoutTest {

    static byte[] bytes(Msg m, int n) {
        byte[] b = new byte[n];
        m.buffer().get(0, b);
        return b;
    }

    static byte[] hex(String s) {
        String[] p = s.trim().split("\\s+");
        byte[] b = new byte[p.length];
        for (int i = 0; i < p.length; i++) {
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return b;
    }

    @Test
    void helloAsDpdkSendsIt() {
        Msg m = new Msg().reset(Msg.HELLO).helloName("DPDK 22.11.11").helloMinVersion(0x0200)
                .helloMaxVersion(0x0200).helloMaxRegion(255).helloMaxS2cRing(255).helloMaxC2sRing(255)
                .helloMaxLog2RingSize(14);
        byte[] b = bytes(m, 45);
        assertArrayEquals(hex("02 00"), java.util.Arrays.copyOfRange(b, 0, 2));
        assertArrayEquals(hex("00 02 00 02 ff 00 ff 00 ff 00 0e"), java.util.Arrays.copyOfRange(b, 34, 45));
        assertEquals("DPDK 22.11.11", m.helloName());
    }

    @Test
    void addRegionAndRingAsDpdkSendsThem() {
        Msg r = new Msg().reset(Msg.ADD_REGION).regionIndex(0).regionSize(4_227_328);
        assertArrayEquals(hex("04 00 00 00 00 81 40 00 00 00 00 00"), bytes(r, 12));
        Msg ring = new Msg().reset(Msg.ADD_RING).ringFlags(1).ringIndex(0).ringRegion(0).ringOffset(0)
                .ringLog2Size(10).ringPrivateHdrSize(0);
        assertArrayEquals(hex("05 00 01 00 00 00 00 00 00 00 00 00 0a 00 00"), bytes(ring, 15));
        Msg s2c = new Msg().reset(Msg.ADD_RING).ringOffset(16_512).ringLog2Size(10);
        assertArrayEquals(hex("80 40 00 00"), java.util.Arrays.copyOfRange(bytes(s2c, 12), 8, 12));
    }

    @Test
    void initConnectDisconnect() {
        Msg i = new Msg().reset(Msg.INIT).initVersion(0x0200).initId(0x01020304L).initMode(0).initSecret("s3cr3t")
                .initName("DPDK 22.11.11");
        byte[] b = bytes(i, 128);
        assertArrayEquals(hex("03 00 00 02 04 03 02 01 00"), java.util.Arrays.copyOfRange(b, 0, 9));
        assertEquals('s', b[9]);
        assertEquals('D', b[33]);
        Msg d = new Msg().reset(Msg.DISCONNECT).disconnectReason("ID not found");
        assertEquals('I', bytes(d, 7)[6]);
        assertEquals("ID not found", d.disconnectReason());
        Msg c = new Msg().reset(Msg.CONNECTED).ifName("net_memif0");
        assertEquals("net_memif0", c.ifName());
        // over-long strings are cut to leave the NUL
        assertEquals(31, new Msg().reset(Msg.CONNECT).ifName("x".repeat(40)).ifName().length());
    }

    @Test
    void ringHeaderAndDescriptorOffsets() {
        ByteBuffer mem = ByteBuffer.allocateDirect((int) Ring.bytes(2) + 64);
        Ring r = new Ring(mem, 64, 2);
        r.init(1);
        r.headRelease(0xfffe);
        r.tailRelease(7);
        r.descFlags(1, 1);
        r.descRegion(1, 2);
        r.descLength(1, 0xfffffff0L);
        r.descOffset(1, 0x80000000L);
        assertEquals(0x03E31F20, mem.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(64));
        assertArrayEquals(hex("20 1f e3 03 01 00 fe ff"), slice(mem, 64, 8));
        assertArrayEquals(hex("07 00"), slice(mem, 64 + 64, 2));
        assertArrayEquals(hex("01 00 02 00 f0 ff ff ff 00 00 00 80 00 00 00 00"), slice(mem, 64 + 128 + 16, 16));
        assertEquals(0xfffe, r.headAcquire());
        assertEquals(0xfffffff0L, r.descLength(1));
        assertEquals(0x80000000L, r.descOffset(1));
        assertEquals(128 + 16 * 1024, Ring.bytes(10));
    }

    static byte[] slice(ByteBuffer b, int off, int n) {
        byte[] out = new byte[n];
        b.get(off, out);
        return out;
    }
}
