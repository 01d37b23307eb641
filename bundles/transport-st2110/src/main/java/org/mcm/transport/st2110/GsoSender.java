package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;

/**
 * Sends a frame's RFC 4175 packets in batches with one system call each: all packets of a batch have the same
 * size (single-line packing), so the kernel cuts one large send into datagrams (UDP_SEGMENT). The pixel data is
 * read in place from the frame's direct buffer; only the 20-byte headers are written here.
 */
final class GsoSender implements AutoCloseable {

    static final int HEADER = Rtp.HEADER + Rfc4175Packetizer.EXT_SEQ + Rfc4175Packetizer.SRD;

    private final int fd;
    private final int segment;
    private final int batch;
    private final ByteBuffer headers;
    private final long headersAddr;
    private final Memory addrs;
    private final Memory lens;

    private GsoSender(int fd, int segment, int batch) {
        this.fd = fd;
        this.segment = segment;
        this.batch = batch;
        this.headers = ByteBuffer.allocateDirect(HEADER * batch).order(ByteOrder.BIG_ENDIAN);
        this.headersAddr = NetNative.address(headers);
        this.addrs = new Memory(8L * 2 * batch);
        this.lens = new Memory(4L * 2 * batch);
    }

    /** A GSO sender to dst, or null when the helpers, IPv4 or UDP_SEGMENT are not available. */
    static GsoSender open(String src, int srcPort, String dst, int dstPort, int ttl, int sndbuf, int segment) {
        if (!NetNative.available() || src.indexOf(':') >= 0 || dst.indexOf(':') >= 0) {
            return null;
        }
        int fd = NetNative.mcmnet_udp_open(src, srcPort, dst, dstPort, ttl, sndbuf);
        if (fd < 0) {
            return null;
        }
        if (NetNative.mcmnet_gso_probe(fd, segment) != 1) {
            NetNative.mcmnet_close(fd);
            return null;
        }
        int batch = Math.max(1, Math.min(60, 65_000 / segment));
        return new GsoSender(fd, segment, batch);
    }

    int batch() {
        return batch;
    }

    ByteBuffer headers() {
        return headers;
    }

    /**
     * Sends {@code n} packets: header i at {@code headers()[i*HEADER]}, data i at {@code dataAddr[i]} with
     * {@code segment - HEADER} bytes.
     */
    void send(long[] dataAddr, int n) throws IOException {
        int dataLen = segment - HEADER;
        for (int i = 0; i < n; i++) {
            addrs.setLong(16L * i, headersAddr + (long) HEADER * i);
            lens.setInt(8L * i, HEADER);
            addrs.setLong(16L * i + 8, dataAddr[i]);
            lens.setInt(8L * i + 4, dataLen);
        }
        long r = NetNative.mcmnet_send(fd, addrs, lens, 2 * n, n > 1 ? segment : 0);
        if (r < 0) {
            throw new IOException("UDP send failed: errno " + (-r));
        }
    }

    @Override
    public void close() {
        NetNative.mcmnet_close(fd);
    }
}
