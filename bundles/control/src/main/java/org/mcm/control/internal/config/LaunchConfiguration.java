package org.mcm.control.internal.config;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the command-line choices of {@code media_proxy} (passed by the launcher as framework properties
 * {@code mcm.sdk.port}, {@code mcm.grpc.port}, {@code mcm.dataplane.ip}, ...) into ConfigAdmin once at start, and
 * creates the listener configurations with their defaults when none exist yet. The listeners require their
 * configuration, so they bind only the port the operator chose. Afterwards ConfigAdmin (e.g. the Web Console's
 * Configuration tab) is the single source of truth: an edit there re-binds the port live.
 */
@Component(immediate = true)
public class LaunchConfiguration {

    public static final String SDK_PID = "org.mcm.control.sdk";
    public static final String GRPC_PID = "org.mcm.control.grpc";
    public static final String DATAPLANE_PID = "org.mcm.dataplane";

    private static final Logger LOG = LoggerFactory.getLogger(LaunchConfiguration.class);

    @Reference
    ConfigurationAdmin cm;

    @Activate
    void activate(BundleContext ctx) {
        try {
            seed(ctx, SDK_PID, new Setting("port", "mcm.sdk.port", 8002, Integer::valueOf),
                    new Setting("bindAddress", "mcm.sdk.bind", "0.0.0.0", s -> s),
                    new Setting("memifDir", "mcm.memif.dir", "/run/mcm", s -> s));
            seed(ctx, GRPC_PID, new Setting("port", "mcm.grpc.port", 8001, Integer::valueOf),
                    new Setting("bindAddress", "mcm.grpc.bind", "0.0.0.0", s -> s));
            seed(ctx, DATAPLANE_PID, new Setting("ip", "mcm.dataplane.ip", "127.0.0.1", s -> s),
                    new Setting("device", "mcm.dataplane.device", "kernel:lo", s -> s));
        } catch (IOException | RuntimeException e) {
            LOG.error("ERROR: cannot write the launch configuration: {}", e.toString());
        }
    }

    private void seed(BundleContext ctx, String pid, Setting... settings) throws IOException {
        Configuration c = cm.getConfiguration(pid, "?");
        Dictionary<String, Object> props = c.getProperties();
        if (props == null) {
            props = new Hashtable<>();
        }
        for (Setting s : settings) {
            String fromLaunch = ctx.getProperty(s.frameworkProperty);
            if (fromLaunch != null && !fromLaunch.isBlank()) {
                props.put(s.key, s.parse.apply(fromLaunch.trim()));
            } else if (props.get(s.key) == null) {
                props.put(s.key, s.defaultValue);
            }
        }
        if (c.updateIfDifferent(props)) {
            LOG.debug("configuration {} set to {}", pid, props);
        }
    }

    private record Setting(String key, String frameworkProperty, Object defaultValue, Function<String, Object> parse) {
    }
}
