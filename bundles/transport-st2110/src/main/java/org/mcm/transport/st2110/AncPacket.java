package org.mcm.transport.st2110;

import java.util.Arrays;

/**
 * One SMPTE ST 291-1 ancillary data packet as RFC 8331 carries it: its place in the picture (C, line number,
 * horizontal offset, S and stream number) and its words. DID and SDID (DBN for type 1 packets) are the 8-bit values;
 * their parity bits are added on the wire. The user data words are 10-bit words exactly as on the wire: 8-bit data
 * goes through {@link #withParity(int...)}, which adds the ST 291 parity bits.
 */
record AncPacket(boolean c, int line, int horizontalOffset, boolean s, int stream, int did, int sdid, int[] udw) {

    /** Line number: no specific line (RFC 8331). */
    static final int LINE_ANY = 0x7FF;
    /** Horizontal offset: no specific position (RFC 8331). */
    static final int OFFSET_ANY = 0xFFF;
    /** At most 255 user data words (8 bits of the data count). */
    static final int MAX_UDW = 255;

    AncPacket {
        if (line < 0 || line > 0x7FF) {
            throw new IllegalArgumentException("ANC line number is 11 bits: " + line);
        }
        if (horizontalOffset < 0 || horizontalOffset > 0xFFF) {
            throw new IllegalArgumentException("ANC horizontal offset is 12 bits: " + horizontalOffset);
        }
        if (stream < 0 || stream > 0x7F || !s && stream != 0) {
            throw new IllegalArgumentException("ANC stream number is 7 bits and 0 unless S is set: " + stream);
        }
        if (did < 0 || did > 0xFF || sdid < 0 || sdid > 0xFF) {
            throw new IllegalArgumentException("DID and SDID are 8-bit values: " + did + ", " + sdid);
        }
        if (udw.length > MAX_UDW) {
            throw new IllegalArgumentException("an ANC packet has at most 255 user data words, not " + udw.length);
        }
        for (int w : udw) {
            if (w < 0 || w > 0x3FF) {
                throw new IllegalArgumentException("user data words are 10 bits: " + w);
            }
        }
        udw = udw.clone();
    }

    @Override
    public int[] udw() {
        return udw.clone();
    }

    int udwCount() {
        return udw.length;
    }

    int udw(int i) {
        return udw[i];
    }

    /** 8-bit data values as 10-bit user data words with the ST 291 parity bits. */
    static int[] withParity(int... bytes) {
        int[] w = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            w[i] = Rfc8331.parity(bytes[i] & 0xFF);
        }
        return w;
    }

    /** True when every user data word is 8-bit data with correct parity bits. */
    boolean udwHaveParity() {
        for (int w : udw) {
            if (!Rfc8331.parityOk(w)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AncPacket p && p.c == c && p.line == line && p.horizontalOffset == horizontalOffset
                && p.s == s && p.stream == stream && p.did == did && p.sdid == sdid && Arrays.equals(p.udw, udw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(udw) * 31 + did * 257 + sdid + line * 7919;
    }

    @Override
    public String toString() {
        return String.format("ANC[DID %02Xh SDID %02Xh line %d off %d C %d S %d stream %d, %d words]", did, sdid, line,
                horizontalOffset, c ? 1 : 0, s ? 1 : 0, stream, udw.length);
    }
}
