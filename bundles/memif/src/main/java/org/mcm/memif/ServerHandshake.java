package org.mcm.memif;

import java.io.IOException;
import java.util.List;

import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Region;
import org.mcm.memif.internal.Ring;

/**
 * The server side of the memif handshake, on the loop thread: HELLO to a new connection, then INIT (id, version,
 * mode, secret), ADD_REGION (the region memfd: index, size, seals), ADD_RING (the interrupt eventfd: index, region,
 * offset, size) and CONNECT, each validated before anything is mapped; on CONNECT the regions are mapped, the rings'
 * cookies checked and the queues started. A message it refuses returns the DISCONNECT reason.
 */
final class ServerHandshake {

    static final int MAX_REGION_INDEX = 255;
    static final int MAX_RING_INDEX = 255;

    private final MemifSocket socket;
    private final ControlLoop loop;

    ServerHandshake(MemifSocket socket, ControlLoop loop) {
        this.socket = socket;
        this.loop = loop;
    }

    /** A client connected: greet it with our limits. */
    void accepted(Connection c) {
        c.out.reset(Msg.HELLO).helloName(MemifSocket.APP_NAME).helloMinVersion(Msg.VERSION)
                .helloMaxVersion(Msg.VERSION).helloMaxRegion(MAX_REGION_INDEX).helloMaxS2cRing(MAX_RING_INDEX)
                .helloMaxC2sRing(MAX_RING_INDEX).helloMaxLog2RingSize(Ring.MAX_LOG2);
        loop.send(c, -1);
    }

    /**
     * Handles one message from a client; returns a DISCONNECT reason when it is not acceptable. The fd (or -1)
     * becomes the connection's only when the message is accepted (ADD_REGION, ADD_RING); else the caller closes it.
     */
    String message(Connection c, int type, int fd) {
        switch (c.state) {
            case AWAIT_INIT:
                if (type != Msg.INIT) {
                    return "Unexpected message " + Msg.typeName(type);
                }
                return init(c);
            case HANDSHAKE:
                if (type == Msg.ADD_REGION) {
                    return addRegion(c, fd);
                }
                if (type == Msg.ADD_RING) {
                    return addRing(c, fd);
                }
                if (type == Msg.CONNECT) {
                    return connect(c);
                }
                return "Unexpected message " + Msg.typeName(type);
            default:
                return "Unexpected message " + Msg.typeName(type);
        }
    }

    private void ack(Connection c) {
        c.out.reset(Msg.ACK);
        loop.send(c, -1);
    }

    private String init(Connection c) {
        Msg m = c.in;
        if (m.initVersion() != Msg.VERSION) {
            return "Incompatible memif version";
        }
        MemifInterface i = socket.getInterface(m.initId());
        if (i == null || i.closed) {
            return "ID not found";
        }
        if (i.pending != null) {
            return "Already connected";
        }
        c.iface = i; // from here on, errors count on the interface too
        if (m.initMode() != 0) {
            return "Only ethernet mode supported";
        }
        String secret = i.config().secret();
        if (!secret.isEmpty()) {
            String theirs = m.initSecret();
            if (theirs.isEmpty()) {
                return "Secret required";
            }
            if (!theirs.equals(secret)) {
                return "Incorrect secret";
            }
        }
        i.pending = c;
        i.peerName(m.initName());
        c.state = Connection.State.HANDSHAKE;
        ack(c);
        return null;
    }

    private String addRegion(Connection c, int fd) {
        Msg m = c.in;
        InterfaceConfig cfg = c.iface.config();
        if (fd < 0) {
            return "Missing region fd";
        }
        int index = m.regionIndex();
        if (index != c.regions.size() || index > MAX_REGION_INDEX) {
            return "Invalid region index " + index;
        }
        long size = m.regionSize();
        if (size <= 0 || size > cfg.maxRegionSize()) {
            return "Invalid region size " + Long.toUnsignedString(size);
        }
        long real = Native.mcm_fstat_size(fd);
        if (real < 0) {
            return "Region fd not usable";
        }
        if (real < size) {
            return "Region fd holds " + real + " bytes, less than the region size " + size;
        }
        if (cfg.requireSealedRegions()) {
            int seals = Native.mcm_get_seals(fd);
            if (seals < 0 || (seals & Native.F_SEAL_SHRINK) == 0) {
                return "Region fd not sealed against shrinking";
            }
        }
        c.regions.add(new Region(fd, size));
        ack(c);
        return null;
    }

