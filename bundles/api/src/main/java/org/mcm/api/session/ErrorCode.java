package org.mcm.api.session;

import org.osgi.annotation.versioning.ProviderType;

/** Why a session operation failed; stable across releases (clients switch on it). */
@ProviderType
public enum ErrorCode {
    INVALID_ARGUMENT,
    UNKNOWN_TRANSPORT,
    UNSUPPORTED_DIRECTION,
    TRANSPORT_FAILED,
    LIMIT_REACHED,
    NOT_FOUND,
    UNAUTHENTICATED,
    INTERNAL
}
