package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The app buffer of the structured ST 2110-40 mode ({@code anc=packets}): whole ANC packets back to back, each a
 * 10-byte header then its user data words, all big-endian:
 *
 * <pre>
 * byte 0     flags: 0x80 C (colour-difference channel), 0x40 S (stream number valid), 0x20 W (words are 16-bit)
 * byte 1     stream number (0..127; 0 unless S)
 * bytes 2-3  line number (0..2047; 2047 = no specific line)
 * bytes 4-5  horizontal offset (0..4095; 4095 = no specific position)
 * byte 6     DID          byte 7  SDID (DBN for type 1 packets)
 * byte 8     data count N (0..255)
 * byte 9     F of the RTP packet it came in (receive side: 0 progressive, 2 field 1, 3 field 2); 0 when sending
 * then       N bytes of 8-bit data (W clear: the transport adds and checks the parity bits), or
 *            N 16-bit words of which the low 10 bits go on the wire as they are (W set)
 * </pre>
 *
 * A receiver writes W clear whenever every user data word is 8-bit data with correct parity, W set otherwise, so
 * nothing is lost either way.
 */
final class AncRecords {

    static final int HEADER = 10;
    static final int FLAG_C = 0x80;
    static final int FLAG_S = 0x40;
    static final int FLAG_W = 0x20;

    private AncRecords() {
    }

    /** Bytes p takes in an app buffer. */
    static int size(AncPacket p) {
        return HEADER + (p.udwHaveParity() ? p.udwCount() : 2 * p.udwCount());
    }

    /**
     * Reads the records of len bytes at the start of b.
     *
     * @throws IllegalArgumentException naming what is wrong (the whole buffer is refused)
     */
    static void read(ByteBuffer b, int len, List<AncPacket> out) {
        int pos = 0;
        while (pos < len) {
            if (len - pos < HEADER) {
                throw new IllegalArgumentException("ANC record at byte " + pos + " is truncated (" + (len - pos)
                        + " bytes, the header alone is " + HEADER + ")");
            }
            int flags = Byte.toUnsignedInt(b.get(pos));
            if ((flags & 0x1F) != 0) {
                throw new IllegalArgumentException("ANC record at byte " + pos + ": unknown flag bits " + (flags & 0x1F));
            }
            int stream = Byte.toUnsignedInt(b.get(pos + 1));
            int line = Short.toUnsignedInt(b.getShort(pos + 2));
            int hoff = Short.toUnsignedInt(b.getShort(pos + 4));
            int did = Byte.toUnsignedInt(b.get(pos + 6));
            int sdid = Byte.toUnsignedInt(b.get(pos + 7));
            int n = Byte.toUnsignedInt(b.get(pos + 8));
            boolean words = (flags & FLAG_W) != 0;
            int body = words ? 2 * n : n;
            if (len - pos - HEADER < body) {
                throw new IllegalArgumentException("ANC record at byte " + pos + " announces " + n
                        + " user data words but the buffer ends first");
            }
            int[] udw = new int[n];
            for (int i = 0; i < n; i++) {
                if (words) {
                    int w = Short.toUnsignedInt(b.getShort(pos + HEADER + 2 * i));
                    if (w > 0x3FF) {
                        throw new IllegalArgumentException("ANC record at byte " + pos + ": user data word " + i
                                + " has more than 10 bits (" + w + ")");
                    }
                    udw[i] = w;
                } else {
                    udw[i] = Rfc8331.parity(b.get(pos + HEADER + i));
                }
            }
            try {
                out.add(new AncPacket((flags & FLAG_C) != 0, line, hoff, (flags & FLAG_S) != 0, stream, did, sdid,
                        udw));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ANC record at byte " + pos + ": " + e.getMessage());
            }
            pos += HEADER + body;
        }
    }

    /** Writes p at off; the caller checked that {@link #size} bytes fit. Returns the bytes written. */
    static int write(ByteBuffer b, int off, AncPacket p, int f) {
        boolean bytes = p.udwHaveParity();
        int flags = (p.c() ? FLAG_C : 0) | (p.s() ? FLAG_S : 0) | (bytes ? 0 : FLAG_W);
        b.put(off, (byte) flags);
        b.put(off + 1, (byte) p.stream());
        b.putShort(off + 2, (short) p.line());
        b.putShort(off + 4, (short) p.horizontalOffset());
        b.put(off + 6, (byte) p.did());
        b.put(off + 7, (byte) p.sdid());
        b.put(off + 8, (byte) p.udwCount());
        b.put(off + 9, (byte) f);
        int n = p.udwCount();
        for (int i = 0; i < n; i++) {
            if (bytes) {
                b.put(off + HEADER + i, (byte) p.udw(i));
            } else {
                b.putShort(off + HEADER + 2 * i, (short) p.udw(i));
            }
        }
        return HEADER + (bytes ? n : 2 * n);
    }
}
