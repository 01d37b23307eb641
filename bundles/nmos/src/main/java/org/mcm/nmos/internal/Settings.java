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
 * @param discovery      with no registry configured: find registries by DNS-SD over mDNS
 * @param mdnsAddress    address of the interface mDNS runs on (the advertised host when empty)
 * @param peerToPeer     with discovery on and no registry to register with: advertise {@code _nmos-node._tcp}
 * @param idleReceivers  the pool of idle receivers, e.g. {@code video/raw:1,audio/L24:1} (see {@link IdlePool#parse})
 * @param idleDir        where the idle receivers' memif sockets are made
 * @param dnsSdDomain    unicast DNS-SD: the domain whose {@code _nmos-register._tcp} records list registries (empty: none)
 * @param dnsServer      unicast DNS-SD: {@code host[:port]} of the DNS server to ask (empty: the system's resolvers)
 */
record Settings(String bindHost, int port, String host, String label, String seed, String interfaceIp,
        List<String> registries, long heartbeatMillis, boolean discovery, String mdnsAddress, boolean peerToPeer,
        String idleReceivers, String idleDir, String dnsSdDomain, String dnsServer) {

    Settings {
        registries = List.copyOf(registries);
        mdnsAddress = mdnsAddress == null ? "" : mdnsAddress;
        idleReceivers = idleReceivers == null ? "" : idleReceivers;
        idleDir = idleDir == null || idleDir.isBlank() ? "/run/mcm" : idleDir;
        dnsSdDomain = dnsSdDomain == null ? "" : dnsSdDomain.trim();
        dnsServer = dnsServer == null ? "" : dnsServer.trim();
    }

    Settings(String bindHost, int port, String host, String label, String seed, String interfaceIp,
            List<String> registries, long heartbeatMillis, boolean discovery, String mdnsAddress, boolean peerToPeer) {
        this(bindHost, port, host, label, seed, interfaceIp, registries, heartbeatMillis, discovery, mdnsAddress, peerToPeer, "", "", "", "");
    }

    /** These settings with a pool of idle receivers. */
    Settings withIdleReceivers(String pool, String dir) {
        return new Settings(bindHost, port, host, label, seed, interfaceIp, registries, heartbeatMillis, discovery, mdnsAddress,
                peerToPeer, pool, dir, dnsSdDomain, dnsServer);
    }

    /** These settings with unicast DNS-SD in {@code domain} (asking {@code server}, or the system's resolvers). */
    Settings withUnicastDnsSd(String domain, String server) {
        return new Settings(bindHost, port, host, label, seed, interfaceIp, registries, heartbeatMillis, discovery, mdnsAddress,
                peerToPeer, idleReceivers, idleDir, domain, server);
    }

    /** Without DNS-SD (the registries given or none). */
    Settings(String bindHost, int port, String host, String label, String seed, String interfaceIp,
            List<String> registries, long heartbeatMillis) {
        this(bindHost, port, host, label, seed, interfaceIp, registries, heartbeatMillis, false, "", false);
    }

    Settings withPort(int p) {
        return new Settings(bindHost, p, host, label, seed, interfaceIp, registries, heartbeatMillis, discovery, mdnsAddress, peerToPeer,
                idleReceivers, idleDir, dnsSdDomain, dnsServer);
    }

    /** DNS-SD is used: asked for and no registry configured. */
    boolean discovers() {
        return discovery && registries.isEmpty();
    }

    String advertisedHost() {
        return host == null || host.isBlank() ? bindHost : host;
    }
}
