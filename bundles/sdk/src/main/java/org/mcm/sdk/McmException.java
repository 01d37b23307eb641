package org.mcm.sdk;

import java.io.IOException;
import java.util.Objects;

/** An SDK operation failed; {@link #errorCode()} says what kind of failure, the message says why in one line. */
public class McmException extends IOException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    public McmException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    public McmException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    @Override
    public String toString() {
        return "McmException[" + errorCode + "]: " + getMessage();
    }
}
