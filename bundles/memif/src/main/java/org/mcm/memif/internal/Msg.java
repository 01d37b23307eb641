package org.mcm.memif.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over one 128-byte memif control message (little-endian, packed). Reads and writes the fields in
 * place; one instance per connection is reused for every message.
 */
public final class Msg {

    public static final int SIZE = 128;
    public static final int VERSION = 0x0200;

    public static final int NONE = 0;
    public static final int ACK = 1;
    public static final int HELLO = 2;
    public static final int INIT = 3;
    public static final int ADD_REGION = 4;
    public static final int ADD_RING = 5;
    public static final int CONNECT = 6;
    public static final int CONNECTED = 7;
    public static final int DISCONNECT = 8;

    public static final int NAME_SIZE = 32;
    public static final int SECRET_SIZE = 24;
    public static final int REASON_SIZE = 96;

    public static final int RING_FLAG_C2S = 1;

    private final ByteBuffer buf;

    public Msg() {
        // a little larger than a message so an oversized datagram is seen as such rather than cut to fit
        this(ByteBuffer.allocateDirect(SIZE * 2));
    }

    public Msg(ByteBuffer buf) {
        this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
    }

    public ByteBuffer buffer() {
        return buf;
    }

    public static String typeName(int type) {
        switch (type) {
            case ACK: return "ACK";
            case HELLO: return "HELLO";
            case INIT: return "INIT";
            case ADD_REGION: return "ADD_REGION";
            case ADD_RING: return "ADD_RING";
            case CONNECT: return "CONNECT";
            case CONNECTED: return "CONNECTED";
            case DISCONNECT: return "DISCONNECT";
            default: return "type " + type;
        }
    }

    /** Zeroes the message and sets its type. */
    public Msg reset(int type) {
        for (int i = 0; i < SIZE; i += 8) {
            buf.putLong(i, 0L);
        }
        buf.putShort(0, (short) type);
        return this;
    }

    public int type() {
        return buf.getShort(0) & 0xffff;
    }

    // ---- HELLO
    public String helloName() { return str(2, NAME_SIZE); }
    public Msg helloName(String s) { return str(2, NAME_SIZE, s); }
    public int helloMinVersion() { return u16(34); }
    public Msg helloMinVersion(int v) { return u16(34, v); }
    public int helloMaxVersion() { return u16(36); }
    public Msg helloMaxVersion(int v) { return u16(36, v); }
    public int helloMaxRegion() { return u16(38); }
    public Msg helloMaxRegion(int v) { return u16(38, v); }
    /** Highest S2C (M2S) ring index the server allows. */
    public int helloMaxS2cRing() { return u16(40); }
    public Msg helloMaxS2cRing(int v) { return u16(40, v); }
    /** Highest C2S (S2M) ring index the server allows. */
    public int helloMaxC2sRing() { return u16(42); }
    public Msg helloMaxC2sRing(int v) { return u16(42, v); }
    public int helloMaxLog2RingSize() { return u8(44); }
    public Msg helloMaxLog2RingSize(int v) { return u8(44, v); }

    // ---- INIT
    public int initVersion() { return u16(2); }
    public Msg initVersion(int v) { return u16(2, v); }
    public long initId() { return buf.getInt(4) & 0xffffffffL; }
    public Msg initId(long id) { buf.putInt(4, (int) id); return this; }
    public int initMode() { return u8(8); }
    public Msg initMode(int m) { return u8(8, m); }
    public String initSecret() { return str(9, SECRET_SIZE); }
    public Msg initSecret(String s) { return str(9, SECRET_SIZE, s); }
    public String initName() { return str(33, NAME_SIZE); }
    public Msg initName(String s) { return str(33, NAME_SIZE, s); }

    // ---- ADD_REGION
    public int regionIndex() { return u16(2); }
    public Msg regionIndex(int v) { return u16(2, v); }
    /** Region size, unsigned 64-bit (a negative value means more than 2^63). */
    public long regionSize() { return buf.getLong(4); }
    public Msg regionSize(long v) { buf.putLong(4, v); return this; }

    // ---- ADD_RING
    public int ringFlags() { return u16(2); }
    public Msg ringFlags(int v) { return u16(2, v); }
    public int ringIndex() { return u16(4); }
    public Msg ringIndex(int v) { return u16(4, v); }
    public int ringRegion() { return u16(6); }
    public Msg ringRegion(int v) { return u16(6, v); }
    public long ringOffset() { return buf.getInt(8) & 0xffffffffL; }
    public Msg ringOffset(long v) { buf.putInt(8, (int) v); return this; }
    public int ringLog2Size() { return u8(12); }
    public Msg ringLog2Size(int v) { return u8(12, v); }
    public int ringPrivateHdrSize() { return u16(13); }
    public Msg ringPrivateHdrSize(int v) { return u16(13, v); }

    // ---- CONNECT / CONNECTED
    public String ifName() { return str(2, NAME_SIZE); }
    public Msg ifName(String s) { return str(2, NAME_SIZE, s); }

    // ---- DISCONNECT
    public long disconnectCode() { return buf.getInt(2) & 0xffffffffL; }
    public Msg disconnectCode(long v) { buf.putInt(2, (int) v); return this; }
    public String disconnectReason() { return str(6, REASON_SIZE); }
    public Msg disconnectReason(String s) { return str(6, REASON_SIZE, s); }

    // ---- helpers
    private int u8(int off) {
        return buf.get(off) & 0xff;
    }

    private Msg u8(int off, int v) {
        buf.put(off, (byte) v);
        return this;
    }

    private int u16(int off) {
        return buf.getShort(off) & 0xffff;
    }

    private Msg u16(int off, int v) {
        buf.putShort(off, (short) v);
        return this;
    }

    /** A NUL-terminated string of at most size bytes (an unterminated field is read up to its end). */
    private String str(int off, int size) {
        int n = 0;
        while (n < size && buf.get(off + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        buf.get(off, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Writes s truncated to size-1 bytes and NUL-pads the field. */
    private Msg str(int off, int size, String s) {
        byte[] b = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, size - 1);
        for (int i = 0; i < size; i++) {
            buf.put(off + i, i < n ? b[i] : 0);
        }
        return this;
    }
}
