package org.mcm.control.internal.grpc;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.mcm.api.session.SessionManager;
import org.mcm.control.internal.config.LaunchConfiguration;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * The gRPC control plane (port 8001 by default): upstream's {@code controller.Configure}, our
 * {@code mcm.control.v1.ProxyControl} and the standard {@code grpc.health.v1.Health} service.
 *
 * <p>gRPC and Netty are embedded on this bundle's class path. The server is built with the Netty builder
 * directly, so no {@code ServiceLoader} lookup of a server provider is involved, and the thread context class
 * loader is set to this bundle's loader while gRPC initialises, so the registries it does fill through
 * {@code ServiceLoader} (load balancers, name resolvers, compressors) see the embedded jars.
 */
@Component(service = GrpcServerComponent.class, immediate = true, configurationPid = LaunchConfiguration.GRPC_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = GrpcServerComponent.Config.class)
public class GrpcServerComponent {

    @ObjectClassDefinition(name = "MCM gRPC control plane", description = "gRPC server for controllers (upstream controller.Configure, ProxyControl, health).")
    public @interface Config {
        @AttributeDefinition(name = "Port", description = "TCP port (upstream default 8001).", min = "1", max = "65535")
        int port() default 8001;

        @AttributeDefinition(name = "Bind address", description = "Address to listen on; 0.0.0.0 for all.")
        String bindAddress() default "0.0.0.0";
    }

    private static final Logger LOG = LoggerFactory.getLogger(GrpcServerComponent.class);

    @Reference
    SessionManager sessions;
    @Reference
    ProxyCounters counters;

    private Server server;
    private HealthStatusManager health;

    @Activate
    void activate(Config config) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(GrpcServerComponent.class.getClassLoader());
        try {
            health = new HealthStatusManager();
            server = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()))
                    .addService(new ConfigureService(sessions))
                    .addService(new ProxyControlService(sessions, counters))
                    .addService(health.getHealthService())
                    .build()
                    .start();
            health.setStatus("", ServingStatus.SERVING);
            health.setStatus(ConfigureService.SERVICE, ServingStatus.SERVING);
            health.setStatus(ProxyControlService.SERVICE, ServingStatus.SERVING);
            System.out.println("INFO: gRPC Server listening on " + config.bindAddress() + ":" + server.getPort());
            System.out.flush();
        } catch (IOException e) {
            server = null;
            counters.increment("grpc_bind_failures");
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                LOG.error("ERROR: gRPC port {} is already in use (or {} is not a local address); the gRPC server is not running",
                        config.port(), config.bindAddress());
            } else {
                LOG.error("ERROR: cannot start the gRPC server on {}:{}: {}", config.bindAddress(), config.port(), e.getMessage());
            }
        } finally {
            t.setContextClassLoader(previous);
        }
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
            s.shutdown();
            try {
                if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
                    s.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LOG.info("gRPC server on port {} stopped", s.getPort());
        }
    }
}
