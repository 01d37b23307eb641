package org.mcm.control.grpc.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.mcm.api.control.Counters;
import org.mcm.api.control.LaunchFlags;
import org.mcm.api.session.SessionManager;
import org.mcm.control.internal.auth.TokenSet;
import org.mcm.control.internal.util.LogLimiter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * The gRPC control plane (port 8001 by default): upstream's {@code controller.Configure}, our
 * {@code mcm.control.v1.ProxyControl} and the standard {@code grpc.health.v1.Health} service.
 *
 * <p>gRPC and Netty are embedded on this bundle's class path. The server is built with the Netty builder
 * directly, so no {@code ServiceLoader} lookup of a server provider is involved, and the thread context class
 * loader is set to this bundle's loader while gRPC initialises, so the registries it does fill through
 * {@code ServiceLoader} (load balancers, name resolvers, compressors) see the embedded jars.
 *
 * <p>It lives in a bundle of its own ({@code org.mcm.control.grpc}) and meets the proxy core only through api
 * services: the {@link SessionManager}, the proxy-wide {@link Counters} and this run's {@link LaunchFlags}. Stopping,
 * updating or restarting this bundle ends no session and leaves the SDK port alone; sessions created over gRPC stay
 * in the session manager and are seen again by the next server.
 */
@Component(service = {}, immediate = true, configurationPid = GrpcServerComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = GrpcServerComponent.Config.class)
public class GrpcServerComponent {

    /** The configuration PID, as when the gRPC server was part of the control bundle (stored settings, .cfg files). */
    public static final String PID = "org.mcm.control.grpc";

    /** The command line's settings of this run ({@code -g}), laid over the stored configuration (never stored). */
    @Reference
    LaunchFlags launchFlags;

    @ObjectClassDefinition(name = "MCM gRPC control plane", description = "gRPC server for controllers (upstream controller.Configure, ProxyControl, health).")
    public @interface Config {
        @AttributeDefinition(name = "Port", description = "TCP port (upstream default 8001).", min = "1", max = "65535")
        int port() default 8001;

        @AttributeDefinition(name = "Bind address", description = "Address to listen on; 0.0.0.0 for all.")
        String bindAddress() default "0.0.0.0";

        @AttributeDefinition(name = "Authentication", description = "none: every call is served (upstream behaviour). "
                + "token: calls need 'authorization: Bearer <token>' with a configured token. mtls: TLS with a client "
                + "certificate issued by the client CA (needs the TLS certificate, key and client CA). Refused calls get "
                + "UNAUTHENTICATED.",
                options = {@Option(label = "none", value = "none"), @Option(label = "bearer token", value = "token"),
                        @Option(label = "TLS client certificate (mTLS)", value = "mtls")})
        String authMode() default "none";

        @AttributeDefinition(name = "Tokens", description = "Bearer tokens accepted in token mode: the token itself or "
                + "sha256:<hex of its SHA-256>; several may be separated by commas.", type = AttributeType.PASSWORD,
                required = false)
        String[] tokens() default {};

        @AttributeDefinition(name = "Tokens file", description = "A file with one accepted token (or sha256:<hex>) per "
                + "line, # for comments; re-read when it changes.", required = false)
        String tokensFile() default "";

        @AttributeDefinition(name = "TLS certificate", description = "PEM file with the server certificate (chain). With "
                + "the key, the server speaks TLS in every mode.", required = false)
        String tlsCertFile() default "";

        @AttributeDefinition(name = "TLS private key", description = "PEM file with the server's unencrypted PKCS#8 "
                + "private key (BEGIN PRIVATE KEY).", required = false)
        String tlsKeyFile() default "";

        @AttributeDefinition(name = "Client CA", description = "PEM file with the CA certificate(s) that issue client "
                + "certificates (mtls mode).", required = false)
        String tlsClientCaFile() default "";

        @AttributeDefinition(name = "Health without authentication", description = "grpc.health.v1.Health answers "
                + "every caller (for probes); it tells only whether the server is serving.")
        boolean healthWithoutAuth() default true;

        @AttributeDefinition(name = "Controllers may end app sessions without authentication", description = "Sessions "
                + "an SDK app created belong to it. A gRPC caller may end them (TxStop/RxStop/DeleteConnection) only "
                + "when gRPC authenticates callers (token or mtls), or when this is on. The app is told why and its "
                + "memif link is closed.")
        boolean anonymousMayEndAppSessions() default false;
    }

