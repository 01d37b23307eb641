package org.mcm.nmos.internal;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

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

    NmosService(SessionManager sessions, Settings settings) {
        this(sessions, settings, java.util.Map.of());
    }

    /** With the id keys an earlier instance gave the running sessions (see {@link Model#keys()}). */
    NmosService(SessionManager sessions, Settings settings, java.util.Map<Long, String> earlierKeys) {
        this.earlierKeys = earlierKeys;
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
        settings = new Settings(s.bindHost(), port, s.host(), s.label(), s.seed(), s.interfaceIp(), s.registries(), s.heartbeatMillis());
        model = new Model(settings, earlierKeys);
        connections = new Connections(sessions, settings, timer, this::changed);
        snapshot();
        registrar = new Registrar(this, settings.registries(), settings.heartbeatMillis());
        registrar.start();
        LOG.info("NMOS node {} : Node API {}x-nmos/node/v1.3/, Connection API {}x-nmos/connection/v1.1/", model.nodeId(),
                model.baseUrl(), model.baseUrl());
    }

    void stop() {
        Registrar r = registrar;
        if (r != null) {
            r.stop();
        }
        http.stop();
        timer.shutdownNow();
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

    NmosHttp http() {
        return http;
    }

    /** The model now; the Connection API's ports follow it. */
    Model.Snapshot snapshot() {
        Connections c = connections;
        Model.Snapshot snap = model.build(sessions.list(), id -> c == null ? null : c.subscription(id));
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
