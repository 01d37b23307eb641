package org.mcm.transport.rtsp;

import java.nio.ByteBuffer;
import java.util.Map;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * JNA binding of libmcmrtsp, the send helpers of this bundle's native fragment (one sendmmsg per access unit to all
 * UDP clients, UDP GSO per client). Optional: when the fragment or JNA is missing, {@link #available()} is false and
 * the server sends with plain Java sockets. Loaded only through {@link #available()}, so that a missing JNA never
 * reaches a class the server needs.
 */
final class RtpNative {

    private static final String FAILURE;

    static {
        String failure = null;
        try {
            NativeLibrary lib = NativeLibrary.getInstance("mcmrtsp",
                    Map.of(Library.OPTION_CLASSLOADER, RtpNative.class.getClassLoader()));
            com.sun.jna.Native.register(RtpNative.class, lib);
            if (mcmrtsp_abi_version() != 1) {
                failure = "libmcmrtsp ABI " + mcmrtsp_abi_version() + ", expected 1";
            }
        } catch (Throwable t) {
            failure = "no native RTP send helpers (" + t.getClass().getSimpleName() + "): " + t.getMessage();
        }
        FAILURE = failure;
    }

    private RtpNative() {
    }

    static boolean available() {
        return FAILURE == null;
    }

    static String unavailableReason() {
        return FAILURE;
    }

    static Pointer pointer(ByteBuffer direct) {
        return com.sun.jna.Native.getDirectBufferPointer(direct);
    }

    static long address(ByteBuffer direct) {
        return Pointer.nativeValue(pointer(direct));
    }

    static native int mcmrtsp_abi_version();

    static native int mcmrtsp_udp_open(String bindIp, int port, int sndbuf);

    static native int mcmrtsp_local_port(int fd);

    static native int mcmrtsp_gso_probe(int fd, int segment);

    static native int mcmrtsp_send_batch(int fd, Pointer iovAddrs, Pointer iovLens, int niov, Pointer msgs, int nmsg,
            Pointer results);

    static native int mcmrtsp_close(int fd);
}
