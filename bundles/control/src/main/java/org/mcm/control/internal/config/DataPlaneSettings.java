package org.mcm.control.internal.config;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the metatype of the data-plane settings ({@code -i/--ip}, {@code -d/--dev}) so the Web Console can edit
 * them; transport bundles read the same PID ({@value LaunchConfiguration#DATAPLANE_PID}) as one of their
 * configuration PIDs.
 */
@Component(immediate = true, configurationPid = {LaunchConfiguration.DATAPLANE_PID, LaunchConfiguration.DATAPLANE_RUN_PID},
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {})
public class DataPlaneSettings {

    /** Carries the Metatype of the data-plane PID for the Web Console. */
    @Component(service = {}, configurationPid = LaunchConfiguration.DATAPLANE_PID)
    @Designate(ocd = DataPlaneSettings.Config.class)
    public static final class SettingsMetatype {
    }

    /** Ordering only: this run's data-plane flags (-i/-d) are in place ({@value LaunchConfiguration#DATAPLANE_RUN_PID}) first. */
    @org.osgi.service.component.annotations.Reference
    org.mcm.control.internal.config.LaunchOverrides launchOverrides;


    @ObjectClassDefinition(name = "MCM data plane", description = "Where media leaves and enters this proxy.")
    public @interface Config {
        @AttributeDefinition(name = "Media IP address", description = "Local address that transports send from and receive on (-i/--ip). Loopback by default.")
        String ip() default "127.0.0.1";

        @AttributeDefinition(name = "Device", description = "Network device (-d/--dev): kernel:<ifname>, the interface multicast senders send on and receivers join groups on.")
        String device() default "kernel:lo";
    }

    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneSettings.class);

    @Activate
    @Modified
    void activate(Config c) {
        LOG.info("data plane: ip {} device {} (in force for this run)", c.ip(), c.device());
        String name = LaunchOverrides.interfaceName(c.device());
        try {
            if (name != null && java.net.NetworkInterface.getByName(name) == null) {
                LOG.warn("data plane device {}: no network interface '{}' on this machine; multicast senders and "
                        + "receivers will fail to open until it exists or the device is changed", c.device(), name);
            }
        } catch (java.net.SocketException e) {
            LOG.warn("data plane device {}: cannot look up interface '{}': {}", c.device(), name, e.getMessage());
        }
    }
}
