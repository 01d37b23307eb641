package org.mcm.control.internal.sdk;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.mcm.api.session.SessionManager;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkService;
import org.mcm.control.internal.util.ServiceSlot;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SDK port (TCP 8002 by default): upstream 24.09 C SDK clients and our Java SDK ask here for connections.
 * One thread per client, as upstream; every session a client created is deleted when its socket closes.
 * Configuration is required (the launcher seeds it from the command line), so the port is never bound twice.
 */
@Component(service = {}, immediate = true, configurationPid = SdkServer.PID, // no other component or bundle uses it
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = SdkServer.Config.class)
public class SdkServer {

    /** The command line's settings of this run, laid over the stored configuration (never stored). */
    @org.osgi.service.component.annotations.Reference
    org.mcm.control.internal.config.LaunchOverrides launchOverrides;


    public static final String PID = "org.mcm.control.sdk";

    @ObjectClassDefinition(name = "MCM SDK port", description = "TCP listener where SDK apps request connections (upstream MCM 24.09 protocol).")
    public @interface Config {
        @AttributeDefinition(name = "Port", description = "TCP port (upstream default 8002).", min = "1", max = "65535")
        int port() default 8002;

        @AttributeDefinition(name = "Bind address", description = "Address to listen on; 0.0.0.0 for all.")
        String bindAddress() default "0.0.0.0";

        @AttributeDefinition(name = "Maximum clients", description = "SDK connections served at once; more are refused.", min = "1")
        int maxClients() default 256;

        @AttributeDefinition(name = "Request timeout (ms)", description = "A client that stops mid-message longer than this is disconnected.", min = "100")
        int requestTimeoutMs() default 10_000;

        @AttributeDefinition(name = "First request timeout (ms)", description = "A connection that holds no session yet "
                + "must start each request within this time (trusted or not), so silent connections cannot hold the "
                + "client slots; once it holds a session it may stay idle (upstream keeps that connection open).", min = "100")
        int firstRequestTimeoutMs() default 2_000;

        @AttributeDefinition(name = "Unauthenticated connections per source", description = "Connections from one "
                + "address that the policy does not admit without a token and that have not authenticated yet; more "
                + "are refused at once.", min = "1")
        int maxPendingPerSource() default 4;

        @AttributeDefinition(name = "Unauthenticated connections in all", description = "Connections not yet "
                + "authenticated, from all addresses together; the rest of the client slots stay for authenticated "
                + "and trusted clients. When all are taken, the one waiting longest is closed to make room.", min = "1")
        int maxPending() default 32;

        @AttributeDefinition(name = "memif socket directory", description = "Where the per-session memif sockets media_proxy_{tx|rx}_{n}.sock are created (upstream: /run/mcm).")
        String memifDir() default "/run/mcm";

        @AttributeDefinition(name = "Video ring size (log2)", description = "Buffers per memif ring for video sessions, as a power of two (upstream: 2 = 4 frames).", min = "1", max = "10")
        int videoRingLog2() default 2;

        @AttributeDefinition(name = "Busy-poll app links", description = "The proxy busy-polls each SDK session's memif rings: lowest latency, one core per session. Off: interrupt mode (eventfd).")
        boolean memifPolling() default false;

        @AttributeDefinition(name = "Audio/blob ring size (log2)", description = "Buffers per memif ring for audio and blob sessions (upstream audio: 4 = 16 packets).", min = "1", max = "14")
        int audioRingLog2() default 4;

        @AttributeDefinition(name = "Client authentication policy", description = "compat: a client that sends a token "
                + "(AUTH, command 16) must send a valid one; a client without token (every upstream 24.09 C SDK app) is "
                + "admitted only from the trusted networks. strict: every client must send a valid token. open: clients "
                + "without token are admitted from anywhere (upstream behaviour; not recommended).",
                options = {@Option(label = "compat (token, or no token from trusted networks)", value = "compat"),
                        @Option(label = "strict (token required)", value = "strict"),
                        @Option(label = "open (no authentication, as upstream)", value = "open")})
        String authPolicy() default "compat";

