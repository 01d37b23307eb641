package org.mcm.control.internal.config;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command-line flags of this run ({@code -t}, {@code -g}, {@code -i}, {@code -d}, {@code --memif-dir}; framework
 * properties set by the launcher), applied without storing them in the operator's configurations: the flags apply
 * to the run they are given for, the stored values (Web Console, {@code .cfg}) to runs without them. At start a flag
 * wins over the stored value (a different stored value is named in a warning); a change the operator makes while
 * the proxy runs wins over the flag from then on (the latest decision wins) and is stored.
 *
 * <p>The proxy's listeners lay the flags over their configuration ({@link #overlay}); the data-plane flags, which
 * transport bundles read, go into {@value LaunchConfiguration#DATAPLANE_RUN_PID}, written at every start (with
 * only a marker when the run has none, never deleted). {@code -d kernel:<if>} without {@code -i}: when the stored media address is not
 * one of that interface's addresses, the interface's first IPv4 address (else its first address) is used.
 *
 * <p>Also the api's {@link org.mcm.api.control.LaunchFlags} for bundles outside control (the gRPC control plane lays
 * {@code -g} over {@value LaunchConfiguration#GRPC_PID}); what the operator changed during the run is remembered
 * here, so it holds across restarts of those bundles.
 */
@Component(service = {LaunchOverrides.class, org.mcm.api.control.LaunchFlags.class,
        org.osgi.service.cm.ConfigurationListener.class}, immediate = true)
public class LaunchOverrides implements org.mcm.api.control.LaunchFlags, org.osgi.service.cm.ConfigurationListener {

    private static final Logger LOG = LoggerFactory.getLogger(LaunchOverrides.class);

    /** pid → key → value from the command line. */
    private volatile Map<String, Map<String, Object>> flags = Map.of();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private Function<String, NetworkInterface> interfaces = LaunchOverrides::byName;

    @org.osgi.service.component.annotations.Reference
    org.osgi.service.cm.ConfigurationAdmin cm;

    /** Ordering only: the defaults are stored first, so what this run first reads is the stored state. */
    @org.osgi.service.component.annotations.Reference
    LaunchConfiguration defaults;

    @Activate
    void activate(BundleContext ctx) {
        activate(ctx::getProperty);
        try {
            writeDataPlaneRun();
        } catch (java.io.IOException | RuntimeException e) {
            LOG.error("ERROR: cannot apply the data-plane flags of this run: {}", e.toString());
        }
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

    /**
     * Writes this run's -i/-d into the run PID; a run with neither writes only {@link #RUN_NO_FLAGS}. The PID is
     * never deleted: Felix SCR 2.2.18, on the deletion of one PID of a component with several, configured the
     * component from the first PID alone from then on, so the transports lost their own PID's settings (a
     * {@code deploy/org.mcm.transport.st2110.cfg} present at start did not reach them).
     */
    private void writeDataPlaneRun() throws java.io.IOException {
        org.osgi.service.cm.Configuration run = cm.getConfiguration(LaunchConfiguration.DATAPLANE_RUN_PID, "?");
        Map<String, Object> dp = flags.get(LaunchConfiguration.DATAPLANE_PID);
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        if (dp != null && !dp.isEmpty()) {
            java.util.Dictionary<String, Object> stored = cm.getConfiguration(LaunchConfiguration.DATAPLANE_PID, "?").getProperties();
            for (Map.Entry<String, Object> e : dataPlaneRun(stored == null ? null : stored.get("ip")).entrySet()) {
                if (holds(LaunchConfiguration.DATAPLANE_PID, e.getKey(), stored == null ? null : stored.get(e.getKey()), e.getValue())) {
                    props.put(e.getKey(), e.getValue());
                }
            }
        }
        if (props.isEmpty()) {
            props.put(RUN_NO_FLAGS, Boolean.TRUE);
        }
        run.updateIfDifferent(props);
    }

    /** The run PID's only property when this run sets no data-plane flag (-i/-d). */
    static final String RUN_NO_FLAGS = "mcm.run.noDataPlaneFlags";

    /** The operator changed the data plane during the run: the flags it changed stop applying. */
    @Override
    public void configurationEvent(org.osgi.service.cm.ConfigurationEvent event) {
        if (event.getType() == org.osgi.service.cm.ConfigurationEvent.CM_UPDATED
                && LaunchConfiguration.DATAPLANE_PID.equals(event.getPid())
                && flags.containsKey(LaunchConfiguration.DATAPLANE_PID)) {
            try {
                writeDataPlaneRun();
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("cannot update this run's data-plane flags: {}", e.toString());
            }
        }
    }

    /** This run's data-plane values: the flags, plus the device's address when -d comes without -i. */
    Map<String, Object> dataPlaneRun(Object storedIp) {
        Map<String, Object> dp = new LinkedHashMap<>(flags.getOrDefault(LaunchConfiguration.DATAPLANE_PID, Map.of()));
        if (dp.containsKey("device") && !dp.containsKey("ip")) {
            String ip = addressFor(String.valueOf(dp.get("device")), storedIp == null ? "127.0.0.1" : storedIp.toString());
            if (ip != null) {
                dp.put("ip", ip);
            }
        }
        return dp;
    }

    /**
     * The configuration with this run's flags for {@code pid} laid over it: a view of the annotation-typed
     * configuration whose methods named like a flagged key return the flag's value.
     */
    @Override
    @SuppressWarnings("unchecked")
    public <A> A overlay(String pid, A config, Class<A> type) {
        Map<String, Object> forPid = flags.get(pid);
        if (forPid == null || forPid.isEmpty()) {
            return config;
        }
        Map<String, Object> effective = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : forPid.entrySet()) {
            Object stored;
            try {
                stored = type.getMethod(e.getKey()).invoke(config);
            } catch (ReflectiveOperationException | RuntimeException x) {
                continue; // no such attribute
            }
            if (holds(pid, e.getKey(), stored, e.getValue())) {
                effective.put(e.getKey(), e.getValue());
            }
        }
        if (effective.isEmpty()) {
            return config;
        }
        return (A) java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    if (method.getParameterCount() == 0 && effective.containsKey(method.getName())) {
                        Object v = effective.get(method.getName());
                        Class<?> r = method.getReturnType();
                        if (r == int.class) {
                            return ((Number) v).intValue();
                        }
                        return r == String.class ? String.valueOf(v) : v;
                    }
                    try {
                        return method.invoke(config, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The stored value of each flagged setting when this run first read it: changed since = the operator's. */
    private final Map<String, String> storedAtStart = new ConcurrentHashMap<>();
    /** Flagged settings the operator changed during the run: their flag no longer applies. */
    private final Set<String> released = ConcurrentHashMap.newKeySet();

    /**
     * Whether the flag still holds over the stored value: yes until the stored value changes during the run (an
     * edit in the Web Console or a .cfg): the latest decision wins, and the flag is dropped for the rest of the run.
     */
    boolean holds(String pid, String key, Object stored, Object flag) {
        String id = pid + "/" + key;
        if (released.contains(id)) {
            return false;
        }
        String now = String.valueOf(stored);
        String first = storedAtStart.putIfAbsent(id, now);
        if (first != null && !first.equals(now)) {
            released.add(id);
            LOG.info("{} {}: changed to {} during the run: it replaces the command line's {} now", pid, key, stored, flag);
            return false;
        }
        if (first == null && !now.equals(String.valueOf(flag)) && !isDefault(pid, key, stored)
                && warned.add(id + "=" + now)) {
            LOG.warn("{} {}: the command line's {} holds for this run over the stored {} (Web Console / .cfg); the "
                    + "stored value applies when the proxy starts without that flag, or when it is changed while it "
                    + "runs", pid, key, flag, stored);
        }
        return true;
    }

    /** The stored value is the built-in default (nothing an operator chose): no warning needed. */
    private static boolean isDefault(String pid, String key, Object stored) {
        for (LaunchConfiguration.Setting s : LaunchConfiguration.SETTINGS) {
            if (s.pid().equals(pid) && s.key().equals(key)) {
                return String.valueOf(s.defaultValue()).equals(String.valueOf(stored));
            }
        }
        return false;
    }

    /** For tests: how interface names are looked up. */
    void interfaces(Function<String, NetworkInterface> lookup) {
        this.interfaces = lookup;
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
