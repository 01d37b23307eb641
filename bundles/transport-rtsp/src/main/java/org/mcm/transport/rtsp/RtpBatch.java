package org.mcm.transport.rtsp;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The RTP packets of one access unit, built once for all clients (flyweight over the access unit's bytes): each
 * packet is a payload slice of {@link #data}, optionally behind a two-byte FU-A indicator and header; every UDP
 * destination gets its own 12-byte RTP header per packet (its SSRC, sequence numbers and timestamp base) in
 * {@link #headers}, 16 bytes a slot. A sender hands the slices to the kernel without copying the payload per client.
 */
final class RtpBatch {

    static final int SLOT = 16;

    /** The access unit's bytes (direct, so the kernel can read them in place). */
    ByteBuffer data;
    int packets;
    int[] off = new int[64];
    int[] len = new int[64];
    /** FU-A indicator and header in the low 16 bits, or -1 for a single NAL unit packet. */
    int[] fu = new int[64];

    int dests;
    InetSocketAddress[] addr = new InetSocketAddress[8];
    /** IPv4 destination in host byte order (0 when not IPv4) and its port. */
    int[] ip4 = new int[8];
    int[] port = new int[8];
    RtspServer.Client[] owner = new RtspServer.Client[8];
    ByteBuffer headers = ByteBuffer.allocateDirect(SLOT * 64 * 8).order(ByteOrder.BIG_ENDIAN);

    void reset(ByteBuffer d) {
        data = d;
        packets = 0;
        dests = 0;
    }

    void add(int offset, int length, int fuBytes) {
        if (packets == off.length) {
            off = java.util.Arrays.copyOf(off, packets * 2);
            len = java.util.Arrays.copyOf(len, packets * 2);
            fu = java.util.Arrays.copyOf(fu, packets * 2);
        }
        off[packets] = offset;
        len[packets] = length;
        fu[packets] = fuBytes;
        packets++;
    }

    /**
     * The packets of one NAL unit at data[off, off + len) whose first byte is nalHeader: a single NAL unit packet, or
     * FU-A fragments of at most maxPayload bytes each (RFC 6184 5.6, 5.8).
     */
    void addNal(int off, int len, int nalHeader, int maxPayload) {
        if (len <= maxPayload) {
            add(off, len, -1);
            return;
        }
        int p = off + 1;
        int end = off + len;
        int chunk = maxPayload - 2;
        boolean first = true;
        while (p < end) {
            int k = Math.min(chunk, end - p);
            boolean last = p + k == end;
            int indicator = (nalHeader & 0xE0) | 28;
            int header = (first ? 0x80 : 0) | (last ? 0x40 : 0) | (nalHeader & 0x1F);
            add(p, k, (indicator << 8) | header);
            p += k;
            first = false;
        }
    }

    /** Header bytes of packet p (12, or 14 with FU-A). */
    int headerLength(int p) {
        return fu[p] < 0 ? 12 : 14;
    }

    /** Datagram size of packet p. */
    int size(int p) {
        return headerLength(p) + len[p];
    }

    /**
     * Writes the RTP headers of every packet for one client into slot row {@code row}: marker on the last packet
     * when {@code marker}, sequence numbers from {@code seq}; returns the next sequence number.
     */
    int writeHeaders(int row, int payloadType, int seq, long rtpTs, int ssrc, boolean marker) {
        ensureRows(row + 1);
        int base = row * packets * SLOT;
        for (int p = 0; p < packets; p++) {
            int h = base + p * SLOT;
            boolean m = marker && p == packets - 1;
            headers.put(h, (byte) 0x80);
            headers.put(h + 1, (byte) ((m ? 0x80 : 0) | payloadType));
            headers.putShort(h + 2, (short) seq);
            headers.putInt(h + 4, (int) rtpTs);
            headers.putInt(h + 8, ssrc);
            if (fu[p] >= 0) {
                headers.putShort(h + 12, (short) fu[p]);
            }
            seq = (seq + 1) & 0xFFFF;
        }
        return seq;
    }

    /** Adds a UDP destination whose headers are (to be) in row {@link #dests}; returns that row. */
    int addDest(InetSocketAddress a, RtspServer.Client c) {
        if (dests == addr.length) {
            int n = dests * 2;
            addr = java.util.Arrays.copyOf(addr, n);
            ip4 = java.util.Arrays.copyOf(ip4, n);
            port = java.util.Arrays.copyOf(port, n);
            owner = java.util.Arrays.copyOf(owner, n);
        }
        addr[dests] = a;
        ip4[dests] = a.getAddress() instanceof Inet4Address v4 ? ByteBuffer.wrap(v4.getAddress()).getInt() : 0;
        port[dests] = a.getPort();
        owner[dests] = c;
        return dests++;
    }

    private void ensureRows(int rows) {
        int need = rows * packets * SLOT;
        if (need > headers.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(need, headers.capacity() * 2))
                    .order(ByteOrder.BIG_ENDIAN);
            bigger.put(0, headers, 0, headers.capacity()); // the rows written so far stay
            headers = bigger;
        }
    }

    /** One client's packet p written whole (header and payload) into out, for senders that copy. */
    void copyPacket(int row, int p, ByteBuffer out) {
        int h = row * packets * SLOT + p * SLOT;
        for (int i = 0; i < headerLength(p); i++) {
            out.put(headers.get(h + i));
        }
        out.put(out.position(), data, off[p], len[p]);
        out.position(out.position() + len[p]);
    }
}