    private static final Logger LOG = LoggerFactory.getLogger(GrpcServerComponent.class);

    @Reference
    SessionManager sessions;
    @Reference
    Counters counters;

    private Server server;
    private HealthStatusManager health;
    /**
     * This server's own threads (accepting, I/O, calls) instead of gRPC's process-wide shared ones, which outlive a
     * server by a second: they end in {@link #deactivate}, so when the bundle is stopped or updated no thread runs
     * its classes any more (an old thread would fail to load a class from the gone bundle).
     */
    private Threads threads;
    /** Malformed-request log lines: at most 5 per method per 10 s. */
    private final LogLimiter logLimit = new LogLimiter(5, 10_000);

    @Activate
    void activate(Config config) {
        if (launchFlags != null) {
            config = launchFlags.overlay(PID, config, Config.class); // -g of this run
        }
        skipNativeTransport();
        pooledDefaultAllocator();
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(GrpcServerComponent.class.getClassLoader());
        try {
            Security sec = security(config);
            if (sec == null) {
                counters.increment("grpc_config_errors");
                return; // fail closed: a broken security setup serves nothing
            }
            health = new HealthStatusManager();
            threads = new Threads();
            server = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()), sec.credentials)
                    .channelType(NioServerSocketChannel.class)
                    .bossEventLoopGroup(threads.boss).workerEventLoopGroup(threads.io).executor(threads.calls)
                    .addService(ServerInterceptors.intercept(MalformedRequests.wrap(
                            new ConfigureService(sessions, counters, sec.mayEndAppSessions).bindService(), counters, logLimit),
                            sec.interceptor))
                    .addService(ServerInterceptors.intercept(MalformedRequests.wrap(
                            new ProxyControlService(sessions, counters, sec.mayEndAppSessions).bindService(), counters, logLimit),
                            sec.interceptor))
                    .addService(ServerInterceptors.intercept(health.getHealthService(), sec.interceptor))
                    .build()
                    .start();
            health.setStatus("", ServingStatus.SERVING);
            health.setStatus(ConfigureService.SERVICE, ServingStatus.SERVING);
            health.setStatus(ProxyControlService.SERVICE, ServingStatus.SERVING);
            System.out.println("INFO: gRPC Server listening on " + config.bindAddress() + ":" + server.getPort()
                    + (sec.tls ? " (TLS)" : ""));
            System.out.flush();
        } catch (IOException e) {
            server = null;
            releaseThreads();
            counters.increment("grpc_bind_failures");
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                LOG.error("ERROR: gRPC port {} is already in use (or {} is not a local address); the gRPC server is not running",
                        config.port(), config.bindAddress());
            } else {
                LOG.error("ERROR: cannot start the gRPC server on {}:{}: {}", config.bindAddress(), config.port(), e.getMessage());
            }
        } catch (RuntimeException e) { // e.g. a PEM file Netty cannot read
            server = null;
            releaseThreads();
            counters.increment("grpc_config_errors");
            LOG.error("ERROR: cannot start the gRPC server with its TLS settings: {}", e.toString());
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    private record Security(ServerCredentials credentials, GrpcAuthInterceptor interceptor, boolean tls,
            boolean mayEndAppSessions) {
    }

    /** Credentials and the auth interceptor from the configuration; null (logged) when they are unusable. */
    private Security security(Config c) {
        GrpcAuthInterceptor.Mode mode;
        try {
            mode = GrpcAuthInterceptor.Mode.valueOf(c.authMode().trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.error("ERROR: gRPC authMode '{}' is not one of none, token, mtls; the gRPC server is not started", c.authMode());
            return null;
        }
        boolean tls = !c.tlsCertFile().isBlank() || !c.tlsKeyFile().isBlank();
        ServerCredentials creds = InsecureServerCredentials.create();
        ClientCertVerifier verifier = null;
        try {
            if (mode == GrpcAuthInterceptor.Mode.MTLS) {
                if (!tls || c.tlsClientCaFile().isBlank()) {
                    LOG.error("ERROR: gRPC authMode mtls needs tlsCertFile, tlsKeyFile and tlsClientCaFile; the gRPC server is not started");
                    return null;
                }
                verifier = new ClientCertVerifier(java.nio.file.Path.of(c.tlsClientCaFile().trim()));
            }
            if (tls) {
                if (c.tlsCertFile().isBlank() || c.tlsKeyFile().isBlank()) {
                    LOG.error("ERROR: gRPC TLS needs both tlsCertFile and tlsKeyFile; the gRPC server is not started");
                    return null;
                }
                TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder()
                        .keyManager(new java.io.File(c.tlsCertFile().trim()), new java.io.File(c.tlsKeyFile().trim()));
                if (verifier != null) {
                    b.trustManager(verifier.deferringTrustManager()).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL);
                }
                creds = b.build();
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            LOG.error("ERROR: gRPC TLS files unusable: {}; the gRPC server is not started", e.toString());
            return null;
        }
        TokenSet tokens = new TokenSet(c.tokens(), c.tokensFile());
        if (mode == GrpcAuthInterceptor.Mode.TOKEN) {
            if (tokens.isEmpty()) {
                LOG.warn("gRPC authMode token with no tokens configured: every call is refused");
            }
            if (!tls) {
                LOG.warn("gRPC bearer tokens travel in clear text: set tlsCertFile/tlsKeyFile unless {} is a loopback address",
                        c.bindAddress());
            }
        }
        LOG.info("gRPC authentication: {}{}", mode.name().toLowerCase(java.util.Locale.ROOT), tls ? ", TLS" : ", plain text");
        return new Security(creds, new GrpcAuthInterceptor(mode, tokens, verifier, c.healthWithoutAuth(), counters), tls,
                mode != GrpcAuthInterceptor.Mode.NONE || c.anonymousMayEndAppSessions());
    }

    /** The port actually bound, or -1. */
    public int localPort() {
        Server s = server;
        return s == null ? -1 : s.getPort();
    }

    @Deactivate
    void deactivate() {
        if (health != null) {
            health.enterTerminalState();
        }
        Server s = server;
        server = null;
        if (s != null) {
            int port = s.getPort(); // getPort() throws once the server has terminated
            s.shutdown();
            try {
                if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
                    s.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LOG.info("gRPC server on port {} stopped", port);
        }
        releaseThreads();
    }

    private void releaseThreads() {
        Threads th = threads;
        threads = null;
        if (th != null) {
            th.close();
        }
    }

    /** The shaded Netty's switch for its native (epoll) transport. */
    static final String NO_NATIVE = "io.grpc.netty.shaded.io.netty.transport.noNative";

    /**
     * This server runs on NIO (its channel type and event loops say so), yet gRPC's Netty checks at class
     * initialisation whether epoll is there, which copies Netty's native library out of the bundle to the temporary
     * directory and loads it, at every start: ~5 % of the start's critical path for something never used. Unless
     * the operator set the switch (either way), it is turned off before the first Netty class initialises.
     */
    static void skipNativeTransport() {
        if (System.getProperty(NO_NATIVE) == null) {
            System.setProperty(NO_NATIVE, "true");
        }
    }

    /** The shaded Netty's choice of its default buffer allocator ({@code ByteBufAllocator.DEFAULT}). */
    static final String ALLOCATOR_TYPE = "io.grpc.netty.shaded.io.netty.allocator.type";

    /**
     * gRPC gives its connections a pooled allocator of its own; Netty's default allocator serves only the listening
     * channel's configuration, which allocates no buffers. Netty 4.2's default is the adaptive allocator, whose
     * magazines were built on the accept thread while the start waited for the bind (~20 % of that thread's start
     * samples). Unless the operator set the type (either way), the default is the pooled allocator, whose set-up
     * gRPC's own allocator has paid already.
     */
    static void pooledDefaultAllocator() {
        if (System.getProperty(ALLOCATOR_TYPE) == null) {
            System.setProperty(ALLOCATOR_TYPE, "pooled");
        }
    }

    /** Thread name prefix of this server's threads. */
    static final String THREADS = "mcm-grpc-";

    /** The server's event loops and call executor, ended (and waited for) on close. */
    private static final class Threads {
        final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory(THREADS + "accept", true), NioIoHandler.newFactory());
        final EventLoopGroup io = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory(THREADS + "io", true), NioIoHandler.newFactory());
        final ExecutorService calls = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
            private final java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();

            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, THREADS + "call-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            }
        });

        void close() {
            calls.shutdown();
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            try {
                if (!calls.awaitTermination(2, TimeUnit.SECONDS)) {
                    calls.shutdownNow();
                }
                io.terminationFuture().await(3, TimeUnit.SECONDS);
                boss.terminationFuture().await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
