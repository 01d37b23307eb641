package org.mcm.memif;

import java.io.IOException;

/** A memif socket or interface operation failed; the message says why in one line. */
public class MemifException extends IOException {

    private static final long serialVersionUID = 1L;

    public MemifException(String message) {
        super(message);
    }
}
