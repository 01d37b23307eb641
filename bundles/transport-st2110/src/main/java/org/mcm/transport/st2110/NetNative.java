package org.mcm.transport.st2110;

import java.util.Map;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * JNA binding of libmcmnet, the UDP helpers of this bundle's native fragment (batch sending with UDP generic
 * segmentation offload). Optional: when the fragment (or JNA) is missing, {@link #available()} is false and the
 * senders use plain Java sockets.
 */
final class NetNative {

    private static final String FAILURE;

    static {
        String failure = null;
        try {
            NativeLibrary lib = NativeLibrary.getInstance("mcmnet",
                    Map.of(Library.OPTION_CLASSLOADER, NetNative.class.getClassLoader()));
            com.sun.jna.Native.register(NetNative.class, lib);
            if (mcmnet_abi_version() != 2) {
                failure = "libmcmnet ABI " + mcmnet_abi_version() + ", expected 2";
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

    static native int mcmnet_udp_bind(String bindIp, int port, String group, String ifIp, int rcvbuf);

    static native int mcmnet_recv_batch(int fd, long base, int slot, int n, Pointer lens, int timeoutMs);

    static native int mcmnet_udp_gro(int fd, int on);

    static native int mcmnet_recv_gro(int fd, long base, int slot, int n, Pointer lens, Pointer segs, int timeoutMs);

    static native int mcmnet_close(int fd);
}
