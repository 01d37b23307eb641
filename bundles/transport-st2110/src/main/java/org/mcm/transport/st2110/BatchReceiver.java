package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;

/**
 * Receives datagrams in batches (one {@code recvmmsg} for up to 64) into fixed slots of a direct buffer, through the
 * native fragment: the receive-side counterpart of {@link GsoSender}. Slots are views handed to the depacketizer.
 */
final class BatchReceiver implements AutoCloseable {

    static final int BATCH = 64;
    static final int SLOT = 9216;

    private final int fd;
    private final ByteBuffer slots = ByteBuffer.allocateDirect(BATCH * SLOT).order(ByteOrder.BIG_ENDIAN);
    private final ByteBuffer[] views = new ByteBuffer[BATCH];
    private final long base;
    private final Memory lens = new Memory(4L * BATCH);
    private volatile boolean closed;

    private BatchReceiver(int fd) {
        this.fd = fd;
        this.base = NetNative.address(slots);
        for (int i = 0; i < BATCH; i++) {
            views[i] = slots.duplicate().position(i * SLOT).limit((i + 1) * SLOT).slice().order(ByteOrder.BIG_ENDIAN);
        }
    }

    /** Null when the helpers are missing or the addresses are not IPv4 literals. */
    static BatchReceiver open(String bindIp, int port, String group, String ifIp, int rcvbuf) throws IOException {
        if (!NetNative.available() || !ipv4(bindIp) || !ipv4(ifIp) || !(group.isEmpty() || ipv4(group))) {
            return null;
        }
        int fd = NetNative.mcmnet_udp_bind(bindIp, port, group, ifIp, rcvbuf);
        if (fd < 0) {
            throw new IOException("cannot receive on UDP port " + port + ": errno " + (-fd));
        }
        return new BatchReceiver(fd);
    }

    static boolean ipv4(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** Waits up to timeoutMs; returns how many slots were filled (their lengths via {@link #length}). */
    int receive(int timeoutMs) throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        int n = NetNative.mcmnet_recv_batch(fd, base, SLOT, BATCH, lens, timeoutMs);
        if (n < 0) {
            throw new IOException("UDP receive failed: errno " + (-n));
        }
        return n;
    }

    ByteBuffer slot(int i) {
        return views[i];
    }

    /** Length of slot i, or -1 when the datagram did not fit its slot. */
    int length(int i) {
        return lens.getInt(4L * i);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NetNative.mcmnet_close(fd);
        }
    }
}
