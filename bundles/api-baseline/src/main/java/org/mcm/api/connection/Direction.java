package org.mcm.api.connection;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Direction of a connection, from the application's point of view (as the MCM SDK names it): {@link #TX} means
 * the app sends media that the proxy carries out over a transport; {@link #RX} means the proxy receives media
 * over a transport and hands it to the app.
 */
@ProviderType
public enum Direction {
    TX,
    RX
}
