package org.mcm.api.session;

import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/** A session operation failed with a stable {@link ErrorCode} and a message for humans. */
@ProviderType
public class SessionException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public SessionException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public SessionException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
