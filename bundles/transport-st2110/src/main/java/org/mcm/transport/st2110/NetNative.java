package org.mcm.transport.st2110;

import java.util.Map;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * JNA binding (direct mapping) of libmcmnet, the helpers of this bundle's native fragment: batch sending with UDP
 * generic segmentation offload, batch receiving with receive offload, and the planar 4:2:2 to pgroup conversion in
 * SSE4.1, AVX2 or scalar C. Optional: when the fragment (or JNA) is missing, {@link #available()} is false, the
 * senders use plain Java sockets and {@link PlanarLines} its pure-Java code.
 */
final class NetNative {

    private static final String FAILURE;

    static {
        String failure = null;
        try {
            NativeLibrary lib = NativeLibrary.getInstance("mcmnet",
                    Map.of(Library.OPTION_CLASSLOADER, NetNative.class.getClassLoader()));
            com.sun.jna.Native.register(NetNative.class, lib);
            if (mcmnet_abi_version() != 5) {
                failure = "libmcmnet ABI " + mcmnet_abi_version() + ", expected 5";
            }
        } catch (Throwable t) {
            failure = "no native UDP helpers (" + t.getClass().getSimpleName() + "): " + t.getMessage();
        }
        FAILURE = failure;
    }

    private NetNative() {
    }

    static boolean available() {
        return FAILURE == null;
    }

    static String unavailableReason() {
        return FAILURE;
    }

    static long address(java.nio.ByteBuffer direct) {
        return Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(direct));
    }

    static native int mcmnet_abi_version();

    static native int mcmnet_udp_open(String src, int srcPort, String dst, int dstPort, int ttl, int sndbuf);

    static native int mcmnet_gso_probe(int fd, int segment);

    static native long mcmnet_send(int fd, Pointer addrs, Pointer lens, int iovcnt, int segment);

    /** {@code which} 0: the most messages one {@link #mcmnet_send_multi} call takes; 1: the most buffers in all. */
    static native int mcmnet_send_multi_limits(int which);

    /**
     * Sends {@code nmsg} messages in one sendmmsg: message k is the next {@code iovcnts[k]} buffers of addrs/lens
     * (int64 / int32 arrays), cut into datagrams of {@code segs[k]} bytes when that is above 0. Returns nmsg or
     * -errno of the first refused message, with the count sent before it in {@code sent[0]}.
     */
    static native int mcmnet_send_multi(int fd, Pointer addrs, Pointer lens, Pointer iovcnts, Pointer segs, int nmsg,
            Pointer sent);

    static native int mcmnet_udp_bind(String bindIp, int port, String group, String ifIp, int rcvbuf);

    static native int mcmnet_recv_batch(int fd, long base, int slot, int n, Pointer lens, int timeoutMs);

    static native int mcmnet_udp_gro(int fd, int on);

    /** The receive buffer the kernel granted (SO_RCVBUF as reported: twice the size set), or -errno. */
    static native int mcmnet_rcvbuf(int fd);

    static native int mcmnet_recv_gro(int fd, long base, int slot, int n, Pointer lens, Pointer segs, int timeoutMs);

    static native int mcmnet_close(int fd);

    /**
     * The conversions' instruction sets: scalar C, SSE4.1, AVX2, AVX-512 (F, BW, VL and VBMI; the 10-bit
     * conversions, the 8-bit ones take the AVX2 loops there).
     */
    static final int ISA_SCALAR = 0;
    static final int ISA_SSE41 = 1;
    static final int ISA_AVX2 = 2;
    static final int ISA_AVX512 = 3;

    /** The best of {@link #ISA_AVX512}, {@link #ISA_AVX2}, {@link #ISA_SSE41}, {@link #ISA_SCALAR} this CPU has. */
    static native int mcmnet_cpu_isa();

    /** {@code groups} pgroups from the planes (addresses of the first Y, Cb and Cr sample) to dst; fmt 10 or 8. */
    static native int mcmnet_to_wire(int isa, int fmt, long y, long cb, long cr, long dst, int groups);

    /** {@code groups} pgroups from src into the planes. */
    static native int mcmnet_from_wire(int isa, int fmt, long src, long y, long cb, long cr, int groups);

    /** n segments described by five native-order int64 each at descs: src, y, cb, cr, groups. */
    static native int mcmnet_from_wire_batch(int isa, int fmt, long descs, int n);
}