    private String addRing(Connection c, int fd) {
        Msg m = c.in;
        InterfaceConfig cfg = c.iface.config();
        if (fd < 0) {
            return "Missing interrupt fd";
        }
        int flags = m.ringFlags();
        if ((flags & ~Msg.RING_FLAG_C2S) != 0) {
            return "Invalid ring flags " + flags;
        }
        boolean c2s = (flags & Msg.RING_FLAG_C2S) != 0;
        List<Connection.RingSpec> list = c2s ? c.c2s : c.s2c;
        int max = c2s ? cfg.c2sRings() : cfg.s2cRings();
        int index = m.ringIndex();
        if (index != list.size() || index >= max) {
            return "Invalid ring index " + index;
        }
        int region = m.ringRegion();
        if (region >= c.regions.size()) {
            return "Invalid region index " + region;
        }
        int log2 = m.ringLog2Size();
        if (log2 < 1 || log2 > Ring.MAX_LOG2) {
            return "Invalid ring size " + log2;
        }
        if (m.ringPrivateHdrSize() != 0) {
            return "Private headers not supported";
        }
        long off = m.ringOffset();
        if ((off & 1) != 0) {
            return "Misaligned ring offset " + off;
        }
        if (off + Ring.bytes(log2) > c.regions.get(region).size()) {
            return "Ring outside region " + region;
        }
        // the consumer side waits on it and the producer writes it; never let a write block this process
        Native.mcm_set_nonblock(fd, 1);
        list.add(new Connection.RingSpec(index, region, off, log2, fd));
        ack(c);
        return null;
    }

    private String connect(Connection c) {
        if (c.c2s.isEmpty() || c.s2c.isEmpty()) {
            return "Missing rings";
        }
        for (int r = 0; r < c.regions.size(); r++) {
            try {
                c.regions.get(r).map();
            } catch (IOException e) {
                return "Cannot map region " + r + ": " + e.getMessage();
            }
        }
        for (Connection.RingSpec s : c.c2s) {
            if (c.regions.get(s.region).readOnly()) {
                return "C2S ring " + s.index + " in read-only region " + s.region;
            }
            if (c.ring(s).cookie() != Ring.COOKIE) {
                return "Wrong cookie on C2S ring " + s.index;
            }
        }
        for (Connection.RingSpec s : c.s2c) {
            if (c.regions.get(s.region).readOnly()) {
                return "S2C ring " + s.index + " in read-only region " + s.region;
            }
            if (c.ring(s).cookie() != Ring.COOKIE) {
                return "Wrong cookie on S2C ring " + s.index;
            }
        }
        MemifInterface i = c.iface;
        RxQueue[] rx = new RxQueue[c.c2s.size()];
        for (int q = 0; q < rx.length; q++) {
            Connection.RingSpec s = c.c2s.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            rx[q] = new RxQueue(i, c, q, ring, s.eventFd, false, 0, 0, 0);
            rx[q].start();
        }
        TxQueue[] tx = new TxQueue[c.s2c.size()];
        for (int q = 0; q < tx.length; q++) {
            Connection.RingSpec s = c.s2c.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            tx[q] = new TxQueue(i, c, q, ring, s.eventFd, false, 0, 0, 0);
            tx[q].start();
        }
        c.rx = rx;
        c.tx = tx;
        String peerIf = c.in.ifName();
        c.out.reset(Msg.CONNECTED).ifName(i.config().name());
        if (!loop.send(c, -1)) {
            return null;
        }
        c.state = Connection.State.CONNECTED;
        loop.established(c, peerIf);
        return null;
    }
}
