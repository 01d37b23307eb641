package org.mcm.api.app;

import java.io.IOException;

/**
 * Opens app links (the memif bundle provides it). The proxy opens one per session an SDK app asks for.
 */
public interface AppLinkService {

    /** Starts listening for the app described by the request. */
    AppLink open(AppLinkRequest request) throws IOException;

    /** Name of the mechanism, e.g. "memif". */
    String kind();
}
