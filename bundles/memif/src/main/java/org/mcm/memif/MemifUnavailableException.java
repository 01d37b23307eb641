package org.mcm.memif;

/**
 * The native helper library for this platform is missing. Carries one line naming the platform and no stack
 * trace, so it reads as one clear log message.
 */
public final class MemifUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MemifUnavailableException(String message) {
        super(message, null, false, false);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
