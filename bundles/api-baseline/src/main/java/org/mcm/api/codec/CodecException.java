package org.mcm.api.codec;

import org.osgi.annotation.versioning.ProviderType;

/** Encoding or decoding failed; the message names what was wrong (e.g. the marker and byte offset). */
@ProviderType
public class CodecException extends Exception {

    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
