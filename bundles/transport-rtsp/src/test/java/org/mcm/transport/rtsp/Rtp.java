package org.mcm.transport.rtsp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Builds RTP packets for tests. */
final class Rtp {
    int pt = 96;
    int seq = 1000;
    long ssrc = 0x11223344L;
    int csrc;
    byte[] extension;
    int padding;

    byte[] packet(long ts, boolean marker, byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int b0 = 0x80 | csrc | (extension != null ? 0x10 : 0) | (padding > 0 ? 0x20 : 0);
        o.write(b0);
        o.write((marker ? 0x80 : 0) | pt);
        o.write(seq >> 8 & 0xFF);
        o.write(seq & 0xFF);
        seq = (seq + 1) & 0xFFFF;
        o.writeBytes(ByteBuffer.allocate(8).putInt((int) ts).putInt((int) ssrc).array());
        for (int i = 0; i < csrc; i++) {
            o.writeBytes(new byte[] {1, 2, 3, (byte) i});
        }
        if (extension != null) {
            o.writeBytes(new byte[] {(byte) 0xBE, (byte) 0xDE, 0, (byte) (extension.length / 4)});
            o.writeBytes(extension);
        }
        o.writeBytes(payload);
        if (padding > 0) {
            for (int i = 1; i < padding; i++) {
                o.write(0);
            }
            o.write(padding);
        }
        return o.toByteArray();
    }

    static byte[] stapA(byte[]... nals) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(24 | (nals[0][0] & 0x60));
        for (byte[] n : nals) {
            o.write(n.length >> 8);
            o.write(n.length & 0xFF);
            o.writeBytes(n);
        }
        return o.toByteArray();
    }

    /** FU-A fragments of a NAL unit, each carrying at most {@code chunk} bytes of it. */
    static byte[][] fuA(byte[] nal, int chunk) {
        int body = nal.length - 1;
        int n = (body + chunk - 1) / chunk;
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            int from = 1 + i * chunk;
            int len = Math.min(chunk, nal.length - from);
            byte[] p = new byte[2 + len];
            p[0] = (byte) ((nal[0] & 0xE0) | 28);
            p[1] = (byte) ((i == 0 ? 0x80 : 0) | (i == n - 1 ? 0x40 : 0) | (nal[0] & 0x1F));
            System.arraycopy(nal, from, p, 2, len);
            out[i] = p;
        }
        return out;
    }

    static byte[] nal(int type, int size, int seed) {
        byte[] b = new byte[size];
        b[0] = (byte) (0x60 | type);
        java.util.Random r = new java.util.Random(seed);
        for (int i = 1; i < size; i++) {
            b[i] = (byte) (1 + r.nextInt(255)); // never 0: no emulated start codes
        }
        return b;
    }
}
