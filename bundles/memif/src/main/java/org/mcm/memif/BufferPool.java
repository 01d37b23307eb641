package org.mcm.memif;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Region;

/**
 * Buffers in one sealed memfd region that several client-side interfaces announce as their buffer region, so a
 * frame received on one interface can be sent on others by handing over its descriptor: no byte is copied.
 *
 * <p>Each buffer has a reference count: a ring slot offered to a peer, a received frame, a descriptor published
 * to a peer and not yet consumed each hold one; the buffer is free again when the count drops to zero. The
 * memory stays mapped while any user (an interface's connection, a frame, the creator) holds the pool; the
 * creator's {@link #close()} drops its own hold.
 *
 * <p>Peers that only read (receivers) get a read-only file description of the region ({@link #readOnlyFd()}),
 * so they can neither change a frame other receivers see nor the pool's other buffers.
 */
public final class BufferPool implements AutoCloseable {

    private final String name;
    private final int count;
    private final int bufferSize;
    private final Region region;
    private final ByteBuffer mem;
    private final int[] refs;
    private final int[] free;
    private int freeTop;
    private int readOnlyFd = -1;
    private final AtomicInteger users = new AtomicInteger(1);
    private volatile boolean closed;
    /** Called when the pool runs dry: give back buffers whose descriptors the peers consumed. */
    private final CopyOnWriteArrayList<Runnable> reclaimers = new CopyOnWriteArrayList<>();
    private final LongAdder exhausted = new LongAdder();

    private BufferPool(String name, int count, int bufferSize, Region region) {
        this.name = name;
        this.count = count;
        this.bufferSize = bufferSize;
        this.region = region;
        this.mem = region.mem();
        this.refs = new int[count];
        this.free = new int[count];
        for (int i = 0; i < count; i++) {
            free[i] = count - 1 - i;
        }
        this.freeTop = count;
    }

    /** A pool of count buffers of bufferSize bytes (at most 2 GiB - 1 in all). */
    public static BufferPool create(String name, int count, int bufferSize) throws MemifException {
        Native.check();
        if (count < 1 || bufferSize < 1) {
            throw new IllegalArgumentException("a pool needs at least one buffer of at least one byte");
        }
        long bytes = (long) count * bufferSize;
        if (bytes > InterfaceConfig.MAX_REGION_SIZE) {
            throw new MemifException("a pool of " + count + " x " + bufferSize + " bytes exceeds the 2 GiB region limit");
        }
        try {
            return new BufferPool(name, count, bufferSize, Region.create("mcm-pool-" + name, bytes));
        } catch (IOException e) {
            throw new MemifException("cannot allocate a pool of " + bytes + " bytes: " + e.getMessage());
        }
    }

    public String name() {
        return name;
    }

    public int count() {
        return count;
    }

    public int bufferSize() {
        return bufferSize;
    }

    /** Region size in bytes. */
    public long size() {
        return (long) count * bufferSize;
    }

    /** Buffers free right now. */
    public synchronized int available() {
        return freeTop;
    }

    /** Times an allocation found no free buffer even after reclaiming. */
    public long exhausted() {
        return exhausted.sum();
    }

    int fd() {
        return region.fd();
    }

    /** A read-only open file description of the region, made on first use and closed with the memory. */
    synchronized int readOnlyFd() throws MemifException {
        if (readOnlyFd < 0) {
            int fd = Native.mcm_reopen_ro(region.fd());
            if (fd < 0) {
                throw new MemifException("cannot reopen pool " + name + " read only: " + Native.strerror(fd));
            }
            readOnlyFd = fd;
        }
        return readOnlyFd;
    }

    ByteBuffer memory() {
        return mem;
    }

    long offset(int buffer) {
        return (long) buffer * bufferSize;
    }

    /** A little-endian view of one buffer (capacity = buffer size). */
    ByteBuffer view(int buffer) {
        return mem.slice((int) offset(buffer), bufferSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Index of a free buffer with one reference, or -1 when none is free even after reclaiming. */
    int alloc() {
        int b = tryAlloc();
        if (b >= 0) {
            return b;
        }
        for (Runnable r : reclaimers) {
            r.run();
        }
        b = tryAlloc();
        if (b < 0) {
            exhausted.increment();
        }
        return b;
    }

    private synchronized int tryAlloc() {
        if (freeTop == 0) {
            return -1;
        }
        int b = free[--freeTop];
        refs[b] = 1;
        return b;
    }

    synchronized void retain(int buffer) {
        if (refs[buffer] <= 0) {
            throw new IllegalStateException("pool " + name + ": buffer " + buffer + " retained while free");
        }
        refs[buffer]++;
    }

    synchronized void release(int buffer) {
        int r = refs[buffer];
        if (r <= 0) {
            throw new IllegalStateException("pool " + name + ": buffer " + buffer + " released while free");
        }
        refs[buffer] = r - 1;
        if (r == 1) {
            free[freeTop++] = buffer;
        }
    }

    /** Holds the memory mapped; false when the pool is already gone. */
    boolean use() {
        for (;;) {
            int u = users.get();
            if (u <= 0) {
                return false;
            }
            if (users.compareAndSet(u, u + 1)) {
                return true;
            }
        }
    }

    void unuse() {
        if (users.decrementAndGet() == 0) {
            synchronized (this) {
                if (readOnlyFd >= 0) {
                    Native.mcm_close(readOnlyFd);
                    readOnlyFd = -1;
                }
            }
            region.close();
        }
    }

    void addReclaimer(Runnable r) {
        reclaimers.add(r);
    }

    void removeReclaimer(Runnable r) {
        reclaimers.remove(r);
    }

    /** Drops the creator's hold; the memory goes when the last interface and frame let go too. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            unuse();
        }
    }

    @Override
    public String toString() {
        return "pool " + name + " (" + count + " x " + bufferSize + " B)";
    }
}
