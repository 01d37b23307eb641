package org.mcm.transport.rtsp;

import java.io.IOException;

/** Malformed, oversized, truncated or unexpected RTSP input, with a one-line reason. */
final class RtspException extends IOException {

    private static final long serialVersionUID = 1L;

    RtspException(String message) {
        super(message);
    }
}
