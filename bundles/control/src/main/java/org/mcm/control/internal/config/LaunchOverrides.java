package org.mcm.control.internal.config;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lays the command-line flags of this run ({@code -t}, {@code -g}, {@code -i}, {@code -d}, {@code --memif-dir}, as
 * framework properties) over the stored configuration each time ConfigAdmin hands it to a component, without
 * storing them: the flags apply to the run they are given for, the stored values (Web Console, {@code .cfg}) apply
 * to runs without them. A flag wins over the stored value during its run; a different stored value is named in a
 * warning once, so an operator who edits a flagged setting knows it takes effect at the next start without the flag.
 *
 * <p>{@code -d kernel:<if>} without {@code -i}: when the media address in force is not one of that interface's
 * addresses, the interface's first IPv4 address (else its first address) is used for this run.
 */
@Component(service = ConfigurationPlugin.class, property = "service.cmRanking:Integer=100")
public class LaunchOverrides implements ConfigurationPlugin {

    private static final Logger LOG = LoggerFactory.getLogger(LaunchOverrides.class);

    /** pid → key → value from the command line. */
    private volatile Map<String, Map<String, Object>> flags = Map.of();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private Function<String, NetworkInterface> interfaces = LaunchOverrides::byName;

    @Activate
    void activate(BundleContext ctx) {
        activate(ctx::getProperty);
    }

    void activate(Function<String, String> frameworkProperty) {
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        for (LaunchConfiguration.Setting s : LaunchConfiguration.SETTINGS) {
            String v = frameworkProperty.apply(s.frameworkProperty());
            if (v != null && !v.isBlank()) {
                try {
                    m.computeIfAbsent(s.pid(), k -> new LinkedHashMap<>()).put(s.key(), s.parse().apply(v.trim()));
                } catch (RuntimeException e) {
                    LOG.warn("ignoring {}={}: {}", s.frameworkProperty(), v, e.toString());
                }
            }
        }
        flags = m;
        if (!m.isEmpty()) {
            LOG.info("command-line settings for this run (not stored): {}", m);
        }
    }

    /** For tests: how interface names are looked up. */
    void interfaces(Function<String, NetworkInterface> lookup) {
        this.interfaces = lookup;
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        Object pid = properties.get("service.pid");
        Map<String, Object> forPid = pid == null ? null : flags.get(pid.toString());
        if (forPid == null) {
            return;
        }
        for (Map.Entry<String, Object> e : forPid.entrySet()) {
            Object stored = properties.get(e.getKey());
            properties.put(e.getKey(), e.getValue());
            if (stored != null && !Objects.equals(String.valueOf(stored), String.valueOf(e.getValue()))
                    && warned.add(pid + "/" + e.getKey() + "=" + stored)) {
                LOG.warn("{} {}: the command line's {} holds for this run over the stored {} (Web Console / .cfg); "
                        + "the stored value applies when the proxy starts without that flag", pid, e.getKey(),
                        e.getValue(), stored);
            }
        }
        if (LaunchConfiguration.DATAPLANE_PID.equals(pid) && forPid.containsKey("device") && !forPid.containsKey("ip")) {
            String ip = addressFor(String.valueOf(forPid.get("device")), String.valueOf(properties.get("ip")));
            if (ip != null) {
                properties.put("ip", ip);
            }
        }
    }

    /**
     * The media address for a device given without {@code -i}: null to keep {@code ip} (it is one of the
     * interface's, or the device is no interface name), else the interface's first IPv4 (else first) address.
     */
    String addressFor(String device, String ip) {
        String name = interfaceName(device);
        if (name == null) {
            return null;
        }
        NetworkInterface nif = interfaces.apply(name);
        if (nif == null) {
            return null;
        }
        InetAddress first = null;
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
            if (a.getHostAddress().equals(ip) || a.getHostAddress().split("%")[0].equals(ip)) {
                return null;
            }
            if (first == null || !(first instanceof java.net.Inet4Address) && a instanceof java.net.Inet4Address) {
                first = a;
            }
        }
        if (first == null) {
            return null;
        }
        String chosen = first.getHostAddress().split("%")[0];
        if (warned.add("ip-from-device/" + device)) {
            LOG.info("media address {} (of {}) for this run: -d given without -i, and {} is not on that interface",
                    chosen, device, ip);
        }
        return chosen;
    }

    /** The interface name of {@code kernel:<if>}, {@code native_af_xdp:<if>} or a bare name; null for a PCI address. */
    static String interfaceName(String device) {
        if (device == null || device.isBlank() || device.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            return null;
        }
        int colon = device.indexOf(':');
        return colon >= 0 ? device.substring(colon + 1) : device;
    }

    private static NetworkInterface byName(String name) {
        try {
            return NetworkInterface.getByName(name);
        } catch (SocketException e) {
            return null;
        }
    }
}
