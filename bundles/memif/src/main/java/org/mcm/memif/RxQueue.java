package org.mcm.memif;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Ring;

/**
 * The receiving end of one ring: C2S on the server, S2C on the client. Validates every descriptor the peer
 * wrote before exposing the buffer, hands out {@link MemifFrame}s that are views of the shared memory, and gives
 * slots back (server: tail; client: refill + head) in ring order as frames are released.
 */
final class RxQueue {

    final MemifInterface iface;
    final Connection conn;
    final int index;
    private final Ring ring;
    private final int eventFd;
    private final boolean client;
    private final boolean polling;
    private final int n;
    private final int mask;
    private final ByteBuffer[] mem;
    private final long maxFrame;

    /** Next slot to read, and first slot not yet given back (u16, free-running). */
    private int next;
    private int ret;
    /** Client: our head (slots offered to the server). */
    private int head;
    private final boolean[] released;
    private final MemifFrame[] frames;
    // descriptor values as validated, per slot (stable until the slot is given back)
    final int[] segRegion;
    final int[] segOffset;
    final int[] segLength;
    // one cached view per slot, reused while the peer keeps using the same buffer
    private final ByteBuffer[] view;
    private final int[] viewRegion;
    private final int[] viewOffset;
    private final int[] viewLength;
    // client: our own buffer for each slot
    private final int ownRegion;
    private final long ownBase;
    private final int ownSize;
    private final long[] evbuf = new long[1];
    /** Client with a shared pool: the pool buffer offered in each slot (-1 none); else null. */
    private final BufferPool pool;
    private final int[] slotBuf;

    RxQueue(MemifInterface iface, Connection conn, int index, Ring ring, int eventFd, boolean client,
            int ownRegion, long ownBase, int ownSize) {
        this(iface, conn, index, ring, eventFd, client, ownRegion, ownBase, ownSize, null);
    }

    /** With a pool (client only): slots are offered pool buffers, region ownRegion is the pool's region. */
    RxQueue(MemifInterface iface, Connection conn, int index, Ring ring, int eventFd, boolean client,
            int ownRegion, long ownBase, int ownSize, BufferPool pool) {
        this.iface = iface;
        this.conn = conn;
        this.index = index;
        this.ring = ring;
        this.eventFd = eventFd;
        this.client = client;
        this.polling = iface.config().rxMode() == RxMode.POLLING;
        this.n = ring.size();
        this.mask = ring.mask();
        this.mem = conn.regionViews();
        this.maxFrame = iface.config().maxFrameSize();
        this.released = new boolean[n];
        this.frames = new MemifFrame[n];
        for (int i = 0; i < n; i++) {
            frames[i] = new MemifFrame(this, null);
        }
        this.segRegion = new int[n];
        this.segOffset = new int[n];
        this.segLength = new int[n];
        this.view = new ByteBuffer[n];
        this.viewRegion = new int[n];
        this.viewOffset = new int[n];
        this.viewLength = new int[n];
        this.ownRegion = ownRegion;
        this.ownBase = ownBase;
        this.ownSize = ownSize;
        this.pool = pool;
        this.slotBuf = pool == null ? null : new int[n];
        if (pool != null) {
            java.util.Arrays.fill(slotBuf, -1);
        }
    }

    /** Loop thread, at connect: reset indices and flags; the client offers every buffer. */
    void start() {
        ring.flags(polling ? Ring.FLAG_MASK_INT : 0);
        if (pool != null) {
            synchronized (this) {
                head = 0;
                refill();
            }
            return;
        }
        if (client) {
            for (int i = 0; i < n; i++) {
                offer(i);
            }
            head = n;
            ring.headRelease(head);
        }
    }

    /**
     * Pool mode: offers a fresh pool buffer in every slot given back and not offered yet, as far as the pool
     * has buffers (else later, from the receive loop or the next release).
     */
    private void refill() {
        if (iface.config().poolReadOnly()) {
            return; // the peer maps the pool read only: it can fill nothing, offer nothing
        }
        int before = head;
        while (((head - ret) & 0xffff) < n) {
            int b = pool.alloc();
            if (b < 0) {
                break;
            }
            int s = head & mask;
            slotBuf[s] = b;
            ring.descRegion(s, ownRegion);
            ring.descOffset(s, pool.offset(b));
            ring.descLength(s, ownSize);
            ring.descFlags(s, 0);
            ring.descMetadata(s, 0);
            head = (head + 1) & 0xffff;
        }
        if (head != before) {
            ring.headRelease(head);
        }
    }

