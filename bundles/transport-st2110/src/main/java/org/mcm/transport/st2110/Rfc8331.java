package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * RFC 8331 (SMPTE ST 291-1 ancillary data over RTP, as ST 2110-40 uses it). After the 12-byte RTP header: Extended
 * Sequence Number (16), Length (16: octets of ANC data that follow this 8-byte header), ANC_Count (8), F (2: 00
 * progressive, 10 field 1, 11 field 2, 01 invalid), reserved (22). Then per ANC packet, starting on a 32-bit
 * boundary: C (1), Line_Number (11), Horizontal_Offset (12), S (1), StreamNum (7), DID (10), SDID (10), Data_Count
 * (10), User_Data_Words (10 each), Checksum_Word (10), zero bits up to the next 32-bit boundary. DID, SDID and
 * Data_Count carry the ST 291 parity bits (b8 even parity of b0..b7, b9 = not b8); the checksum is the 9-bit sum of
 * b0..b8 of DID, SDID, Data_Count and the user data words, with b9 = not b8.
 */
final class Rfc8331 {

    /** Bytes between the RTP header and the first ANC packet. */
    static final int PAYLOAD_HEADER = 8;
    /** F values. */
    static final int F_PROGRESSIVE = 0;
    static final int F_INVALID = 1;
    static final int F_FIELD1 = 2;
    static final int F_FIELD2 = 3;

    private Rfc8331() {
    }

    /** The 10-bit word of an 8-bit value: b8 = even parity of b0..b7, b9 = not b8. */
    static int parity(int v) {
        int p = Integer.bitCount(v & 0xFF) & 1;
        return (v & 0xFF) | p << 8 | (p ^ 1) << 9;
    }

    static boolean parityOk(int w) {
        return parity(w & 0xFF) == (w & 0x3FF);
    }

    /** The checksum word over DID, SDID, Data_Count (10-bit, with parity) and the user data words. */
    static int checksum(int did10, int sdid10, int dc10, int[] udw, int n) {
        int sum = (did10 & 0x1FF) + (sdid10 & 0x1FF) + (dc10 & 0x1FF);
        for (int i = 0; i < n; i++) {
            sum += udw[i] & 0x1FF;
        }
        sum &= 0x1FF;
        return sum | ((~sum >>> 8) & 1) << 9;
    }

    /** Bytes one ANC packet with n user data words takes in the payload (word aligned). */
    static int ancBytes(int n) {
        int bits = 32 + 10 * (n + 4);
        return (bits + 31) / 32 * 4;
    }

    /** Writes the 8-byte payload header at off (after the RTP header). */
    static void writeHeader(ByteBuffer b, int off, int extSeq, int length, int count, int f) {
        b.putShort(off, (short) extSeq);
        b.putShort(off + 2, (short) length);
        b.put(off + 4, (byte) count);
        b.put(off + 5, (byte) (f << 6));
        b.putShort(off + 6, (short) 0);
    }

    /** Packs p at off (a 32-bit boundary of the payload); returns the bytes written ({@link #ancBytes}). */
    static int pack(ByteBuffer b, int off, AncPacket p) {
        int n = p.udwCount();
        int len = ancBytes(n);
        for (int i = 0; i < len; i++) {
            b.put(off + i, (byte) 0);
        }
        Bits w = new Bits(b, off);
        w.put(p.c() ? 1 : 0, 1);
        w.put(p.line(), 11);
        w.put(p.horizontalOffset(), 12);
        w.put(p.s() ? 1 : 0, 1);
        w.put(p.stream(), 7);
        int did = parity(p.did());
        int sdid = parity(p.sdid());
        int dc = parity(n);
        w.put(did, 10);
        w.put(sdid, 10);
        w.put(dc, 10);
        int sum = (did & 0x1FF) + (sdid & 0x1FF) + (dc & 0x1FF);
        for (int i = 0; i < n; i++) {
            int u = p.udw(i);
            w.put(u, 10);
            sum += u & 0x1FF;
        }
        sum &= 0x1FF;
        w.put(sum | ((~sum >>> 8) & 1) << 9, 10);
        return len;
    }

