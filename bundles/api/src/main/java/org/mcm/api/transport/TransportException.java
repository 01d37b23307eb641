package org.mcm.api.transport;

import org.osgi.annotation.versioning.ProviderType;

/** A transport could not open or run a session; the message says why in one line. */
@ProviderType
public class TransportException extends Exception {

    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
