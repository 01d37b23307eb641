package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Pointer;

/**
 * Receives datagrams in batches through the native fragment: the receive-side counterpart of {@link GsoSender}.
 *
 * <p>With receive offload (UDP_GRO, the default where the kernel has it) the kernel hands over runs of same-size
 * datagrams of the flow as one buffer (on loopback a sender's UDP_SEGMENT batch is not even split): up to 16
 * buffers of 64 KiB per {@code recvmmsg}, cut back into datagrams here. Without it, one datagram per slot, up to 64
 * per call. Either way the datagrams are views handed to the depacketizer, numbered 0..{@link #receive}-1.
 */
final class BatchReceiver implements AutoCloseable {

    static final int BATCH = 64;
    static final int SLOT = 9216;
    static final int GRO_BATCH = 16;
    static final int GRO_SLOT = 65_536;

    private final int fd;
    private final boolean gro;
    private final int batch;
    private final int slotSize;
    private final ByteBuffer slots;
    private final long base;
    /** Lengths and GRO segment sizes of the received buffers (int32 each, native order), read with plain loads. */
    private final ByteBuffer sizes;
    private final Pointer lens;
    private final Pointer segs;
    /** Per received buffer: views of its datagrams for the segment size they were made for. */
    private final ByteBuffer[][] segViews;
    private final int[] segViewSize;
    private final ByteBuffer[] fullViews;
    /** Datagrams of the last receive: the view and its length (-1: did not fit). */
    private ByteBuffer[] dgView = new ByteBuffer[BATCH];
    private int[] dgLen = new int[BATCH];
    private long[] dgAddr = new long[BATCH];
    private volatile boolean closed;
    /** Least time between two reads of the socket while data keeps coming (0: read as soon as it is readable). */
    private long wakeIntervalNanos;
    /** When the last read returned, and whether it emptied the socket (receiving thread only). */
    private long lastReadAt;
    private boolean lastDrained;
    /** Reads of the socket (system calls that returned, with or without data): the receiving thread's wake-ups. */
    private long reads;
    /** Whether the next read may wait out the interval (see {@link #coalesceNext}). */
    private boolean coalesce = true;
    /** Slots the last system call filled (a GRO buffer holds several datagrams). */
    private int lastBuffers;

    /** The receive buffer the kernel granted, as it reports it (twice the size set; -1 if it would not say). */
    private final int receiveBuffer;

    private BatchReceiver(int fd, boolean gro) {
        this.fd = fd;
        int rb = NetNative.mcmnet_rcvbuf(fd);
        this.receiveBuffer = rb < 0 ? -1 : rb;
        this.gro = gro;
        this.batch = gro ? GRO_BATCH : BATCH;
        this.slotSize = gro ? GRO_SLOT : SLOT;
        this.slots = ByteBuffer.allocateDirect(batch * slotSize).order(ByteOrder.BIG_ENDIAN);
        this.base = NetNative.address(slots);
        this.sizes = ByteBuffer.allocateDirect(8 * batch).order(ByteOrder.nativeOrder());
        this.lens = new Pointer(NetNative.address(sizes));
        this.segs = new Pointer(NetNative.address(sizes) + 4L * batch);
        this.segViews = new ByteBuffer[batch][];
        this.segViewSize = new int[batch];
        this.fullViews = new ByteBuffer[batch];
        if (!gro) {
            for (int i = 0; i < batch; i++) {
                dgView[i] = view(i, 0, slotSize);
            }
        }
    }

