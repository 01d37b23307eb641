package org.mcm.nmos.internal;

import java.util.List;

/**
 * What the node needs from its configuration (see {@link NmosComponent.Config}).
 *
 * @param bindHost       address the Node and Connection APIs listen on
 * @param port           their TCP port (0: any free port)
 * @param host           address advertised in hrefs and to the registry (the bind address when empty)
 * @param label          label of the node and device
 * @param seed           name the stable resource ids are derived from (two proxies need different seeds)
 * @param interfaceIp    the media interface's address shown in IS-05 constraints and resolved for "auto"
 * @param registries     registry base URLs in priority order ("http://host:port"), empty for none
 * @param heartbeatMillis time between registry heartbeats
 */
record Settings(String bindHost, int port, String host, String label, String seed, String interfaceIp,
        List<String> registries, long heartbeatMillis) {

    Settings {
        registries = List.copyOf(registries);
    }

    String advertisedHost() {
        return host == null || host.isBlank() ? bindHost : host;
    }
}
