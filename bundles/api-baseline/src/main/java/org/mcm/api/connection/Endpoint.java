package org.mcm.api.connection;

import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A network address and port as given by configuration; the host is kept as text (a name, an IPv4/IPv6 literal
 * or empty for "any") and resolved by the transport that uses it.
 */
@ProviderType
public record Endpoint(String host, int port) {

    public static final Endpoint NONE = new Endpoint("", 0);

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public boolean isEmpty() {
        return host.isEmpty() && port == 0;
    }

    @Override
    public String toString() {
        if (isEmpty()) {
            return "-";
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
