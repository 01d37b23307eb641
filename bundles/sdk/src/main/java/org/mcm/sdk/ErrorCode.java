package org.mcm.sdk;

/**
 * Why an SDK call failed. The first values keep the numbers of upstream's {@code mcm_dp_error} (24.09); the rest
 * are this SDK's own, finer reasons.
 */
public enum ErrorCode {
    /** A parameter is out of range or does not fit the format/transport (upstream MCM_DP_ERROR_INVALID_PARAM). */
    INVALID_PARAM(1),
    /** The proxy or the memif peer could not be reached (upstream MCM_DP_ERROR_CONNECTION_FAILED). */
    CONNECTION_FAILED(2),
    /** Nothing happened within the timeout (upstream MCM_DP_ERROR_TIMEOUT). */
    TIMEOUT(3),
    /** Shared memory could not be allocated or mapped (upstream MCM_DP_ERROR_MEMORY_ALLOCATION). */
    MEMORY_ALLOCATION(4),
    /** The proxy refused the request: it closed the control connection instead of replying. */
    PROXY_REFUSED(5),
    /** The connection was closed (by the app, or the data path to the proxy or peer went away). */
    CONNECTION_CLOSED(6),
    /** The proxy's reply broke the protocol (wrong size, bad fields). */
    PROTOCOL_ERROR(7),
    /** The calling thread was interrupted while waiting. */
    INTERRUPTED(8),
    /** memif cannot run on this platform (the native helper library is missing). */
    NATIVE_UNAVAILABLE(9),
    /** The proxy refused this app's token (or the policy wants one and none was given). */
    UNAUTHENTICATED(10),
    /** Anything else (upstream MCM_DP_ERROR_UNKNOWN). */
    UNKNOWN(-1);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The numeric code (1..4 and -1 as upstream {@code mcm_dp_error}). */
    public int code() {
        return code;
    }
}
