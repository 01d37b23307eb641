package org.mcm.itests.testtransport;

import java.util.Hashtable;

import org.mcm.api.transport.Transport;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Registers one {@link LoopTransport} named by the bundle's {@code MCM-Test-Protocol} header. (A test fixture
 * built into a bundle at test time; product bundles use Declarative Services.)
 */
public final class Activator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        String protocol = context.getBundle().getHeaders().get("MCM-Test-Protocol");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Transport.PROTOCOL_PROPERTY, protocol);
        context.registerService(Transport.class, new LoopTransport(protocol), props);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the service
    }
}
