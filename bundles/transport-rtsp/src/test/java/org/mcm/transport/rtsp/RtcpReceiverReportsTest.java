package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The receiver-report reader against compound packets built here from RFC 3550 6.4 and the checks of A.2. */
class RtcpReceiverReportsTest {

    static List<long[]> read(byte[] b) {
        List<long[]> out = new ArrayList<>();
        int n = RtcpReceiverReports.parse(b, 0, b.length, (reporter, ssrc, fraction, cumulative, highest, jitter) ->
                out.add(new long[] {reporter, ssrc, fraction, cumulative, highest, jitter}));
        if (n < 0) {
            return null;
        }
        assertEquals(n, out.size());
        return out;
    }

    /** An SR with two report blocks (the client also sends), then an SDES padded by 4 bytes. */
    static byte[] srWithTwoBlocksAndPaddedSdes() {
        ByteBuffer b = ByteBuffer.allocate(28 + 48 + 16);
        b.put((byte) 0x82).put((byte) 200).putShort((short) 18).putInt(0x0C0C0C0C);
        b.putInt(1).putInt(2).putInt(3).putInt(4).putInt(5); // NTP, RTP time, packets, octets
        b.putInt(0x11111111).putInt((10 << 24) | 0xFFFFFE).putInt(65_536 + 7).putInt(300).putInt(0).putInt(0);
        b.putInt(0x22222222).putInt((0 << 24) | 5).putInt(9).putInt(1).putInt(0).putInt(0);
        b.put((byte) 0xA1).put((byte) 202).putShort((short) 3).putInt(0x0C0C0C0C).put((byte) 0).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 4);
        return b.array();
    }

    @Test
    void senderReportBlocksSignedLossAndPaddingInTheLastPacket() {
        List<long[]> r = read(srWithTwoBlocksAndPaddedSdes());
        assertEquals(2, r.size());
        assertArrayEquals(new long[] {0x0C0C0C0C, 0x11111111, 10, -2, 65_543, 300}, r.get(0),
                "cumulative loss is 24-bit signed");
        assertArrayEquals(new long[] {0x0C0C0C0C, 0x22222222, 0, 5, 9, 1}, r.get(1));
    }

    @Test
    void invalidCompoundPacketsGiveNothing() {
        byte[] ok = srWithTwoBlocksAndPaddedSdes();
        byte[] b = ok.clone();
        b[0] = (byte) 0x42; // version 1
        assertEquals(null, read(b));
        b = ok.clone();
        b[1] = (byte) 202; // an SDES first
        assertEquals(null, read(b));
        b = ok.clone();
        b[3] = 19; // the first packet's length past the datagram
        assertEquals(null, read(b));
        b = ok.clone();
        b[0] = (byte) 0x83; // three blocks claimed, two fit
        assertEquals(null, read(b));
        b = ok.clone();
        b[0] = (byte) 0xA2; // padding in the first packet, which is not the last
        assertEquals(null, read(b));
        b = ok.clone();
        b[b.length - 1] = 0; // padding count 0
        assertEquals(null, read(b));
        assertEquals(null, read(java.util.Arrays.copyOf(ok, ok.length - 1)), "a datagram cut short");
        assertEquals(null, read(new byte[] {(byte) 0x80, (byte) 201, 0}));
        assertEquals(0, read(new byte[] {(byte) 0x80, (byte) 201, 0, 1, 1, 2, 3, 4}).size(), "an empty RR is valid");
    }
}
