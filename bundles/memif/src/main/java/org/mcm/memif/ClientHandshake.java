package org.mcm.memif;

import java.io.IOException;

import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Region;
import org.mcm.memif.internal.Ring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the memif handshake, on the loop thread: connects an interface's control socket, and on the
 * server's HELLO allocates the shared memory (region 0: rings, region 1: buffers, or the interface's buffer pool)
 * and the ring eventfds, then sends INIT, one ADD_REGION / ADD_RING per ACK and CONNECT; on CONNECTED it starts
 * the queues. A server that breaks the protocol is a violation of the connection.
 */
final class ClientHandshake {

    private static final Logger LOG = LoggerFactory.getLogger(MemifSocket.class);

    private final MemifSocket socket;
    private final ControlLoop loop;

    ClientHandshake(MemifSocket socket, ControlLoop loop) {
        this.socket = socket;
        this.loop = loop;
    }

    /** Connects the interface's control socket (retried after its reconnect interval when that fails). */
    void connect(MemifInterface i) {
        InterfaceConfig cfg = i.config();
        MemifAddress address = socket.address();
        i.nextAttemptNanos = System.nanoTime() + cfg.reconnectInterval().toNanos();
        int fd = Native.mcm_seqpacket_socket();
        if (fd < 0) {
            return;
        }
        int rc = Native.mcm_connect(fd, address.name(), address.isAbstract() ? 1 : 0);
        if (rc < 0) {
            Native.mcm_close(fd);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: connect: {}", i, Native.strerror(rc));
            }
            return;
        }
        Native.mcm_set_nonblock(fd, 1);
        Connection c = new Connection(socket, Role.CLIENT, fd);
        c.iface = i;
        c.state = Connection.State.AWAIT_HELLO;
        i.pending = c;
        loop.add(c);
    }

    /** Handles one message from the server. */
    void message(Connection c, int type) {
        switch (c.state) {
            case AWAIT_HELLO:
                if (type != Msg.HELLO) {
                    loop.violation(c, "Unexpected message " + Msg.typeName(type));
                    return;
                }
                hello(c);
                return;
            case HANDSHAKE:
                if (type == Msg.ACK) {
                    nextStep(c);
                    return;
                }
                if (type == Msg.CONNECTED) {
                    connected(c);
                    return;
                }
                loop.violation(c, "Unexpected message " + Msg.typeName(type));
                return;
            default:
                loop.violation(c, "Unexpected message " + Msg.typeName(type));
        }
    }

    private void hello(Connection c) {
        Msg m = c.in;
        MemifInterface i = c.iface;
        InterfaceConfig cfg = i.config();
        if (m.helloMinVersion() > Msg.VERSION || m.helloMaxVersion() < Msg.VERSION) {
            loop.violation(c, "Incompatible memif version");
            return;
        }
        if (m.helloMaxRegion() < 1) {
            loop.violation(c, "Server allows too few regions");
            return;
        }
        int nc2s = Math.min(cfg.c2sRings(), m.helloMaxC2sRing() + 1);
        int ns2c = Math.min(cfg.s2cRings(), m.helloMaxS2cRing() + 1);
        int log2 = Math.min(cfg.log2RingSize(), m.helloMaxLog2RingSize());
        if (log2 < 1) {
            loop.violation(c, "Invalid max ring size " + m.helloMaxLog2RingSize());
            return;
        }
        i.peerName(m.helloName());
        int slots = 1 << log2;
        long ringBytes = Ring.bytes(log2);
        int rings = nc2s + ns2c;
        try {
            c.regions.add(Region.create("memif-rings-" + cfg.id(), rings * ringBytes));
            BufferPool pool = cfg.pool();
            if (pool != null) {
                if (!pool.use()) {
                    loop.drop(c, "Buffer pool " + pool.name() + " is closed", true, false);
                    return;
                }
                c.pool = pool;
                int fd;
                try {
                    fd = cfg.poolReadOnly() ? pool.readOnlyFd() : pool.fd();
                } catch (MemifException e) {
                    loop.drop(c, e.getMessage(), true, false);
                    return;
                }
                c.regions.add(Region.borrowed(fd, pool.size(), pool.memory()));
            } else {
                c.regions.add(Region.create("memif-buffers-" + cfg.id(), (long) rings * slots * cfg.bufferSize()));
            }
        } catch (IOException e) {
            loop.drop(c, "Cannot allocate shared memory: " + e.getMessage(), true, false);
            return;
        }
        for (int r = 0; r < rings; r++) {
            int efd = Native.mcm_eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
            boolean isC2s = r < nc2s;
            Connection.RingSpec s = new Connection.RingSpec(isC2s ? r : r - nc2s, 0, r * ringBytes, log2, efd);
            (isC2s ? c.c2s : c.s2c).add(s);
            c.ring(s).init(0);
            if (efd < 0) {
                loop.drop(c, "eventfd: " + Native.strerror(efd), true, false);
                return;
            }
        }
        c.out.reset(Msg.INIT).initVersion(Msg.VERSION).initId(cfg.id()).initMode(0).initSecret(cfg.secret())
                .initName(cfg.name());
        c.step = 0;
        c.state = Connection.State.HANDSHAKE;
        loop.send(c, -1);
    }

    /** After an ACK: the next region, the next ring, or CONNECT. */
    private void nextStep(Connection c) {
        int regions = c.regions.size();
        int total = regions + c.c2s.size() + c.s2c.size();
        int s = c.step;
        if (s > total) {
            loop.violation(c, "Unexpected ACK");
            return;
        }
        c.step = s + 1;
        if (s < regions) {
            Region r = c.regions.get(s);
            c.out.reset(Msg.ADD_REGION).regionIndex(s).regionSize(r.size());
            loop.send(c, r.fd());
            return;
        }
        s -= regions;
        if (s < c.c2s.size() + c.s2c.size()) {
            boolean isC2s = s < c.c2s.size();
            Connection.RingSpec r = isC2s ? c.c2s.get(s) : c.s2c.get(s - c.c2s.size());
            c.out.reset(Msg.ADD_RING).ringFlags(isC2s ? Msg.RING_FLAG_C2S : 0).ringIndex(r.index)
                    .ringRegion(r.region).ringOffset(r.offset).ringLog2Size(r.log2).ringPrivateHdrSize(0);
            loop.send(c, r.eventFd);
            return;
        }
        c.out.reset(Msg.CONNECT).ifName(c.iface.config().name());
        loop.send(c, -1);
    }

    private void connected(Connection c) {
        int total = c.regions.size() + c.c2s.size() + c.s2c.size();
        if (c.step != total + 1) {
            loop.violation(c, "Unexpected message CONNECTED");
            return;
        }
        MemifInterface i = c.iface;
        int bsize = i.config().bufferSize();
        int nc2s = c.c2s.size();
        TxQueue[] tx = new TxQueue[nc2s];
        for (int q = 0; q < nc2s; q++) {
            Connection.RingSpec s = c.c2s.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            tx[q] = new TxQueue(i, c, q, ring, s.eventFd, true, 1, (long) q * ring.size() * bsize, bsize, c.pool);
            tx[q].start();
            if (c.pool != null) {
                c.pool.addReclaimer(tx[q].reclaimer);
            }
        }
        RxQueue[] rx = new RxQueue[c.s2c.size()];
        for (int q = 0; q < rx.length; q++) {
            Connection.RingSpec s = c.s2c.get(q);
            Ring ring = c.ring(s);
            ring.headRelease(0);
            ring.tailRelease(0);
            rx[q] = new RxQueue(i, c, q, ring, s.eventFd, true, 1, (long) (nc2s + q) * ring.size() * bsize, bsize,
                    c.pool);
            rx[q].start();
        }
        c.rx = rx;
        c.tx = tx;
        c.state = Connection.State.CONNECTED;
        loop.established(c, c.in.ifName());
    }
}