    private ByteBuffer view(int slot, int off, int len) {
        return slots.slice(slot * slotSize + off, len).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Null when the helpers are missing or the addresses are not IPv4 literals. With offload true the socket asks
     * for coalesced datagrams (silently without when the kernel refuses).
     */
    static BatchReceiver open(String bindIp, int port, String group, String ifIp, int rcvbuf, boolean offload)
            throws IOException {
        if (!NetNative.available() || !ipv4(bindIp) || !ipv4(ifIp) || !(group.isEmpty() || ipv4(group))) {
            return null;
        }
        int fd = NetNative.mcmnet_udp_bind(bindIp, port, group, ifIp, rcvbuf);
        if (fd < 0) {
            throw new IOException("cannot receive on UDP port " + port + ": errno " + (-fd));
        }
        boolean gro = offload && NetNative.mcmnet_udp_gro(fd, 1) == 0;
        return new BatchReceiver(fd, gro);
    }

    static BatchReceiver open(String bindIp, int port, String group, String ifIp, int rcvbuf) throws IOException {
        return open(bindIp, port, group, ifIp, rcvbuf, true);
    }

    static boolean ipv4(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /**
     * The receive buffer the kernel granted, as Linux reports it (SO_RCVBUF: twice the size set, because it counts its
     * bookkeeping of each buffered datagram too), or -1 if it would not say.
     */
    int receiveBuffer() {
        return receiveBuffer;
    }

    /** Whether the kernel hands this socket coalesced datagrams. */
    boolean offload() {
        return gro;
    }

    /**
     * Sets the least time between two reads while datagrams keep coming (setting {@code rxWakeIntervalUs}): after a
     * read that emptied the socket the next one first sleeps until this long after it, so that the datagrams that
     * arrive meanwhile are read with one wake-up instead of waking the thread at each sender batch. A read that did
     * not empty the socket (the batch was full) is followed at once; an empty socket is still waited on with poll,
     * so the first datagram after a pause is read as soon as it comes. 0: every readable socket is read at once.
     */
    void wakeInterval(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("wake interval must be >= 0, got " + nanos);
        }
        this.wakeIntervalNanos = nanos;
    }

    /**
     * Whether the next read may wait out the wake interval (true by default): the caller says false when what it
     * still expects soon should be read as it arrives (the end of a frame).
     */
    void coalesceNext(boolean may) {
        this.coalesce = may;
    }

    long wakeIntervalNanos() {
        return wakeIntervalNanos;
    }

    /** Reads of the socket so far (receiving thread's view; read by stats as a plain long, which may lag). */
    long reads() {
        return reads;
    }

    /** Waits up to timeoutMs; returns how many datagrams arrived (views via {@link #slot}, sizes via {@link #length}). */
    int receive(int timeoutMs) throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (wakeIntervalNanos > 0 && lastDrained && coalesce) {
            long until = lastReadAt + wakeIntervalNanos;
            for (long wait = until - System.nanoTime(); wait > 0 && !closed; wait = until - System.nanoTime()) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait); // may return early: sleeps again
            }
            if (closed) {
                throw new java.nio.channels.ClosedChannelException();
            }
        }
        int n = receiveNow(timeoutMs);
        if (wakeIntervalNanos > 0) {
            lastReadAt = System.nanoTime();
            // data came and the socket is empty now: the next read waits; after a timeout (nothing came) it does not,
            // so that the first datagram after a pause is read as soon as it arrives
            lastDrained = lastBuffers > 0 && lastBuffers < batch;
        }
        reads++;
        return n;
    }

    private int receiveNow(int timeoutMs) throws IOException {
        if (!gro) {
            int n = NetNative.mcmnet_recv_batch(fd, base, slotSize, batch, lens, timeoutMs);
            if (n < 0) {
                throw new IOException("UDP receive failed: errno " + (-n));
            }
            lastBuffers = n;
            for (int i = 0; i < n; i++) {
                dgLen[i] = sizes.getInt(4 * i);
                dgAddr[i] = base + (long) i * slotSize;
            }
            return n;
        }
        int n = NetNative.mcmnet_recv_gro(fd, base, slotSize, batch, lens, segs, timeoutMs);
        if (n < 0) {
            throw new IOException("UDP receive failed: errno " + (-n));
        }
        lastBuffers = n;
        int d = 0;
        for (int i = 0; i < n; i++) {
            int len = sizes.getInt(4 * i);
            int seg = sizes.getInt(4 * batch + 4 * i);
            if (len < 0 || seg <= 0 || seg >= len) { // cut, or a single datagram
                d = add(d, len < 0 ? null : singleView(i, len), len, base + (long) i * slotSize);
                continue;
            }
            ByteBuffer[] v = segViews(i, seg);
            int k = 0;
            for (int off = 0; off < len; off += seg, k++) {
                int l = Math.min(seg, len - off);
                d = add(d, v[k], l, base + (long) i * slotSize + off); // the last may be shorter: same view
            }
        }
        return d;
    }

    /** The whole slot (the depacketizer reads only up to the length it is given). */
    private ByteBuffer singleView(int slot, int len) {
        ByteBuffer v = fullViews[slot];
        if (v == null) {
            v = view(slot, 0, slotSize);
            fullViews[slot] = v;
        }
        return v;
    }

    /** Views of the datagrams of one buffer cut at seg bytes, made once per segment size. */
    private ByteBuffer[] segViews(int slot, int seg) {
        ByteBuffer[] v = segViews[slot];
        if (v == null || segViewSize[slot] != seg) {
            v = new ByteBuffer[(slotSize + seg - 1) / seg]; // the last datagram of a full buffer may be shorter
            for (int k = 0; k < v.length; k++) {
                v[k] = view(slot, k * seg, Math.min(seg, slotSize - k * seg));
            }
            segViews[slot] = v;
            segViewSize[slot] = seg;
        }
        return v;
    }

    private int add(int d, ByteBuffer v, int len, long addr) {
        if (d == dgView.length) {
            dgView = java.util.Arrays.copyOf(dgView, d * 2);
            dgLen = java.util.Arrays.copyOf(dgLen, d * 2);
            dgAddr = java.util.Arrays.copyOf(dgAddr, d * 2);
        }
        dgView[d] = v;
        dgLen[d] = len;
        dgAddr[d] = addr;
        return d + 1;
    }

    /** Takes the datagrams of a receive: a view from index 0 (valid up to len bytes) and its native address. */
    interface Datagrams {
        void accept(ByteBuffer view, int len, long address);
    }

    /**
     * Waits up to timeoutMs and hands every datagram that arrived to d, in order; one larger than its slot is counted
     * (a packet with a bad header) and skipped. Returns how many arrived.
     */
    int receiveEach(int timeoutMs, St2110Counters counters, Datagrams d) throws IOException {
        int n = receive(timeoutMs);
        for (int i = 0; i < n; i++) {
            int len = dgLen[i];
            if (len < 0) {
                counters.packets.increment();
                counters.badHeaders.increment(); // larger than any valid packet
                continue;
            }
            d.accept(dgView[i], len, dgAddr[i]);
        }
        return n;
    }

    /** Datagram i of the last receive, from index 0 (valid up to {@link #length}). */
    ByteBuffer slot(int i) {
        return dgView[i];
    }

    /** Native address of datagram i of the last receive (the start of {@link #slot}), valid until the next receive. */
    long address(int i) {
        return dgAddr[i];
    }

    /** Length of datagram i, or -1 when it did not fit its slot. */
    int length(int i) {
        return dgLen[i];
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NetNative.mcmnet_close(fd);
        }
    }
}
