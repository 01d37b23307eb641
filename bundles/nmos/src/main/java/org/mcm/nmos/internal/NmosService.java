package org.mcm.nmos.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.mcm.api.app.AppLinkService;
import org.mcm.api.session.SessionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One NMOS node: the model, the Connection API state, the HTTP listener and the registration client. */
final class NmosService {

    private static final Logger LOG = LoggerFactory.getLogger(NmosService.class);

    private final SessionManager sessions;
    private final ScheduledExecutorService timer;
    private final NmosHttp http;
    private volatile Settings settings;
    private volatile Model model;
    private volatile Connections connections;
    private volatile Registrar registrar;
    private volatile int port;

    private final java.util.Map<Long, String> earlierKeys;
    private final java.util.function.Supplier<AppLinkService> appLinks;
    private volatile IdlePool pool;
    /** Why the configured idle receivers are missing, for the status page ("" when all is well). */
    volatile String idleStatus = "";

    NmosService(SessionManager sessions, Settings settings) {
        this(sessions, settings, java.util.Map.of(), () -> null);
    }

    /**
     * With the id keys an earlier instance gave the running sessions (see {@link Model#keys()}) and the app link
     * service the idle receivers open their memif sockets with (null while there is none).
     */
    NmosService(SessionManager sessions, Settings settings, java.util.Map<Long, String> earlierKeys,
            java.util.function.Supplier<AppLinkService> appLinks) {
        this.earlierKeys = earlierKeys;
        this.appLinks = appLinks;
        this.sessions = sessions;
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nmos-activations");
            t.setDaemon(true);
            return t;
        });
        this.http = new NmosHttp(this);
    }

    /** Opens the listener (the model's hrefs carry the port it got) and starts registering. */
    void start() throws IOException {
        Settings s = settings;
        port = http.start(s.bindHost(), s.port());
        settings = s.withPort(port);
        model = new Model(settings, earlierKeys);
        java.util.List<IdlePool.Slot> idle = java.util.List.of();
        try {
            idle = IdlePool.parse(settings.idleReceivers(), settings.idleDir());
        } catch (IllegalArgumentException e) {
            idleStatus = "not started: " + e.getMessage();
            LOG.error("NMOS: the pool of idle receivers is not started: {}", e.getMessage());
        }
        pool = new IdlePool(idle, sessions, appLinks);
        java.util.Map<String, IdlePool.Slot> slots = new java.util.HashMap<>();
        pool.slots().forEach(sl -> slots.put(model.slotId(sl), sl));
        connections = new Connections(sessions, settings, timer, this::changed, pool, slots);
        snapshot();
        startDiscovery();
        registrar = new Registrar(this, settings.registries(), settings.heartbeatMillis(), discovery != null || unicastDnsSd != null);
        registriesChanged();
        registrar.start();
        LOG.info("NMOS node {} : Node API {}x-nmos/node/v1.3/, Connection API {}x-nmos/connection/v1.1/", model.nodeId(),
                model.baseUrl(), model.baseUrl());
    }

    /** What DNS-SD is doing, for the status page. */
    volatile String discoveryStatus = "off (registries configured, or discovery disabled)";
    private volatile Discovery discovery;
    private volatile ScheduledExecutorService discoveryTimer;
    private long unregisteredSince;
    private final java.util.Map<String, String> typeSignature = new java.util.HashMap<>();
    private final java.util.Map<String, Integer> typeVersion = new java.util.HashMap<>();
    private static final java.util.Map<String, String> TXT_KEYS = java.util.Map.of("nodes", "ver_slf", "sources", "ver_src",
            "flows", "ver_flw", "devices", "ver_dvc", "senders", "ver_snd", "receivers", "ver_rcv");

    /**
     * With no registry configured and discovery on: unicast DNS-SD in the configured domain (polled), and mDNS on the
     * interface of the configured mDNS address (else the advertised host); a loopback or wildcard address has nothing
     * to announce on, so mDNS stays off then. The registrar gets the registries of both, best {@code pri} first.
     */
    private void startDiscovery() {
        Settings s = settings;
        if (!s.discovers()) {
            return;
        }
        discoveryTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nmos-discovery");
            t.setDaemon(true);
            return t;
        });
        String mdns = startMdns(s);
        String unicast = "";
        if (!s.dnsSdDomain().isBlank()) {
            unicastDnsSd = new UnicastDnsSd(s.dnsSdDomain(), s.dnsServer());
            unicast = "unicast DNS-SD in " + unicastDnsSd.domain() + (s.dnsServer().isBlank() ? "" : " (server " + s.dnsServer() + ")");
            discoveryTimer.scheduleWithFixedDelay(this::unicastTick, 0, UNICAST_POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        if (discovery == null && unicastDnsSd == null) {
            discoveryTimer.shutdownNow();
            discoveryTimer = null;
            discoveryStatus = mdns;
            return;
        }
        discoveryStatus = "browsing _nmos-register._tcp: " + (unicast.isEmpty() ? mdns : discovery == null ? unicast + "; mDNS " + mdns : unicast + " and " + mdns);
        unregisteredSince = System.nanoTime();
        if (discovery != null) {
            discoveryTimer.scheduleWithFixedDelay(this::peerToPeerTick, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Starts mDNS; says what it does (or why not). */
    private String startMdns(Settings s) {
        String where = s.mdnsAddress().isBlank() ? s.advertisedHost() : s.mdnsAddress();
        java.net.InetAddress addr;
        try {
            addr = java.net.InetAddress.getByName(where);
        } catch (IOException e) {
            LOG.warn("NMOS: mDNS off: address {} does not resolve", where);
            return "off: mDNS address " + where + " does not resolve";
        }
        if (addr.isLoopbackAddress() || addr.isAnyLocalAddress()) {
            LOG.info("NMOS: mDNS off: {} is a loopback or wildcard address", where);
            return "off: " + where + " is a loopback or wildcard address (set the advertised host or the mDNS address to the facility interface's address)";
        }
        try {
            Discovery d = new Discovery(addr, "mcm-" + model.nodeId().substring(0, 8), this::registriesChanged);
            discovery = d;
            d.browse();
        } catch (IOException | RuntimeException e) {
            Discovery d = discovery;
            discovery = null;
            if (d != null) {
                d.close();
            }
            LOG.warn("NMOS: mDNS cannot start on {}: {}", where, e.getMessage());
            return "off: mDNS cannot start on " + where + ": " + e.getMessage();
        }
        return "mDNS on " + addr.getHostAddress();
    }

    /** How often the unicast DNS-SD records are asked for again. */
    static final long UNICAST_POLL_MILLIS = 2000;
    private volatile UnicastDnsSd unicastDnsSd;
    private volatile List<Discovery.Found> unicastFound = List.of();

    private void unicastTick() {
        UnicastDnsSd u = unicastDnsSd;
        if (u == null) {
            return;
        }
        List<Discovery.Found> now;
        try {
            now = u.browse();
        } catch (javax.naming.NamingException | RuntimeException e) {
            // the DNS server does not answer: the registries found last stay (the registrar sees whether they answer)
            LOG.debug("NMOS unicast DNS-SD query failed: {}", e.toString());
            return;
        }
        if (discovery == null) {
            discoveryStatus = "unicast DNS-SD in " + u.domain() + ": registries " + Discovery.order(new ArrayList<>(now));
        }
        if (!now.equals(unicastFound)) {
            unicastFound = now;
            LOG.info("NMOS: unicast DNS-SD in {} lists registries {}", u.domain(), Discovery.order(new ArrayList<>(now)));
            offerRegistries();
        }
    }

    /** The registries found by every DNS-SD source now, best first. */
    List<String> discovered() {
        List<Discovery.Found> all = new ArrayList<>(unicastFound);
        Discovery d = discovery;
        if (d != null) {
            for (Discovery.Found f : d.found()) {
                if (all.stream().noneMatch(x -> x.url().equals(f.url()))) {
                    all.add(f);
                }
            }
        }
        return Discovery.order(all);
    }

    /** DNS-SD answers arrive one by one: the first list goes to the registrar a browse window after the first record. */
    static final long BROWSE_WINDOW_MILLIS = 1000;
    private volatile long firstFound;

    private void registriesChanged() {
        offerRegistries();
    }

    private void offerRegistries() {
        ScheduledExecutorService t = discoveryTimer;
        if (t == null) {
            return;
        }
        Discovery d = discovery;
        if (firstFound == 0 && ((d != null && d.count() > 0) || !unicastFound.isEmpty())) {
            firstFound = System.nanoTime();
        }
        long wait = firstFound == 0 ? 0 : BROWSE_WINDOW_MILLIS - (System.nanoTime() - firstFound) / 1_000_000;
        try {
            t.schedule(() -> {
                Registrar r = registrar;
                if (r != null) {
                    r.registries(discovered());
                }
            }, Math.max(0, wait), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    /**
     * Peer-to-peer mode: advertised while no registry holds the node's resources for a heartbeat interval, withdrawn
     * when one does; the ver_* TXT records count (modulo 256) the changes of each resource type.
     */
    private void peerToPeerTick() {
        try {
            Discovery d = discovery;
            Registrar r = registrar;
            if (d == null || r == null) {
                return;
            }
            long now = System.nanoTime();
            if (r.registered() || !settings.peerToPeer()) {
                unregisteredSince = now;
                if (d.advertising()) {
                    d.withdraw();
                    LOG.info("NMOS: registered mode, _nmos-node._tcp withdrawn");
                }
                discoveryStatus = r.registered() ? "registered mode: registries found by DNS-SD " + discovered()
                        : "browsing _nmos-register._tcp by mDNS (peer-to-peer mode off)";
                return;
            }
            if (now - unregisteredSince < settings.heartbeatMillis() * 1_000_000L) {
                return;
            }
            java.util.Map<String, String> txt = peerToPeerText(snapshot());
            boolean current = d.advertise("MCM " + model.nodeId().substring(0, 8), port, txt);
            discoveryStatus = "peer-to-peer: no registry, node advertised as _nmos-node._tcp " + txt
                    + (current ? "" : " (waiting for the first announcement before the records change)");
        } catch (IOException | RuntimeException e) {
            LOG.warn("NMOS: peer-to-peer advertisement failed: {}", e.toString());
        }
    }

    /** The TXT records of {@code _nmos-node._tcp} in peer-to-peer mode. */
    java.util.Map<String, String> peerToPeerText(Model.Snapshot snap) {
        java.util.Map<String, StringBuilder> sig = new java.util.TreeMap<>();
        TXT_KEYS.keySet().forEach(t -> sig.put(t, new StringBuilder()));
        for (Model.Resource res : snap.all()) {
            StringBuilder b = sig.get(res.type());
            if (b != null) {
                b.append(res.id()).append('@').append(res.version()).append(';');
            }
        }
        java.util.Map<String, String> txt = new java.util.LinkedHashMap<>();
        txt.put("api_proto", "http");
        txt.put("api_ver", "v1.3");
        txt.put("api_auth", "false");
        synchronized (typeSignature) {
            for (java.util.Map.Entry<String, StringBuilder> e : sig.entrySet()) {
                String now = e.getValue().toString();
                String was = typeSignature.put(e.getKey(), now);
                int v = typeVersion.getOrDefault(e.getKey(), 0);
                if (was != null && !was.equals(now)) {
                    v = (v + 1) % 256;
                    typeVersion.put(e.getKey(), v);
                }
                txt.put(TXT_KEYS.get(e.getKey()), Integer.toString(v));
            }
        }
        return txt;
    }

    UnicastDnsSd unicast() {
        return unicastDnsSd;
    }

    Discovery discovery() {
        return discovery;
    }

    void stop() {
        ScheduledExecutorService dt = discoveryTimer;
        if (dt != null) {
            dt.shutdownNow();
        }
        Discovery d = discovery;
        discovery = null;
        if (d != null) {
            d.close();
        }
        Registrar r = registrar;
        if (r != null) {
            r.stop();
        }
        http.stop();
        timer.shutdownNow();
        IdlePool p = pool;
        if (p != null) {
            p.close();
        }
    }

    /** The id keys of the running sessions, for the next instance (see {@link Model#keys()}). */
    java.util.Map<Long, String> keys() {
        Model m = model;
        return m == null ? java.util.Map.of() : m.keys();
    }

    int port() {
        return port;
    }

    Settings settings() {
        return settings;
    }

    Connections connections() {
        return connections;
    }

    Registrar registrar() {
        return registrar;
    }

    IdlePool pool() {
        return pool;
    }

    NmosHttp http() {
        return http;
    }

    /** The model now; the Connection API's ports follow it. */
    Model.Snapshot snapshot() {
        Connections c = connections;
        Model.Snapshot snap = model.build(sessions.list(), id -> c == null ? null : c.subscription(id), pool);
        if (c != null) {
            c.sync(snap);
        }
        return snap;
    }

    /** A session or a connection changed: the registry hears of it. */
    void changed() {
        Registrar r = registrar;
        if (r != null) {
            r.changed();
        }
    }
}
