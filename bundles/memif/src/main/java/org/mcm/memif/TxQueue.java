package org.mcm.memif;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Ring;

/**
 * The sending end of one ring: C2S on the client (own buffers, advances head), S2C on the server (fills the
 * buffers the client offered, advances tail). After each publish the peer is signalled through the ring's eventfd
 * unless it set MASK_INT.
 */
final class TxQueue {

    final MemifInterface iface;
    final Connection conn;
    final int index;
    private final Ring ring;
    private final int eventFd;
    private final boolean client;
    private final int n;
    private final int mask;
    private final ByteBuffer[] mem;
    /** Client: head; server: tail. Free-running u16, written only by us. */
    private int pos;
    private final MemifFrame frame;
    private boolean outstanding;
    // client: own buffer layout
    private final int ownRegion;
    private final long ownBase;
    private final int ownSize;
    // current slot target as validated
    private int curRegion;
    private int curOffset;
    private int curCap;
    private final ByteBuffer[] view;
    private final int[] viewRegion;
    private final int[] viewOffset;
    private final int[] viewCap;
    private final int[] planRegion;
    private final int[] planOffset;
    private final int[] planCap;

    /** Client with a shared pool: the pool buffer each published slot carries; else null. */
    private final BufferPool pool;
    private final int[] slotBuf;
    /** Pool mode: the buffer of the acquired frame. */
    private int pendingBuf = -1;
    /** Pool mode, under reclaimLock: slots published (head) and slots whose buffers were given back. */
    private final Object reclaimLock = new Object();
    private int published;
    private int done;
    final Runnable reclaimer = this::reclaim;

    TxQueue(MemifInterface iface, Connection conn, int index, Ring ring, int eventFd, boolean client,
            int ownRegion, long ownBase, int ownSize) {
        this(iface, conn, index, ring, eventFd, client, ownRegion, ownBase, ownSize, null);
    }

    /** With a pool (client only): descriptors point at pool buffers in region ownRegion. */
    TxQueue(MemifInterface iface, Connection conn, int index, Ring ring, int eventFd, boolean client,
            int ownRegion, long ownBase, int ownSize, BufferPool pool) {
        this.iface = iface;
        this.conn = conn;
        this.index = index;
        this.ring = ring;
        this.eventFd = eventFd;
        this.client = client;
        this.n = ring.size();
        this.mask = ring.mask();
        this.mem = conn.regionViews();
        this.frame = new MemifFrame(null, this);
        this.ownRegion = ownRegion;
        this.ownBase = ownBase;
        this.ownSize = ownSize;
        this.view = new ByteBuffer[n];
        this.viewRegion = new int[n];
        this.viewOffset = new int[n];
        this.viewCap = new int[n];
        this.planRegion = new int[n];
        this.planOffset = new int[n];
        this.planCap = new int[n];
        this.pool = pool;
        this.slotBuf = pool == null ? null : new int[n];
        if (pool != null) {
            java.util.Arrays.fill(slotBuf, -1);
        }
    }

    BufferPool pool() {
        return pool;
    }

    /**
     * Pool mode: gives back the buffers of descriptors the peer consumed (its tail moved past them). Any thread;
     * does nothing once the connection is going away ({@link #dispose()} then returns them all).
     */
    void reclaim() {
        if (pool == null || !conn.retain()) {
            return;
        }
        try {
            synchronized (reclaimLock) {
                int tail = ring.tailAcquire();
                int consumed = (tail - done) & 0xffff;
                if (consumed > ((published - done) & 0xffff)) {
                    conn.dataPathViolation("tail " + tail + " beyond head " + published);
                    return;
                }
                while (done != tail) {
                    int sl = done & mask;
                    pool.release(slotBuf[sl]);
                    slotBuf[sl] = -1;
                    done = (done + 1) & 0xffff;
                }
            }
        } finally {
            conn.unref();
        }
    }

    /** Connection teardown: every buffer still published goes back to the pool. */
    void dispose() {
        if (pool == null) {
            return;
        }
        synchronized (reclaimLock) {
            for (int i = 0; i < n; i++) {
                if (slotBuf[i] >= 0) {
                    pool.release(slotBuf[i]);
                    slotBuf[i] = -1;
                }
            }
            done = published;
        }
    }

    /** Pool mode, under this queue's lock: one descriptor pointing at a pool buffer (whose reference it keeps). */
    private void publishPoolBuffer(int buffer, int length) {
        ring.descRegion(pos, ownRegion);
        ring.descOffset(pos, pool.offset(buffer));
        ring.descLength(pos, length);
        ring.descFlags(pos, 0);
        recordSlot(pos, buffer);
        publish(1);
    }