        @AttributeDefinition(name = "Trusted networks", description = "Source networks (CIDR, e.g. 127.0.0.0/8, ::1/128, "
                + "10.0.0.0/24) from which the compat policy admits clients without a token.", required = false)
        String[] trustedNetworks() default {"127.0.0.0/8", "::1/128"};

        @AttributeDefinition(name = "Tokens", description = "Client tokens accepted in AUTH: the token itself or "
                + "sha256:<hex of its SHA-256>; several may be separated by commas.", type = AttributeType.PASSWORD,
                required = false)
        String[] tokens() default {};

        @AttributeDefinition(name = "Tokens file", description = "A file with one accepted token (or sha256:<hex>) per "
                + "line, # for comments; re-read when it changes. Empty: none.", required = false)
        String tokensFile() default "";

        @AttributeDefinition(name = "Per-session memif secret", description = "Each session's memif interface gets a "
                + "random secret, handed to the app that created it in the memif parameters; another process cannot "
                + "attach to that session.")
        boolean memifSecret() default true;
    }

    private static final Logger LOG = LoggerFactory.getLogger(SdkServer.class);

    @Reference
    SessionManager sessions;
    @Reference
    ProxyCounters counters;

    /** The app-side data path (memif); optional so the SDK port answers (with a clear refusal) without it. */
    private final ServiceSlot<AppLinkService> appLinks = new ServiceSlot<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindAppLinks(AppLinkService s) {
        appLinks.bind(s);
    }

    void unbindAppLinks(AppLinkService s) {
        appLinks.unbind(s);
    }

