package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Pointer;

/**
 * Sends RTP packets in batches with one system call each: all packets of a batch have the same size but the last,
 * which may be shorter, so the kernel cuts one large send into datagrams (UDP_SEGMENT). The payload is read in place
 * from a direct buffer; only the headers (fixed size per sender: 20 bytes for RFC 4175, 16 for RFC 9134) are written
 * here.
 */
final class GsoSender implements AutoCloseable {

    /** Header bytes of an RFC 4175 packet (RTP, extended sequence number, one SRD). */
    static final int HEADER = Rtp.HEADER + Rfc4175Packetizer.EXT_SEQ + Rfc4175Packetizer.SRD;

    /** Linux errno values of a refused send on a connected UDP socket (ICMP port / host unreachable). */
    static final int ECONNREFUSED = 111;
    static final int EHOSTUNREACH = 113;

    private final int fd;
    private final int header;
    private final int segment;
    private final int batch;
    private final ByteBuffer headers;
    private final long headersAddr;
    /**
     * The iovec arrays handed to the native send: 2 x batch addresses (int64), then 2 x batch lengths (int32), in
     * native order. A direct buffer written with plain stores (JNA's Memory setters are a JNI call each: four per
     * packet, ~1 M calls a second for one 1080p60 stream).
     */
    private final ByteBuffer iov;
    private final int lensAt;
    private final Pointer addrs;
    private final Pointer lens;
    /** The group's per-message counts, segment sizes and the count sent, made once (a group's send allocates nothing). */
    private final Pointer counts;
    private final Pointer segs;
    private final Pointer sent;
    /** Messages (GSO batches) one {@link #sendGroup} call may carry, each of up to {@link #batch()} packets. */
    private final int groupMessages;
    /** Per message of a group: its buffer count and its segment size (int32), then the count the kernel took. */
    private final int countsAt;
    private final int segsAt;
    private final int sentAt;
    private final long iovAddr;
    /** Where refusals after ICMP unreachable are counted (the session's counters). */
    private St2110Counters counters = new St2110Counters();

    private GsoSender(int fd, int header, int segment, int batch) {
        this.fd = fd;
        this.header = header;
        this.segment = segment;
        this.batch = batch;
        // as many whole batches as one sendmmsg of the native helper takes (2 buffers a packet)
        this.groupMessages = Math.max(1, Math.min(NetNative.mcmnet_send_multi_limits(0),
                NetNative.mcmnet_send_multi_limits(1) / (2 * batch)));
        int packets = batch * groupMessages;
        this.headers = ByteBuffer.allocateDirect(header * packets).order(ByteOrder.BIG_ENDIAN);
        this.headersAddr = NetNative.address(headers);
        this.lensAt = 16 * packets;
        this.countsAt = 24 * packets;
        this.segsAt = countsAt + 4 * groupMessages;
        this.sentAt = segsAt + 4 * groupMessages;
        this.iov = ByteBuffer.allocateDirect(sentAt + 8).order(ByteOrder.nativeOrder());
        this.iovAddr = NetNative.address(iov);
        this.addrs = new Pointer(iovAddr);
        this.lens = new Pointer(iovAddr + lensAt);
        this.counts = new Pointer(iovAddr + countsAt);
        this.segs = new Pointer(iovAddr + segsAt);
        this.sent = new Pointer(iovAddr + sentAt);
    }

    /** An RFC 4175 GSO sender (20-byte headers) to dst, or null (see the other open). */
    static GsoSender open(String src, int srcPort, String dst, int dstPort, int ttl, int sndbuf, int segment) {
        return open(src, srcPort, dst, dstPort, ttl, sndbuf, HEADER, segment);
    }

    /**
     * A GSO sender to dst for packets of header + payload bytes, segment bytes each (but the last of a batch), or
     * null when the helpers, IPv4 or UDP_SEGMENT are not available.
     */
    static GsoSender open(String src, int srcPort, String dst, int dstPort, int ttl, int sndbuf, int header,
            int segment) {
        if (!NetNative.available() || src.indexOf(':') >= 0 || dst.indexOf(':') >= 0) {
            return null;
        }
        int fd = NetNative.mcmnet_udp_open(src, srcPort, dst, dstPort, ttl, sndbuf);
        if (fd < 0 && srcPort != 0) {
            // the source port is taken (a receiver on this host listens on it, as with upstream's default sample
            // apps, which use one port for both): send from an ephemeral port, as Udp.sender does
            fd = NetNative.mcmnet_udp_open(src, 0, dst, dstPort, ttl, sndbuf);
        }
        if (fd < 0) {
            return null;
        }
        if (NetNative.mcmnet_gso_probe(fd, segment) != 1) {
            NetNative.mcmnet_close(fd);
            return null;
        }
        int batch = Math.max(1, Math.min(60, 65_000 / segment));
        return new GsoSender(fd, header, segment, batch);
    }

    /** Counts ICMP unreachable refusals in the session's counters; returns this. */
    GsoSender countingIn(St2110Counters c) {
        this.counters = c;
        return this;
    }

    int batch() {
        return batch;
    }

