package org.mcm.memif;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Region;
import org.mcm.memif.internal.Ring;

/**
 * A hand-driven memif client over a raw SEQPACKET socket (through the native helpers), for crafting hostile
 * control messages and shared memory.
 */
final class RawPeer implements AutoCloseable {

    final int fd;
    final Msg out = new Msg();
    final Msg in = new Msg();
    int lastFd = -1;
    Region rings;
    Region buffers;
    int c2sEvent = -1;
    int s2cEvent = -1;
    static final int LOG2 = 4;
    static final int BSIZE = 2048;

    RawPeer(MemifAddress a) throws IOException {
        fd = Native.mcm_seqpacket_socket();
        int rc = Native.mcm_connect(fd, a.name(), a.isAbstract() ? 1 : 0);
        if (rc < 0) {
            throw new IOException("connect " + Native.strerror(rc));
        }
    }

    /** Next message (type), or -1 on timeout / close. */
    int recv(int timeoutMs) {
        long end = System.currentTimeMillis() + timeoutMs;
        int[] fds = new int[4];
        int[] n = new int[1];
        int[] flags = new int[1];
        while (System.currentTimeMillis() < end) {
            Native.mcm_poll_in2(fd, -1, 50);
            int r = Native.mcm_recvmsg(fd, in.buffer(), 256, fds, 4, n, flags);
            if (r == -Native.EAGAIN) {
                continue;
            }
            if (r <= 0) {
                return -1;
            }
            lastFd = n[0] > 0 ? fds[0] : -1;
            return in.type();
        }
        return -1;
    }

    int expect(int type) {
        int t = recv(3000);
        if (t != type) {
            throw new AssertionError("expected " + Msg.typeName(type) + ", got " + (t < 0 ? "nothing" : Msg.typeName(t))
                    + (t == Msg.DISCONNECT ? " (" + in.disconnectReason() + ")" : ""));
        }
        return t;
    }

    void send(int passFd) {
        sendRaw(Msg.SIZE, passFd);
    }

    void sendRaw(int len, int passFd) {
        int rc = Native.mcm_sendmsg(fd, out.buffer(), len, passFd);
        if (rc != len) {
            throw new AssertionError("send failed: " + rc);
        }
    }

    void init(long id) {
        out.reset(Msg.INIT).initVersion(Msg.VERSION).initId(id).initName("raw");
        send(-1);
    }

    /** A full, valid handshake (1+1 rings of 2^LOG2 slots, region 0 rings, region 1 buffers) up to CONNECTED. */
    void connect(long id) throws IOException {
        expect(Msg.HELLO);
        init(id);
        expect(Msg.ACK);
        long ringBytes = Ring.bytes(LOG2);
        rings = Region.create("raw-rings", 2 * ringBytes);
        buffers = Region.create("raw-bufs", 2L * (1 << LOG2) * BSIZE);
        c2s().init(0);
        s2c().init(0);
        c2sEvent = Native.mcm_eventfd(0, Native.EFD_NONBLOCK);
        s2cEvent = Native.mcm_eventfd(0, Native.EFD_NONBLOCK);
        out.reset(Msg.ADD_REGION).regionIndex(0).regionSize(rings.size());
        send(rings.fd());
        expect(Msg.ACK);
        out.reset(Msg.ADD_REGION).regionIndex(1).regionSize(buffers.size());
        send(buffers.fd());
        expect(Msg.ACK);
        out.reset(Msg.ADD_RING).ringFlags(1).ringIndex(0).ringRegion(0).ringOffset(0).ringLog2Size(LOG2);
        send(c2sEvent);
        expect(Msg.ACK);
        out.reset(Msg.ADD_RING).ringFlags(0).ringIndex(0).ringRegion(0).ringOffset(ringBytes).ringLog2Size(LOG2);
        send(s2cEvent);
        expect(Msg.ACK);
        out.reset(Msg.CONNECT).ifName("raw0");
        send(-1);
        expect(Msg.CONNECTED);
    }

    Ring c2s() {
        return new Ring(rings.mem(), 0, LOG2);
    }

    Ring s2c() {
        return new Ring(rings.mem(), (int) Ring.bytes(LOG2), LOG2);
    }

    /** Client TX of one valid frame on C2S slot 'slot'. */
    void validTx(int slot, int len) {
        Ring r = c2s();
        r.descRegion(slot, 1);
        r.descOffset(slot, (long) slot * BSIZE);
        r.descLength(slot, len);
        r.descFlags(slot, 0);
    }

    ByteBuffer buffers() {
        return buffers.mem();
    }

    @Override
    public void close() {
        Native.mcm_close(fd);
        if (rings != null) {
            rings.close();
        }
        if (buffers != null) {
            buffers.close();
        }
        if (c2sEvent >= 0) {
            Native.mcm_close(c2sEvent);
        }
        if (s2cEvent >= 0) {
            Native.mcm_close(s2cEvent);
        }
    }
}
