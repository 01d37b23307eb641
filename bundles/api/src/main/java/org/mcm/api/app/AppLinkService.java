package org.mcm.api.app;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Opens app links (the memif bundle provides it). The proxy opens one per session an SDK app asks for.
 */
@ProviderType
public interface AppLinkService {

    /** Starts listening for the app described by the request. */
    AppLink open(AppLinkRequest request) throws IOException;

    /** Name of the mechanism, e.g. "memif". */
    String kind();
}
