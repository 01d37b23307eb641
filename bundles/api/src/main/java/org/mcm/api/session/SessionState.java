package org.mcm.api.session;

import org.osgi.annotation.versioning.ProviderType;

/** Life cycle of a session, as shown to apps, the gRPC API and the console. */
@ProviderType
public enum SessionState {
    /** Accepted and being set up (transport opening, waiting for the app to attach). */
    CREATED,
    /** Media can flow. */
    ACTIVE,
    /**
     * The transport bundle that carried this session went away (stopped, uninstalled or replaced); the session
     * no longer moves media. The app should delete it and create a new one once the transport is back.
     */
    TRANSPORT_GONE,
    /** The transport reported an error it cannot recover from; see the reason. */
    FAILED,
    /** Deleted by the app, an operator or the proxy shutting down. Terminal. */
    CLOSED;

    /** True for states in which the session will never move media again. */
    public boolean isTerminal() {
        return this == TRANSPORT_GONE || this == FAILED || this == CLOSED;
    }
}
