package org.mcm.api.control;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The proxy-wide named counters: requests, refusals, protocol errors, authentication results of every interface
 * ({@code sdk_auth_refused}, {@code grpc_auth_refused}, ...). They only grow while the control bundle runs. The gRPC
 * stats call ({@code GetStats}) and the console's {@code /metrics} show them.
 *
 * <p>Names are lower case with underscores, prefixed by the interface that counts ({@code sdk_}, {@code grpc_}) or
 * naming the proxy-wide event ({@code sessions_created}); they are stable across releases.
 */
@ProviderType
public interface Counters {

    /** Adds one to the counter {@code name} (created at zero on first use). */
    void increment(String name);

    /** The counter's value; 0 for one never incremented. */
    long get(String name);

    /** Every counter incremented so far, by name (a copy, sorted by name). */
    Map<String, Long> snapshot();
}
