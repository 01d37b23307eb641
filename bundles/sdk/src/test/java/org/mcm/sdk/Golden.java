package org.mcm.sdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Byte images of the upstream 24.09 structs written from the documented offsets (README "SDK wire protocol",
 * mcm-upstream.md section 2), independently of the production encoder.
 */
final class Golden {

    private Golden() {
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static void text(byte[] b, int off, String s) {
        byte[] t = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, b, off, t.length);
    }

    static String text(byte[] b, int off, int max) {
        int n = 0;
        while (n < max && b[off + n] != 0) {
            n++;
        }
        return new String(b, off, n, StandardCharsets.US_ASCII);
    }

    /** Request: "mcm\0", 0x10, 0 0 0, u16 inst, u16 len, payload. */
    static byte[] request(int inst, byte[] payload) {
        byte[] m = new byte[12 + payload.length];
        m[0] = 0x6D;
        m[1] = 0x63;
        m[2] = 0x6D;
        m[3] = 0x00;
        m[4] = 0x10;
        m[8] = (byte) inst;
        m[9] = (byte) (inst >> 8);
        m[10] = (byte) payload.length;
        m[11] = (byte) (payload.length >> 8);
        System.arraycopy(payload, 0, m, 12, payload.length);
        return m;
    }

    static byte[] u32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** mcm_conn_param for video: type@0, protocol@4, addrs, payload_type@228, codec@232, video args@240, dup@264.. */
    static byte[] videoParam(int type, String lip, String lport, String rip, String rport, int payloadType, int codec,
            int w, int h, double fps, int pixFmt, int ptNr) {
        byte[] b = new byte[304];
        ByteBuffer x = le(b);
        x.putInt(0, type);
        x.putInt(4, 0);
        text(b, 8, lip);
        text(b, 54, lport);
        text(b, 60, rip);
        text(b, 106, rport);
        x.putInt(228, payloadType);
        x.putInt(232, codec);
        x.putInt(240, w);
        x.putInt(244, h);
        x.putDouble(248, fps);
        x.putInt(256, pixFmt);
        x.putInt(264, w);
        x.putInt(268, h);
        x.putDouble(272, fps);
        x.putInt(280, pixFmt);
        b[284] = (byte) ptNr;
        return b;
    }

    /** mcm_conn_param for audio: audio args {type@240, format@244, u16 channel@248, sampling@252, ptime@256}. */
    static byte[] audioParam(int type, String rip, String lport, int format, int channels, int sampling, int ptime) {
        byte[] b = new byte[304];
        ByteBuffer x = le(b);
        x.putInt(0, type);
        text(b, 54, lport);
        text(b, 60, rip);
        x.putInt(228, 3);
        x.putInt(240, 0);
        x.putInt(244, format);
        x.putShort(248, (short) channels);
        x.putInt(252, sampling);
        x.putInt(256, ptime);
        return b;
    }

    /** The 296-byte memif_conn_param reply. */
    static byte[] memifParam(String path, String appName, String secret, int bufferSize, int log2, int master,
            long interfaceId, String ifName) {
        byte[] b = new byte[296];
        ByteBuffer x = le(b);
        text(b, 0, path);
        text(b, 108, appName);
        // 176..207: callback pointers (zero); 208: conn_args.socket pointer, garbage a proxy may send
        x.putLong(208, 0x00007f1234567890L);
        text(b, 216, secret);
        b[240] = 0;
        b[241] = 0;
        x.putInt(244, bufferSize);
        b[248] = (byte) log2;
        b[249] = (byte) master;
        x.putInt(252, (int) interfaceId);
        text(b, 256, ifName);
        b[288] = 0;
        return b;
    }
}
