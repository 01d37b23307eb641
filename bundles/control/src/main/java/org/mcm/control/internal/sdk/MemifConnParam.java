package org.mcm.control.internal.sdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writer of the upstream {@code memif_conn_param} reply to command 5 (296 bytes, x86-64 layout of libmemif's
 * {@code memif_socket_args_t} + {@code memif_conn_args_t}): every pointer field zero (libmemif would call them),
 * {@code is_master} 0 because the SDK side is the memif client (1 only for sessions created with this proxy's
 * pooled extension, where the app is the master).
 */
final class MemifConnParam {

    static final int SIZE = SdkProtocol.MEMIF_CONN_PARAM_SIZE;
    static final int OFF_SOCKET_PATH = 0;
    static final int OFF_APP_NAME = 108;
    static final int OFF_SECRET = 216;
    static final int OFF_NUM_S2M = 240;
    static final int OFF_NUM_M2S = 241;
    static final int OFF_BUFFER_SIZE = 244;
    static final int OFF_LOG2_RING = 248;
    static final int OFF_IS_MASTER = 249;
    static final int OFF_INTERFACE_ID = 252;
    static final int OFF_INTERFACE_NAME = 256;
    static final int OFF_MODE = 288;

    private MemifConnParam() {
    }

    static byte[] write(String socketPath, String appName, String secret, long bufferSize, int log2Ring,
            long interfaceId, String interfaceName) {
        return write(socketPath, appName, secret, bufferSize, log2Ring, interfaceId, interfaceName, false);
    }

    static byte[] write(String socketPath, String appName, String secret, long bufferSize, int log2Ring,
            long interfaceId, String interfaceName, boolean appIsMaster) {
        byte[] out = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        cstr(out, OFF_SOCKET_PATH, 108, socketPath, "socket path");
        cstr(out, OFF_APP_NAME, 32, appName, "app name");
        cstr(out, OFF_SECRET, 24, secret, "secret");
        b.put(OFF_NUM_S2M, (byte) 1);
        b.put(OFF_NUM_M2S, (byte) 1);
        b.putInt(OFF_BUFFER_SIZE, (int) bufferSize);
        b.put(OFF_LOG2_RING, (byte) log2Ring);
        b.put(OFF_IS_MASTER, (byte) (appIsMaster ? 1 : 0));
        b.putInt(OFF_INTERFACE_ID, (int) interfaceId);
        cstr(out, OFF_INTERFACE_NAME, 32, interfaceName, "interface name");
        b.put(OFF_MODE, (byte) 0); // ethernet
        return out;
    }

    /** NUL-terminated ASCII in a fixed field; text longer than field-1 is cut (the 31-character interface name rule). */
    private static void cstr(byte[] out, int off, int field, String s, String what) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        if (a.length >= field && "socket path".equals(what)) {
            throw new IllegalArgumentException(what + " longer than " + (field - 1) + " bytes: " + s);
        }
        System.arraycopy(a, 0, out, off, Math.min(a.length, field - 1));
    }
}
