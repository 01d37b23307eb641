package org.mcm.control.internal.sdk;

/** Constants of the upstream 24.06/24.09 SDK control protocol on TCP port 8002. */
public final class SdkProtocol {

    /** "mcm\0" as the little-endian u32 the C SDK writes. */
    public static final int MAGIC = 0x006D636D;
    public static final int VERSION = 0x10;
    public static final int HEADER_SIZE = 8;
    public static final int COMMAND_SIZE = 4;

    public static final int CMD_CREATE_SESSION = 1;
    public static final int CMD_DESTROY_SESSION = 2;
    public static final int CMD_QUERY_MEMIF_PATH = 3;
    public static final int CMD_QUERY_MEMIF_ID = 4;
    public static final int CMD_QUERY_MEMIF_PARAM = 5;

    /**
     * This proxy's extension (not in upstream 24.09, whose clients never send it): the client's token as the
     * payload, as the first request of a connection; reply {@code u32} {@link #AUTH_OK} or {@link #AUTH_REFUSED}
     * (then the connection is closed).
     */
    public static final int CMD_AUTH = 16;
    public static final int AUTH_OK = 0;
    public static final int AUTH_REFUSED = 1;

    /**
     * This proxy's extension: like {@link #CMD_CREATE_SESSION} (same 304-byte {@code mcm_conn_param}, same
     * {@code u32} session id reply), but the proxy allocates the shared memory from a buffer pool and the app is
     * the memif master: the reply to {@link #CMD_QUERY_MEMIF_PARAM} then has {@code is_master} 1 and names the
     * socket path where the app listens. Apps of one local group share a pool, so frames pass between them
     * without any copy. Upstream clients never send it.
     */
    public static final int CMD_CREATE_SESSION_POOLED = 17;

    /**
     * This proxy's extension: a session of the proxy-local transport ({@code local}: apps on this proxy only,
     * shared memory, no network), same 304-byte {@code mcm_conn_param} and {@code u32} session id reply as
     * {@link #CMD_CREATE_SESSION}; {@code remote_addr} is the group key, the payload type is not read. A command of
     * its own, because every payload type means a network transport to an upstream 24.09 proxy (NONE and unknown
     * values are ST 2110-20 there): an upstream proxy ignores an unknown command (no reply, nothing created), so a
     * local request can never turn into an ST 2110 stream there.
     */
    public static final int CMD_CREATE_SESSION_LOCAL = 18;

    /** This proxy's extension: {@link #CMD_CREATE_SESSION_LOCAL} in the pooled layout of {@link #CMD_CREATE_SESSION_POOLED}. */
    public static final int CMD_CREATE_SESSION_LOCAL_POOLED = 19;

    /** Size of the {@code memif_conn_param} reply to command 5. */
    public static final int MEMIF_CONN_PARAM_SIZE = 296;

    private SdkProtocol() {
    }
}
