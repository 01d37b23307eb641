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
@Component(service = SdkServer.class, immediate = true, configurationPid = SdkServer.PID,
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
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile AppLinkService appLinks;

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
            if (clients.size() >= cfg.maxClients()) {
                counters.increment("sdk_clients_refused");
                LOG.warn("SDK client {} refused: {} clients already connected", sock.getRemoteSocketAddress(), clients.size());
                closeQuietly(sock);
                continue;
            }
            counters.increment("sdk_clients_accepted");
            SdkClientHandler h = new SdkClientHandler(sock, sessions, counters, cfg, auth, () -> appLinks, linkSeq,
                    registry.links(), clients::remove);
            clients.add(h);
            try {
                pool.execute(h);
            } catch (RuntimeException e) {
                clients.remove(h);
                closeQuietly(sock);
            }
        }
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
