package org.mcm.nmos.internal;

/** A request the APIs refuse: the HTTP status and the text of the error body. */
final class NmosError extends Exception {

    private static final long serialVersionUID = 1L;

    final int code;
    final String debug;

    NmosError(int code, String message) {
        this(code, message, null);
    }

    NmosError(int code, String message, String debug) {
        super(message);
        this.code = code;
        this.debug = debug;
    }
}