    /**
     * The app data path for a new session. Right after start the memif bundle may still be activating: a request
     * then waits for its service to arrive (at most 5 s) before it is refused.
     */
    private AppLinkService appLinkService() {
        return appLinks.await(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    private final AtomicInteger linkSeq = new AtomicInteger();
    /** App links of all SDK sessions, so a session that ends on the proxy side detaches its app at once. */
    @Reference
    AppLinkRegistry registry;

    private final Set<SdkClientHandler> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger clientSeq = new AtomicInteger();
    private volatile ServerSocket server;
    private ExecutorService pool;
    private Thread acceptor;
    private volatile Config config;
    private volatile SdkAuth auth;
    /** Connections not admitted by the policy that have not authenticated yet, per source address. */
    private final java.util.Map<String, AtomicInteger> pending = new ConcurrentHashMap<>();
    private final AtomicInteger pendingTotal = new AtomicInteger();
    private final java.util.Queue<Pending> pendingQueue = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private record Pending(SdkClientHandler handler, java.util.concurrent.atomic.AtomicBoolean held) {
    }
    /** One WARN line per event, at most 5 per source per 10 s (the rest counted in log_lines_held). */
    final org.mcm.control.internal.util.LogLimiter logLimit = new org.mcm.control.internal.util.LogLimiter(5, 10_000);

    @Activate
    void activate(Config config) {
        if (launchOverrides != null) {
            config = launchOverrides.overlay(PID, config, Config.class); // -t / --memif-dir of this run
        }
        this.config = config;
        this.auth = SdkAuth.of(config);
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mcm-sdk-client-" + clientSeq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ServerSocket ss;
        try {
            ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(config.bindAddress(), config.port()), 128);
        } catch (BindException e) {
            LOG.error("ERROR: TCP port {} is already in use (or {} is not a local address); the SDK listener is not running",
                    config.port(), config.bindAddress());
            counters.increment("sdk_bind_failures");
            return;
        } catch (IOException e) {
            LOG.error("ERROR: cannot listen on TCP {}:{}: {}", config.bindAddress(), config.port(), e.getMessage());
            counters.increment("sdk_bind_failures");
            return;
        }
        server = ss;
        acceptor = new Thread(this::acceptLoop, "mcm-sdk-accept-" + config.port());
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println("INFO: TCP Server listening on " + config.bindAddress() + ":" + ss.getLocalPort());
        System.out.flush();
    }

    /** The port actually bound, or -1 when not listening. */
    public int localPort() {
        ServerSocket s = server;
        return s == null ? -1 : s.getLocalPort();
    }

    private void acceptLoop() {
        ServerSocket ss = server;
        while (ss != null && !ss.isClosed()) {
            Socket sock;
            try {
                sock = ss.accept();
            } catch (SocketException e) {
                break; // closed by deactivate
            } catch (IOException e) {
                LOG.warn("SDK accept failed: {}", e.toString());
                continue;
            }
            Config cfg = config;
            SdkAuth a = auth;
            String source = sock.getInetAddress().getHostAddress();
            if (clients.size() >= cfg.maxClients()) {
                refuse(sock, source, clients.size() + " clients already connected");
                continue;
            }
            // a connection the policy does not admit must authenticate first: bound how many such connections one
            // address and all addresses may hold, so the rest of the slots stay for authenticated and trusted clients
            boolean mustAuthenticate = !a.admitsWithoutToken(sock.getInetAddress());
            AtomicInteger fromSource = null;
            if (mustAuthenticate) {
                fromSource = pending.computeIfAbsent(source, k -> new AtomicInteger());
                if (fromSource.incrementAndGet() > cfg.maxPendingPerSource()) {
                    releasePending(source, fromSource, false);
                    refuse(sock, source, "more than " + cfg.maxPendingPerSource() + " unauthenticated connections from " + source);
                    continue;
                }
                // all unauthenticated slots taken: the one waiting longest makes room (a client with a token needs
                // a slot only for the moment its AUTH takes, a silent one would hold it until its timeout)
                if (pendingTotal.get() >= cfg.maxPending()) {
                    Pending oldest;
                    while ((oldest = pendingQueue.poll()) != null) {
                        if (oldest.held.get()) {
                            counters.increment("sdk_pending_evicted");
                            oldest.handler.close();
                            break;
                        }
                    }
                }
                pendingTotal.incrementAndGet();
            }
            counters.increment("sdk_clients_accepted");
            java.util.concurrent.atomic.AtomicBoolean pendingHeld = new java.util.concurrent.atomic.AtomicBoolean(mustAuthenticate);
            AtomicInteger src = fromSource;
            Runnable release = () -> {
                if (pendingHeld.compareAndSet(true, false)) {
                    releasePending(source, src, true);
                    pendingQueue.removeIf(p -> p.held == pendingHeld);
                }
            };
            SdkClientHandler h = new SdkClientHandler(sock, sessions, counters, cfg, a, this::appLinkService, linkSeq,
                    registry.links(), c -> {
                        clients.remove(c);
                        release.run();
                    }, logLimit, release);
            if (mustAuthenticate) {
                pendingQueue.add(new Pending(h, pendingHeld));
            }
            clients.add(h);
            try {
                pool.execute(h);
            } catch (RuntimeException e) {
                clients.remove(h);
                release.run();
                closeQuietly(sock);
            }
        }
    }

    private void releasePending(String source, AtomicInteger fromSource, boolean total) {
        if (total) {
            pendingTotal.decrementAndGet();
        }
        if (fromSource.decrementAndGet() <= 0) {
            pending.remove(source, fromSource);
        }
    }

    private void refuse(Socket sock, String source, String why) {
        counters.increment("sdk_clients_refused");
        long held = logLimit.admit(source);
        if (held >= 0) {
            LOG.warn("SDK client {} refused: {}{}", sock.getRemoteSocketAddress(), why,
                    org.mcm.control.internal.util.LogLimiter.held(held));
        } else {
            counters.increment("log_lines_held");
        }
        closeQuietly(sock);
    }

    @Deactivate
    void deactivate() {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            closeQuietly(s);
            LOG.info("SDK listener on port {} closed", s.getLocalPort());
        }
        for (SdkClientHandler h : clients) {
            h.close();
        }
        clients.clear();
        if (pool != null) {
            pool.shutdownNow();
            try {
                pool.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (acceptor != null) {
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