    /** What parsing one payload found. */
    static final class Parsed {
        int f;
        int declaredCount;
        int badParity;
        int badChecksum;
        /** The payload ended (or Length/ANC_Count said more) before a packet did: the rest is lost. */
        boolean truncated;
        /** Length field and the datagram disagree (more bytes than Length says, or fewer). */
        boolean lengthMismatch;

        int bad() {
            return badParity + badChecksum + (truncated ? 1 : 0);
        }
    }

    /**
     * Parses the RFC 8331 payload of len bytes at off (just after the RTP header): the good ANC packets go to out,
     * bad ones are counted in the result and skipped (a bad Data_Count parity ends the parse: the packet's size is
     * not known). Never reads outside [off, off + len).
     */
    static Parsed parse(ByteBuffer b, int off, int len, List<AncPacket> out) {
        Parsed r = new Parsed();
        if (len < PAYLOAD_HEADER) {
            r.truncated = true;
            return r;
        }
        int length = Short.toUnsignedInt(b.getShort(off + 2));
        r.declaredCount = Byte.toUnsignedInt(b.get(off + 4));
        r.f = Byte.toUnsignedInt(b.get(off + 5)) >>> 6;
        int avail = len - PAYLOAD_HEADER;
        if (length != avail) {
            r.lengthMismatch = true;
        }
        int end = off + PAYLOAD_HEADER + Math.min(length, avail);
        int pos = off + PAYLOAD_HEADER;
        for (int k = 0; k < r.declaredCount; k++) {
            if (end - pos < 8) { // header word and DID/SDID/DC (62 bits) at least
                r.truncated = true;
                return r;
            }
            Bits rd = new Bits(b, pos);
            boolean c = rd.get(1) == 1;
            int line = rd.get(11);
            int hoff = rd.get(12);
            boolean s = rd.get(1) == 1;
            int stream = rd.get(7);
            int did = rd.get(10);
            int sdid = rd.get(10);
            int dc = rd.get(10);
            if (!parityOk(dc)) {
                r.badParity++;
                r.truncated = r.declaredCount > k + 1; // the rest cannot be found
                return r;
            }
            int n = dc & 0xFF;
            int size = ancBytes(n);
            if (end - pos < size) {
                r.truncated = true;
                return r;
            }
            int[] udw = new int[n];
            int sum = (did & 0x1FF) + (sdid & 0x1FF) + (dc & 0x1FF);
            for (int i = 0; i < n; i++) {
                udw[i] = rd.get(10);
                sum += udw[i] & 0x1FF;
            }
            sum &= 0x1FF;
            int cs = rd.get(10);
            pos += size;
            if (!parityOk(did) || !parityOk(sdid)) {
                r.badParity++;
                continue;
            }
            if (cs != (sum | ((~sum >>> 8) & 1) << 9)) {
                r.badChecksum++;
                continue;
            }
            if (!s && stream != 0) {
                stream = 0; // S clear: StreamNum carries nothing (RFC 8331 says it shall be 0)
            }
            out.add(new AncPacket(c, line, hoff, s, stream, did & 0xFF, sdid & 0xFF, udw));
        }
        return r;
    }

    /** Reads and writes big-endian bit fields from a starting byte of a buffer (absolute positions). */
    static final class Bits {
        private final ByteBuffer b;
        private long bit;

        Bits(ByteBuffer b, int byteOffset) {
            this.b = b;
            this.bit = (long) byteOffset * 8;
        }

        /** ORs the n low bits of v in at the current position (the bytes are zero beforehand). */
        void put(int v, int n) {
            for (int i = n - 1; i >= 0; i--) {
                if ((v >>> i & 1) != 0) {
                    int at = (int) (bit >>> 3);
                    b.put(at, (byte) (b.get(at) | 0x80 >>> (bit & 7)));
                }
                bit++;
            }
        }

        int get(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                int at = (int) (bit >>> 3);
                v = v << 1 | (b.get(at) >>> (7 - (bit & 7))) & 1;
                bit++;
            }
            return v;
        }
    }
}
