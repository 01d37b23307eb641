package org.mcm.memif.internal;

import java.nio.ByteBuffer;

/** One shared-memory region: its fd, size and (once mapped) address and direct-buffer view. */
public final class Region {

    private int fd;
    private final long size;
    private long address;
    private ByteBuffer mem;
    private boolean readOnly;
    /** False for a region borrowed from a pool: closing it neither unmaps nor closes the fd. */
    private final boolean owned;

    public Region(int fd, long size) {
        this.fd = fd;
        this.size = size;
        this.owned = true;
    }

    private Region(int fd, long size, ByteBuffer mem) {
        this.fd = fd;
        this.size = size;
        this.mem = mem;
        this.owned = false;
    }

    /** A view of memory someone else owns (a buffer pool), announced with fd; {@link #close()} leaves both alone. */
    public static Region borrowed(int fd, long size, ByteBuffer mem) {
        return new Region(fd, size, mem);
    }

    /** Creates, seals against shrinking, sizes and maps a new memfd region (client side). */
    public static Region create(String name, long size) throws java.io.IOException {
        int fd = Native.mcm_memfd_create(name, Native.MFD_ALLOW_SEALING | Native.MFD_CLOEXEC);
        if (fd < 0) {
            throw new java.io.IOException("memfd_create: " + Native.strerror(fd));
        }
        Region r = new Region(fd, size);
        try {
            check(Native.mcm_ftruncate(fd, size), "ftruncate");
            check(Native.mcm_add_seals(fd, Native.F_SEAL_SHRINK), "F_ADD_SEALS");
            r.map();
        } catch (java.io.IOException e) {
            r.close();
            throw e;
        }
        return r;
    }

    private static void check(int rc, String what) throws java.io.IOException {
        if (rc < 0) {
            throw new java.io.IOException(what + ": " + Native.strerror(rc));
        }
    }

    /**
     * Maps the region read/write, or read only when the fd was opened read only (a peer sharing its memory for
     * reading only): then {@link #mem()} is a read-only buffer and writing through it throws instead of faulting.
     */
    public void map() throws java.io.IOException {
        long[] a = new long[1];
        int rc = Native.mcm_mmap(fd, size, a);
        if (rc == -13) {
            rc = Native.mcm_mmap_ro(fd, size, a);
            readOnly = rc >= 0;
        }
        if (rc < 0) {
            throw new java.io.IOException("mmap of " + size + " bytes: " + Native.strerror(rc));
        }
        address = a[0];
        ByteBuffer v = Native.view(address, size);
        mem = readOnly ? v.asReadOnlyBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN) : v;
    }

    /** True when mapped read only. */
    public boolean readOnly() {
        return readOnly;
    }

    public int fd() {
        return fd;
    }

    public long size() {
        return size;
    }

    public boolean mapped() {
        return mem != null;
    }

    /** The whole region as a direct little-endian buffer; null until mapped. */
    public ByteBuffer mem() {
        return mem;
    }

    /** Unmaps and closes; idempotent. Nobody may touch {@link #mem()} any more. */
    public void close() {
        if (!owned) {
            mem = null;
            fd = -1;
            return;
        }
        if (mem != null) {
            mem = null;
            Native.mcm_munmap(address, size);
            address = 0;
        }
        if (fd >= 0) {
            Native.mcm_close(fd);
            fd = -1;
        }
    }
}
