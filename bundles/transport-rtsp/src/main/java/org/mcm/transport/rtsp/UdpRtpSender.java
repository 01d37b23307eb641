package org.mcm.transport.rtsp;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;

import com.sun.jna.Pointer;

/**
 * The RTSP server's one UDP socket for RTP to every UDP client (its port is the {@code server_port} of every SETUP
 * answer). Two implementations give the same datagrams: {@link Batched} hands a whole {@link RtpBatch} (one access
 * unit to every client) to the kernel in one sendmmsg through the native fragment, each client's run of equal-size
 * packets one UDP GSO message; {@link Plain} sends one datagram per packet and client with a Java socket (the
 * fallback when the fragment is absent, the address is not IPv4, or offload is turned off).
 */
abstract class UdpRtpSender implements AutoCloseable {

    /** Datagrams per GSO message (the kernel's UDP_MAX_SEGMENTS is at least 64) and bytes per message. */
    static final int MAX_SEGMENTS = 64;
    static final int MAX_GSO_BYTES = 65_000;

    abstract int port();

    /** Sends the batch to its destinations; returns the packets that could not be sent (counted by the caller). */
    abstract int send(RtpBatch b);

    /** "sendmmsg+gso", "sendmmsg" or "java". */
    abstract String kind();

    @Override
    public abstract void close();

    /** A sender bound to bind:port (0: any); the batched one when asked for and possible, else the plain one. */
    static UdpRtpSender open(InetAddress bind, int port, int sndbuf, boolean offload) throws IOException {
        if (offload && bind instanceof Inet4Address && nativeAvailable()) {
            int fd = RtpNative.mcmrtsp_udp_open(bind.getHostAddress(), port, sndbuf);
            if (fd >= 0) {
                return new Batched(fd);
            }
            if (port != 0) {
                throw new IOException("UDP port " + bind.getHostAddress() + ":" + port + ": errno " + -fd);
            }
        }
        return new Plain(bind, port, sndbuf);
    }

    private static boolean nativeAvailable() {
        try {
            return RtpNative.available();
        } catch (LinkageError e) {
            return false; // no JNA in the framework: the plain sender
        }
    }

    /** One datagram per packet and client (a copy of header and payload into one buffer, then a send). */
    static final class Plain extends UdpRtpSender {
        private final DatagramChannel ch;
        private final ByteBuffer scratch = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);

        Plain(InetAddress bind, int port, int sndbuf) throws IOException {
            ch = DatagramChannel.open();
            try {
                ch.setOption(StandardSocketOptions.SO_SNDBUF, sndbuf);
                ch.bind(new InetSocketAddress(bind, port));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }

        @Override
        int port() {
            try {
                return ((InetSocketAddress) ch.getLocalAddress()).getPort();
            } catch (IOException e) {
                return 0;
            }
        }

        @Override
        int send(RtpBatch b) {
            int failed = 0;
            for (int d = 0; d < b.dests; d++) {
                for (int p = 0; p < b.packets; p++) {
                    scratch.clear();
                    b.copyPacket(d, p, scratch);
                    scratch.flip();
                    try {
                        ch.send(scratch, b.addr[d]);
                    } catch (IOException e) {
                        failed++;
                    }
                }
            }
            return failed;
        }

        @Override
        String kind() {
            return "java";
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** One sendmmsg per batch (chunked at the native side's limits), UDP GSO per run of equal-size packets. */
    static final class Batched extends UdpRtpSender {
        private static final int MAX_MSGS = 4096;
        private static final int MAX_IOVS = 8192;
        private final int fd;
        private final boolean gso;
        private final ByteBuffer iovAddrs = direct(8 * MAX_IOVS);
        private final ByteBuffer iovLens = direct(4 * MAX_IOVS);
        private final ByteBuffer msgs = direct(20 * MAX_MSGS);
        private final ByteBuffer results = direct(4 * MAX_MSGS);
        private final Pointer pAddrs = RtpNative.pointer(iovAddrs);
        private final Pointer pLens = RtpNative.pointer(iovLens);
        private final Pointer pMsgs = RtpNative.pointer(msgs);
        private final Pointer pResults = RtpNative.pointer(results);
        private final int[] msgPackets = new int[MAX_MSGS];
        private int niov;
        private int nmsg;
        private volatile boolean closed;

        Batched(int fd) {
            this.fd = fd;
            this.gso = RtpNative.mcmrtsp_gso_probe(fd, 1400) == 1;
        }

        private static ByteBuffer direct(int n) {
            return ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
        }

        @Override
        int port() {
            return RtpNative.mcmrtsp_local_port(fd);
        }

        @Override
        String kind() {
            return gso ? "sendmmsg+gso" : "sendmmsg";
        }

        @Override
        synchronized int send(RtpBatch b) {
            if (closed || b.dests == 0 || b.packets == 0) {
                return 0;
            }
            long hdrBase = RtpNative.address(b.headers);
            ByteBuffer data = b.data;
            long dataBase = RtpNative.address(data);
            int failed = 0;
            niov = 0;
            nmsg = 0;
            for (int d = 0; d < b.dests; d++) {
                if (b.ip4[d] == 0 && !(b.addr[d].getAddress() instanceof Inet4Address)) {
                    failed += b.packets; // an IPv6 client of an IPv4 socket: cannot be reached
                    continue;
                }
                int p = 0;
                while (p < b.packets) {
                    int seg = b.size(p);
                    int count = 1;
                    int bytes = seg;
                    if (gso) {
                        while (p + count < b.packets && count < MAX_SEGMENTS && b.size(p + count - 1) == seg) {
                            int next = b.size(p + count);
                            if (next > seg || bytes + next > MAX_GSO_BYTES) {
                                break;
                            }
                            bytes += next;
                            count++;
                        }
                    }
                    if (nmsg == MAX_MSGS || niov + 2 * count > MAX_IOVS) {
                        failed += flush();
                    }
                    int first = niov;
                    for (int k = p; k < p + count; k++) {
                        iov(hdrBase + (long) (d * b.packets + k) * RtpBatch.SLOT, b.headerLength(k));
                        iov(dataBase + b.off[k], b.len[k]);
                    }
                    int m = nmsg * 20;
                    msgs.putInt(m, first);
                    msgs.putInt(m + 4, niov - first);
                    msgs.putInt(m + 8, b.ip4[d]);
                    msgs.putInt(m + 12, b.port[d]);
                    msgs.putInt(m + 16, count > 1 ? seg : 0);
                    msgPackets[nmsg] = count;
                    nmsg++;
                    p += count;
                }
            }
            failed += flush();
            return failed;
        }

        private void iov(long addr, int len) {
            iovAddrs.putLong(niov * 8, addr);
            iovLens.putInt(niov * 4, len);
            niov++;
        }

        /** Sends the messages gathered so far; returns the packets of those that failed. */
        private int flush() {
            if (nmsg == 0) {
                return 0;
            }
            int failed = 0;
            int r = RtpNative.mcmrtsp_send_batch(fd, pAddrs, pLens, niov, pMsgs, nmsg, pResults);
            if (r < 0) {
                for (int i = 0; i < nmsg; i++) {
                    failed += msgPackets[i];
                }
            } else if (r > 0) {
                for (int i = 0; i < nmsg; i++) {
                    if (results.getInt(i * 4) != 1) {
                        failed += msgPackets[i];
                    }
                }
            }
            nmsg = 0;
            niov = 0;
            return failed;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                RtpNative.mcmrtsp_close(fd);
            }
        }
    }
}