    /** Pool mode: whether some slots wait for a pool buffer. */
    private boolean starved() {
        return pool != null && ((head - ret) & 0xffff) < n && !iface.config().poolReadOnly();
    }

    /** The pool buffer a received single-descriptor frame in pool mode sits in, else -1. */
    int poolBuffer(BufferPool p, int slot, int segs) {
        return pool == null || p != pool || segs != 1 ? -1 : slotBuf[slot & mask];
    }

    /** Connection teardown (no frame left): gives the buffers of slots still offered back to the pool. */
    synchronized void dispose() {
        if (pool == null) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if (slotBuf[i] >= 0) {
                pool.release(slotBuf[i]);
                slotBuf[i] = -1;
            }
        }
    }

    private void offer(int slot) {
        ring.descRegion(slot, ownRegion);
        ring.descOffset(slot, ownBase + (long) (slot & mask) * ownSize);
        ring.descLength(slot, ownSize);
        ring.descFlags(slot, 0);
        ring.descMetadata(slot, 0);
    }

    /** Waits for the next complete frame. Null on timeout or when the connection goes away. */
    MemifFrame receive(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        int spins = 0;
        for (;;) {
            if (!conn.retain()) {
                return null;
            }
            MemifFrame f;
            try {
                f = poll();
            } catch (RuntimeException e) {
                conn.unref();
                throw e;
            }
            if (f != null) {
                return f; // the frame keeps the reference
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || conn.closing) {
                conn.unref();
                return null;
            }
            boolean starved = pool != null && starved(); // unlocked read: a hint, checked again under the lock
            if (starved) {
                synchronized (this) {
                    if (!conn.closing) {
                        refill();
                    }
                    starved = starved();
                }
            }
            try {
                if (polling) {
                    // busy-poll until the deadline: parking here (the old 200 spins + parkNanos(20 us)) costs a
                    // timer wakeup of 60-100 us on a VM, far more than the handoff itself; yield now and then so
                    // other runnable threads of a small machine still get the core
                    if ((++spins & 1023) == 0) {
                        Thread.yield();
                    } else {
                        Thread.onSpinWait();
                    }
                } else {
                    // a starved pool ring is re-offered as buffers come back: look again soon
                    int ms = (int) Math.min(Math.max(1L, TimeUnit.NANOSECONDS.toMillis(left) + 1), starved ? 1L : 100L);
                    Native.mcm_poll_in2(eventFd, conn.closeFd, ms);
                    Native.mcm_eventfd_read(eventFd, evbuf);
                }
            } finally {
                conn.unref();
            }
            if (Thread.currentThread().isInterrupted()) {
                return null;
            }
        }
    }

    /** One validated frame if a complete one is there, else null. Caller holds a connection reference. */
    synchronized MemifFrame poll() {
        int prod = client ? ring.tailAcquire() : ring.headAcquire();
        int outstanding = (prod - ret) & 0xffff;
        int limit = client ? (head - ret) & 0xffff : n;
        if (outstanding > limit) {
            conn.dataPathViolation((client ? "tail" : "head") + " " + prod + " beyond the ring (returned " + ret
                    + ", limit " + limit + ")");
            return null;
        }
        int avail = (prod - next) & 0xffff;
        if (avail > outstanding) {
            conn.dataPathViolation((client ? "tail" : "head") + " moved backwards to " + prod);
            return null;
        }
        if (avail == 0) {
            return null;
        }
        int start = next;
        int segs = 0;
        long total = 0;
        boolean contiguous = true;
        long expect = -1;
        int region0 = -1;
        for (;;) {
            if (segs == avail) {
                if (segs >= n) {
                    conn.dataPathViolation("descriptor chain loops over the whole ring");
                }
                return null; // rest of the chain not published yet
            }
            int slot = (start + segs) & mask;
            int flags = ring.descFlags(slot);
            int region = ring.descRegion(slot);
            long len = ring.descLength(slot);
            long off = ring.descOffset(slot);
            if (region >= mem.length || mem[region] == null) {
                conn.dataPathViolation("descriptor " + slot + ": invalid region " + region);
                return null;
            }
            long cap = mem[region].capacity();
            if (off > cap || len > cap - off) {
                conn.dataPathViolation("descriptor " + slot + ": buffer " + off + "+" + len
                        + " outside region " + region + " of " + cap + " bytes");
                return null;
            }
            if (client && len > ownSize) {
                conn.dataPathViolation("descriptor " + slot + ": length " + len + " exceeds offered " + ownSize);
                return null;
            }
            if (pool != null && (region != ownRegion || off != pool.offset(slotBuf[slot]))) {
                conn.dataPathViolation("descriptor " + slot + ": buffer moved to region " + region + " offset " + off
                        + " (pool buffers must come back where they were offered)");
                return null;
            }
            if (pool != null && (flags & Ring.DESC_FLAG_NEXT) != 0) {
                conn.dataPathViolation("descriptor " + slot + ": chained descriptors in a pool ring (one buffer holds a frame)");
                return null;
            }
            total += len;
            if (total > maxFrame) {
                conn.dataPathViolation("frame of more than " + maxFrame + " bytes");
                return null;
            }
            if (segs == 0) {
                region0 = region;
            } else if (region != region0 || off != expect) {
                contiguous = false;
            }
            expect = off + len;
            segRegion[slot] = region;
            segOffset[slot] = (int) off;
            segLength[slot] = (int) len;
            segs++;
            if ((flags & Ring.DESC_FLAG_NEXT) == 0) {
                break;
            }
        }
        next = (start + segs) & 0xffff;
        MemifFrame f = frames[start & mask];
        f.rxInit(start, segs, (int) total, contiguous);
        iface.rxFrames.increment();
        iface.rxBytes.add(total);
        return f;
    }

    /** A view of one validated slot's buffer (cached per slot). */
    ByteBuffer slotView(int slot) {
        int s = slot & mask;
        return view(s, segRegion[s], segOffset[s], segLength[s]);
    }

    /** A view spanning a contiguous chain starting at slot. */
    ByteBuffer spanView(int slot, int length) {
        int s = slot & mask;
        return mem[segRegion[s]].slice(segOffset[s], length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer view(int s, int region, int off, int len) {
        ByteBuffer v = view[s];
        if (v == null || viewRegion[s] != region || viewOffset[s] != off || viewLength[s] != len) {
            v = mem[region].slice(off, len).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            view[s] = v;
            viewRegion[s] = region;
            viewOffset[s] = off;
            viewLength[s] = len;
        } else {
            v.clear();
        }
        return v;
    }

    /** Copies a non-contiguous chain into one heap buffer (the only copying receive path). */
    ByteBuffer gather(int slot, int segs, int total) {
        ByteBuffer out = ByteBuffer.allocate(total).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < segs; i++) {
            int s = (slot + i) & mask;
            out.put(out.position(), mem[segRegion[s]], segOffset[s], segLength[s]);
            out.position(out.position() + segLength[s]);
        }
        return out.clear();
    }

    /** Gives the frame's slots back, in ring order. */
    void release(MemifFrame f) {
        synchronized (this) {
            for (int i = 0; i < f.segs; i++) {
                released[(f.slot + i) & mask] = true;
                if (pool != null) {
                    int s = (f.slot + i) & mask;
                    pool.release(slotBuf[s]);
                    slotBuf[s] = -1;
                }
            }
            int count = 0;
            while (ret != next && released[ret & mask]) {
                released[ret & mask] = false;
                ret = (ret + 1) & 0xffff;
                count++;
            }
            if (count > 0 && !conn.closing) {
                if (pool != null) {
                    refill();
                } else if (client) {
                    for (int i = 0; i < count; i++) {
                        offer(head);
                        head = (head + 1) & 0xffff;
                    }
                    ring.headRelease(head);
                } else {
                    ring.tailRelease(ret);
                }
            }
        }
        conn.unref();
    }
}
