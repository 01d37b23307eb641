package org.mcm.memif.internal;

import java.nio.ByteBuffer;
import java.util.Map;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * JNA direct mapping of libmcmnative (the thin syscall helpers of the native fragment). Every call returns a
 * non-negative value on success and {@code -errno} on failure.
 *
 * <p>The library is looked up by JNA through this class's class loader, as the resource
 * {@code <jna-platform-prefix>/libmcmnative.so}: inside OSGi the fragment attached to this bundle provides it,
 * on a plain class path the fragment jar does.
 */
public final class Native {

    public static final String LIBRARY = "mcmnative";
    public static final int ABI_VERSION = 2;

    public static final int EAGAIN = 11;
    public static final int EINTR = 4;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_CTRUNC = 0x08;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int F_SEAL_SEAL = 1;
    public static final int F_SEAL_SHRINK = 2;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    private static final String PLATFORM = platformName();
    private static final String FAILURE;

    static {
        String failure = null;
        try {
            NativeLibrary lib = NativeLibrary.getInstance(LIBRARY,
                    Map.of(Library.OPTION_CLASSLOADER, Native.class.getClassLoader()));
            com.sun.jna.Native.register(Native.class, lib);
            int abi = mcm_abi_version();
            if (abi != ABI_VERSION) {
                failure = "native library " + LIBRARY + " has ABI " + abi + ", expected " + ABI_VERSION;
            }
        } catch (Throwable t) {
            failure = "memif unavailable: no native library '" + LIBRARY + "' for platform " + PLATFORM
                    + " (install the org.mcm memif native fragment built for " + PLATFORM
                    + ", e.g. mcm-native-linux-x86_64, or put it on the class path): " + firstLine(t);
        }
        FAILURE = failure;
    }

    private Native() {
    }

    /** The platform as JNA names it, with os.name/os.arch, e.g. {@code linux-x86-64 (Linux/amd64)}. */
    public static String platform() {
        return PLATFORM;
    }

    private static String platformName() {
        String prefix;
        try {
            prefix = Platform.RESOURCE_PREFIX;
        } catch (Throwable t) {
            prefix = System.getProperty("os.name") + "-" + System.getProperty("os.arch");
        }
        return prefix;
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        String line = (nl < 0 ? m : m.substring(0, nl)).strip();
        return line.endsWith(":") ? line.substring(0, line.length() - 1) : line;
    }

    /** Whether the library loaded; {@link #failure()} says why not. */
    public static boolean available() {
        return FAILURE == null;
    }

    public static String failure() {
        return FAILURE;
    }

    /** Throws {@link org.mcm.memif.MemifUnavailableException} (one line, no stack trace) when not loaded. */
    public static void check() {
        if (FAILURE != null) {
            throw new org.mcm.memif.MemifUnavailableException(FAILURE + " [os.name=" + System.getProperty("os.name")
                    + ", os.arch=" + System.getProperty("os.arch") + "]");
        }
    }

    /** A direct ByteBuffer over native memory (little-endian). */
    public static ByteBuffer view(long address, long size) {
        return new Pointer(address).getByteBuffer(0, size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    public static String strerror(int negErrno) {
        int e = -negErrno;
        switch (e) {
            case 2: return "ENOENT";
            case 4: return "EINTR";
            case 9: return "EBADF";
            case 11: return "EAGAIN";
            case 12: return "ENOMEM";
            case 13: return "EACCES";
            case 22: return "EINVAL";
            case 32: return "EPIPE";
            case 98: return "EADDRINUSE";
            case 104: return "ECONNRESET";
            case 107: return "ENOTCONN";
            case 111: return "ECONNREFUSED";
            default: return "errno " + e;
        }
    }

    public static native int mcm_abi_version();

    public static native int mcm_memfd_create(String name, int flags);

    public static native int mcm_add_seals(int fd, int seals);

    public static native int mcm_get_seals(int fd);

    public static native int mcm_ftruncate(int fd, long size);

    public static native long mcm_fstat_size(int fd);

    public static native int mcm_mmap(int fd, long size, long[] addr);

    public static native int mcm_munmap(long addr, long size);

    public static native int mcm_mmap_ro(int fd, long size, long[] addr);

    public static native int mcm_reopen_ro(int fd);

    public static native int mcm_close(int fd);

    public static native int mcm_seqpacket_socket();

    public static native int mcm_bind_listen(int fd, String path, int abstractNs, int backlog);

    public static native int mcm_connect(int fd, String path, int abstractNs);

    public static native int mcm_accept(int fd);

    public static native int mcm_set_nonblock(int fd, int on);

    public static native int mcm_sendmsg(int fd, ByteBuffer buf, int len, int passFd);

    public static native int mcm_recvmsg(int fd, ByteBuffer buf, int cap, int[] fds, int maxFds, int[] nfds,
            int[] msgFlags);

    public static native int mcm_eventfd(int initval, int flags);

    public static native int mcm_eventfd_write(int fd, long value);

    public static native int mcm_eventfd_read(int fd, long[] value);

    public static native int mcm_poll(int[] fds, short[] events, short[] revents, int n, int timeoutMs);

    public static native int mcm_poll_in2(int fd1, int fd2, int timeoutMs);

    public static native int mcm_write(int fd, ByteBuffer buf, int len);
}
