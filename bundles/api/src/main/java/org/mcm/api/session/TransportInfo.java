package org.mcm.api.session;

import java.util.Set;

import org.mcm.api.connection.Direction;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A transport the session manager currently sees.
 *
 * @param protocol       protocol name ("st2110-20", ...)
 * @param description    one line for humans
 * @param directions     directions it can carry
 * @param bundle         symbolic name of the bundle providing it
 * @param bundleVersion  that bundle's version
 * @param activeSessions sessions currently open on it
 */
@ProviderType
public record TransportInfo(String protocol, String description, Set<Direction> directions, String bundle,
        String bundleVersion, int activeSessions) {

    public TransportInfo {
        directions = Set.copyOf(directions);
    }
}
