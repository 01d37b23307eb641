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
@Component(immediate = true, configurationPid = LaunchConfiguration.DATAPLANE_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = DataPlaneSettings.Config.class)
public class DataPlaneSettings {

    @ObjectClassDefinition(name = "MCM data plane", description = "Where media leaves and enters this proxy.")
    public @interface Config {
        @AttributeDefinition(name = "Media IP address", description = "Local address that transports send from and receive on (-i/--ip). Loopback by default.")
        String ip() default "127.0.0.1";

        @AttributeDefinition(name = "Device", description = "Network device (-d/--dev): kernel:<ifname> for kernel sockets.")
        String device() default "kernel:lo";
    }

    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneSettings.class);

    @Activate
    @Modified
    void activate(Config c) {
        LOG.info("data plane: ip {} device {}", c.ip(), c.device());
    }
}