    /** Pool mode, under this queue's lock: records the buffer of the slot about to be published. */
    private void recordSlot(int slot, int buffer) {
        synchronized (reclaimLock) {
            slotBuf[slot & mask] = buffer;
            published = (slot + 1) & 0xffff;
        }
    }

    /**
     * Pool mode: publishes a pool buffer another queue received (no copy), waiting up to the timeout for room.
     * The queue takes its own reference to the buffer.
     */
    boolean forward(int buffer, int length, long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            if (!conn.retain()) {
                iface.txDropped.increment();
                return false;
            }
            try {
                synchronized (this) {
                    int free = outstanding ? 0 : free();
                    if (free < 0) {
                        iface.txDropped.increment();
                        return false;
                    }
                    if (free == 0) {
                        reclaim();
                    } else {
                        pool.retain(buffer);
                        publishPoolBuffer(buffer, length);
                        iface.txFrames.increment();
                        iface.txBytes.add(length);
                        iface.txShared.increment();
                        return true;
                    }
                }
            } finally {
                conn.unref();
            }
            if (!waitOrGiveUp(deadline)) {
                iface.txDropped.increment();
                return false;
            }
        }
    }

    /** Loop thread, at connect. */
    void start() {
        pos = 0;
        if (!client) {
            ring.tailRelease(0);
        }
    }

    /** Slots we may fill now, or -1 after a violation. */
    private int free() {
        if (pool != null) {
            reclaim();
        }
        if (client) {
            int tail = ring.tailAcquire();
            int used = (pos - tail) & 0xffff;
            if (used > n) {
                conn.dataPathViolation("tail " + tail + " beyond head " + pos);
                return -1;
            }
            return n - used;
        }
        int head = ring.headAcquire();
        int avail = (head - pos) & 0xffff;
        if (avail > n) {
            conn.dataPathViolation("head " + head + " beyond the ring (tail " + pos + ")");
            return -1;
        }
        return avail;
    }

    /** Sets curRegion/curOffset/curCap for slot; false (and a violation) when the client's offer is bad. */
    private boolean target(int slot) {
        if (client) {
            curRegion = ownRegion;
            curOffset = (int) (ownBase + (long) (slot & mask) * ownSize);
            curCap = ownSize;
            return true;
        }
        int region = ring.descRegion(slot);
        long cap = ring.descLength(slot);
        long off = ring.descOffset(slot);
        if (region >= mem.length || mem[region] == null) {
            conn.dataPathViolation("offered descriptor " + (slot & mask) + ": invalid region " + region);
            return false;
        }
        long size = mem[region].capacity();
        if (off > size || cap > size - off) {
            conn.dataPathViolation("offered descriptor " + (slot & mask) + ": buffer " + off + "+" + cap
                    + " outside region " + region + " of " + size + " bytes");
            return false;
        }
        curRegion = region;
        curOffset = (int) off;
        curCap = (int) cap;
        return true;
    }

    private void publish(int count) {
        pos = (pos + count) & 0xffff;
        if (client) {
            ring.headRelease(pos);
        } else {
            ring.tailRelease(pos);
        }
        if ((ring.flags() & Ring.FLAG_MASK_INT) == 0) {
            Native.mcm_eventfd_write(eventFd, 1);
        }
    }

    private boolean waitOrGiveUp(long deadline) {
        if (conn.closing || System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
            return false;
        }
        LockSupport.parkNanos(20_000L);
        return true;
    }

    /** Zero-copy TX: the next free buffer as a frame (one outstanding per queue); null on timeout. */
    MemifFrame acquire(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            if (!conn.retain()) {
                return null;
            }
            synchronized (this) {
                if (outstanding) {
                    conn.unref();
                    throw new IllegalStateException("a frame of TX queue " + index + " is already acquired");
                }
                int free = free();
                if (pool != null && free > 0) {
                    int b = pool.alloc();
                    if (b >= 0) {
                        pendingBuf = b;
                        curRegion = ownRegion;
                        curOffset = (int) pool.offset(b);
                        curCap = ownSize;
                        outstanding = true;
                        frame.txInit(pos, view(pos & mask));
                        return frame; // keeps the reference
                    }
                    free = 0;
                } else if (free > 0 && target(pos)) {
                    ByteBuffer v = view(pos & mask);
                    outstanding = true;
                    frame.txInit(pos, v);
                    return frame; // keeps the reference
                }
                if (free < 0) {
                    conn.unref();
                    return null;
                }
            }
            conn.unref();
            if (!waitOrGiveUp(deadline)) {
                return null;
            }
        }
    }

    private ByteBuffer view(int s) {
        ByteBuffer v = view[s];
        if (v == null || viewRegion[s] != curRegion || viewOffset[s] != curOffset || viewCap[s] != curCap) {
            v = mem[curRegion].slice(curOffset, curCap).order(ByteOrder.LITTLE_ENDIAN);
            view[s] = v;
            viewRegion[s] = curRegion;
            viewOffset[s] = curOffset;
            viewCap[s] = curCap;
        } else {
            v.clear();
        }
        return v;
    }

    /** Publishes an acquired frame with its length. */
    boolean submit(MemifFrame f) {
        synchronized (this) {
            if (f != frame || !outstanding) {
                throw new IllegalStateException("frame was not acquired from this queue");
            }
            outstanding = false;
            boolean ok = !conn.closing;
            if (ok) {
                int slot = f.slot;
                if (client) {
                    ring.descRegion(slot, curRegion);
                    ring.descOffset(slot, curOffset);
                }
                ring.descLength(slot, f.length());
                ring.descFlags(slot, 0);
                if (pool != null) {
                    recordSlot(slot, pendingBuf);
                    pendingBuf = -1;
                }
                publish(1);
                iface.txFrames.increment();
                iface.txBytes.add(f.length());
            }
            if (pendingBuf >= 0) { // not published
                pool.release(pendingBuf);
                pendingBuf = -1;
            }
            f.txDone();
            conn.unref();
            return ok;
        }
    }

    /** Drops an acquired frame without sending. */
    void cancel(MemifFrame f) {
        synchronized (this) {
            if (f == frame && outstanding) {
                outstanding = false;
                if (pendingBuf >= 0) {
                    pool.release(pendingBuf);
                    pendingBuf = -1;
                }
                f.txDone();
                conn.unref();
            }
        }
    }

    /**
     * Copies src (position..limit) into as many buffers as it needs, chained with NEXT, all or nothing, and
     * publishes them. Waits up to the timeout for room. False on timeout, disconnect, or a frame that can never
     * fit.
     */
    boolean send(ByteBuffer src, long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        int len = src.remaining();
        if (len > iface.config().maxFrameSize()) {
            iface.txDropped.increment();
            return false;
        }
        for (;;) {
            if (!conn.retain()) {
                iface.txDropped.increment();
                return false;
            }
            int r;
            try {
                synchronized (this) {
                    r = outstanding ? 0 : trySend(src, len);
                }
            } finally {
                conn.unref();
            }
            if (r > 0) {
                iface.txFrames.increment();
                iface.txBytes.add(len);
                iface.txCopiedBytes.add(len);
                return true;
            }
            if (r < 0 || !waitOrGiveUp(deadline)) {
                iface.txDropped.increment();
                return false;
            }
        }
    }

    /** 1 sent, 0 no room yet, -1 never fits or violation. */
    private int trySend(ByteBuffer src, int len) {
        int free = free();
        if (free < 0) {
            return -1;
        }
        if (pool != null) { // one pool buffer, copied into
            if (len > ownSize) {
                return -1;
            }
            if (free == 0) {
                return 0;
            }
            int b = pool.alloc();
            if (b < 0) {
                return 0;
            }
            pool.memory().put((int) pool.offset(b), src, src.position(), len);
            publishPoolBuffer(b, len);
            return 1;
        }
        // plan: how many slots, all validated, before writing anything
        long room = 0;
        int need = 0;
        while (room < len || need == 0) {
            if (need == free) {
                return free == n ? -1 : 0;
            }
            if (!target(pos + need)) {
                return -1;
            }
            planRegion[need] = curRegion;
            planOffset[need] = curOffset;
            planCap[need] = curCap;
            room += curCap;
            need++;
            if (curCap == 0 && room < len && need == n) {
                return -1;
            }
        }
        int done = 0;
        int at = src.position();
        for (int i = 0; i < need; i++) {
            int slot = pos + i;
            int chunk = Math.min(planCap[i], len - done);
            if (chunk > 0) {
                mem[planRegion[i]].put(planOffset[i], src, at + done, chunk);
            }
            done += chunk;
            if (client) {
                ring.descRegion(slot, planRegion[i]);
                ring.descOffset(slot, planOffset[i]);
            }
            ring.descLength(slot, chunk);
            ring.descFlags(slot, i < need - 1 ? Ring.DESC_FLAG_NEXT : 0);
        }
        publish(need);
        return 1;
    }
}