    /** How many batches (messages) one {@link #sendGroup} may carry. */
    int groupMessages() {
        return groupMessages;
    }

    /**
     * Where the headers go: header i of a batch or a group at {@code i * header} (room for {@link #groupMessages()}
     * batches).
     */
    ByteBuffer headers() {
        return headers;
    }

    /**
     * Sends {@code n} packets: header i at {@code headers()[i*header]}, data i at {@code dataAddr[i]} with
     * {@code segment - header} bytes.
     */
    boolean send(long[] dataAddr, int n) throws IOException {
        return send(dataAddr, n, segment - header);
    }

    /**
     * As {@link #send(long[], int)}, but the last packet's data has lastLen bytes (at most the others').
     *
     * @return true when sent; false when the kernel refused it twice for ICMP unreachable (a receiver that left:
     *         counted, the batch is dropped, and the sender goes on)
     */
    boolean send(long[] dataAddr, int n, int lastLen) throws IOException {
        int dataLen = segment - header;
        for (int i = 0; i < n; i++) {
            iov.putLong(16 * i, headersAddr + (long) header * i);
            iov.putInt(lensAt + 8 * i, header);
            iov.putLong(16 * i + 8, dataAddr[i]);
            iov.putInt(lensAt + 8 * i + 4, i == n - 1 ? lastLen : dataLen);
        }
        for (int attempt = 0;; attempt++) {
            long r = NetNative.mcmnet_send(fd, addrs, lens, 2 * n, n > 1 ? segment : 0);
            if (r >= 0) {
                return true;
            }
            if (r != -ECONNREFUSED && r != -EHOSTUNREACH) {
                throw new IOException("UDP send failed: errno " + (-r));
            }
            // an ICMP unreachable came back for an earlier datagram: the kernel reports it instead of sending this
            // batch and clears it, so one retry sends the batch unless another one arrived meanwhile
            counters.icmpUnreachable.increment();
            if (attempt > 0) {
                counters.unsent.add(n);
                return false;
            }
        }
    }

    /**
     * Sends {@code nmsg} batches with one system call (sendmmsg, one UDP_SEGMENT control message each): batch k has
     * {@code packets[k]} packets (at most {@link #batch()}); the packets are numbered across the group, header i at
     * {@code headers()[i*header]}, data i at {@code dataAddr[i]} with {@code segment - header} bytes, but the
     * group's last packet, which has {@code lastLen}.
     *
     * @return the packets sent: all, or fewer when the kernel refused a batch twice for ICMP unreachable (a receiver
     *         that left: counted, the rest of the group is dropped, and the sender goes on)
     */
    int sendGroup(long[] dataAddr, int[] packets, int nmsg, int lastLen) throws IOException {
        if (nmsg < 1 || nmsg > groupMessages) {
            throw new IllegalArgumentException("a group has 1 to " + groupMessages + " batches, got " + nmsg);
        }
        int dataLen = segment - header;
        int total = 0;
        for (int k = 0; k < nmsg; k++) {
            int n = packets[k];
            if (n < 1 || n > batch) {
                throw new IllegalArgumentException("a batch has 1 to " + batch + " packets, got " + n);
            }
            iov.putInt(countsAt + 4 * k, 2 * n);
            iov.putInt(segsAt + 4 * k, n > 1 ? segment : 0);
            total += n;
        }
        for (int i = 0; i < total; i++) {
            iov.putLong(16 * i, headersAddr + (long) header * i);
            iov.putInt(lensAt + 8 * i, header);
            iov.putLong(16 * i + 8, dataAddr[i]);
            iov.putInt(lensAt + 8 * i + 4, i == total - 1 ? lastLen : dataLen);
        }
        int firstMsg = 0;
        int firstPacket = 0;
        for (int attempt = 0;; attempt++) {
            int r;
            if (firstMsg == 0) {
                r = NetNative.mcmnet_send_multi(fd, addrs, lens, counts, segs, nmsg, sent);
            } else { // after a refusal: the rest of the group
                r = NetNative.mcmnet_send_multi(fd, new Pointer(iovAddr + 16L * firstPacket),
                        new Pointer(iovAddr + lensAt + 8L * firstPacket), new Pointer(iovAddr + countsAt + 4L * firstMsg),
                        new Pointer(iovAddr + segsAt + 4L * firstMsg), nmsg - firstMsg, sent);
            }
            if (r >= 0) {
                return total;
            }
            int went = iov.getInt(sentAt);
            for (int k = firstMsg; k < firstMsg + went; k++) {
                firstPacket += packets[k];
            }
            firstMsg += went;
            if (r != -ECONNREFUSED && r != -EHOSTUNREACH) {
                throw new IOException("UDP send failed: errno " + (-r));
            }
            // as in send: the kernel reported an ICMP unreachable of an earlier datagram instead of sending this
            // batch; one retry sends the rest unless another one arrived meanwhile
            counters.icmpUnreachable.increment();
            if (attempt > 0) {
                counters.unsent.add(total - firstPacket);
                return firstPacket;
            }
        }
    }

    @Override
    public void close() {
        NetNative.mcmnet_close(fd);
    }
}
