package org.mcm.control.internal.config;

import java.io.IOException;
import java.util.Dictionary;
import java.util.List;
import java.util.Hashtable;
import java.util.function.Function;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the listener and data-plane configurations with their defaults when none exist yet (the listeners require
 * their configuration). The command-line choices of {@code media_proxy} (passed by the launcher as framework
 * properties {@code mcm.sdk.port}, {@code mcm.grpc.port}, {@code mcm.dataplane.ip}, ...) are NOT written here: they
 * apply to the run they are given for only ({@link LaunchOverrides}). ConfigAdmin
 * (the Web Console's Configuration tab, a {@code .cfg} in {@code deploy/}) holds what persists.
 */
@Component(service = LaunchConfiguration.class, immediate = true)
public class LaunchConfiguration {

    public static final String SDK_PID = "org.mcm.control.sdk";
    public static final String GRPC_PID = "org.mcm.control.grpc";
    public static final String DATAPLANE_PID = "org.mcm.dataplane";
    /**
     * This run's data-plane flags ({@code -i}, {@code -d}), rewritten at every start and deleted when the run has
     * none: readers of {@link #DATAPLANE_PID} list it after that PID (DS merges later PIDs over earlier ones), so a
     * flag holds for its run and never outlives it.
     */
    public static final String DATAPLANE_RUN_PID = "org.mcm.dataplane.run";

    /** The settings the command line can give for one run: configuration key, framework property, default. */
    static final List<Setting> SETTINGS = List.of(
            new Setting(SDK_PID, "port", "mcm.sdk.port", 8002, Integer::valueOf),
            new Setting(SDK_PID, "bindAddress", "mcm.sdk.bind", "0.0.0.0", s -> s),
            new Setting(SDK_PID, "memifDir", "mcm.memif.dir", "/run/mcm", s -> s),
            new Setting(GRPC_PID, "port", "mcm.grpc.port", 8001, Integer::valueOf),
            new Setting(GRPC_PID, "bindAddress", "mcm.grpc.bind", "0.0.0.0", s -> s),
            new Setting(DATAPLANE_PID, "ip", "mcm.dataplane.ip", "127.0.0.1", s -> s),
            new Setting(DATAPLANE_PID, "device", "mcm.dataplane.device", "kernel:lo", s -> s));

    private static final Logger LOG = LoggerFactory.getLogger(LaunchConfiguration.class);

    @Reference
    ConfigurationAdmin cm;

    @Activate
    void activate() {
        try {
            for (String pid : List.of(SDK_PID, GRPC_PID, DATAPLANE_PID)) {
                seed(pid);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("ERROR: cannot write the default configuration: {}", e.toString());
        }
    }

    private void seed(String pid) throws IOException {
        Configuration c = cm.getConfiguration(pid, "?");
        Dictionary<String, Object> props = c.getProperties();
        if (props == null) {
            props = new Hashtable<>();
        }
        for (Setting s : SETTINGS) {
            if (s.pid.equals(pid) && props.get(s.key) == null) {
                props.put(s.key, s.defaultValue);
            }
        }
        if (c.updateIfDifferent(props)) {
            LOG.debug("configuration {} set to {}", pid, props);
        }
    }

    record Setting(String pid, String key, String frameworkProperty, Object defaultValue, Function<String, Object> parse) {
    }
}
