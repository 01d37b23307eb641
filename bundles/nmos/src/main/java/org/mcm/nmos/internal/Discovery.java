package org.mcm.nmos.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IS-04 discovery over multicast DNS (DNS-SD on mDNS, jmDNS): browses {@code _nmos-register._tcp} for Registration
 * APIs and orders what it finds by the {@code pri} TXT record (lower first, random among equals), and in
 * peer-to-peer mode advertises the node as {@code _nmos-node._tcp} with the TXT records of IS-04's discovery
 * document. Registry records that do not offer {@code v1.3} over {@code http}/{@code https} without authorization
 * are counted and ignored.
 */
final class Discovery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    static final String REGISTER = "_nmos-register._tcp.local.";
    static final String NODE = "_nmos-node._tcp.local.";
    static final String API_VERSION = "v1.3";

    /** A Registration API found by DNS-SD. */
    record Found(String name, String url, int priority, double tiebreak) {
    }

    private final JmDNS jmdns;
    private final Map<String, Found> found = new ConcurrentHashMap<>();
    private final Runnable onChange;
    private ServiceInfo advertised;
    private Map<String, String> advertisedText = Map.of();
    final LongAdder ignored = new LongAdder();

    /**
     * Starts mDNS on the interface holding {@code address}; {@code onChange} runs (on a jmDNS thread) when the set of
     * registries changes.
     */
    Discovery(InetAddress address, String hostName, Runnable onChange) throws IOException {
        this.onChange = onChange;
        this.jmdns = JmDNS.create(address, hostName);
    }

    void browse() {
        jmdns.addServiceListener(REGISTER, new ServiceListener() {
            @Override
            public void serviceAdded(ServiceEvent event) {
                jmdns.requestServiceInfo(event.getType(), event.getName(), 1000);
            }

            @Override
            public void serviceRemoved(ServiceEvent event) {
                if (found.remove(event.getName()) != null) {
                    LOG.info("NMOS: registry {} withdrawn from DNS-SD", event.getName());
                    onChange.run();
                }
            }

            @Override
            public void serviceResolved(ServiceEvent event) {
                resolved(event.getInfo());
            }
        });
    }

    private void resolved(ServiceInfo info) {
        if (!info.getPropertyNames().hasMoreElements()) {
            return; // resolved before its TXT record arrived: the full record follows
        }
        Found f = parse(info);
        if (f == null) {
            if (found.remove(info.getName()) != null) {
                onChange.run();
            }
            return;
        }
        Found was = found.get(f.name());
        if (was != null && was.url().equals(f.url()) && was.priority() == f.priority()) {
            return;
        }
        found.put(f.name(), f);
        LOG.info("NMOS: registry {} found by DNS-SD at {} (pri {})", f.name(), f.url(), f.priority());
        onChange.run();
    }

    /** The registry a record describes, or null (counted) when the node cannot use it. */
    Found parse(ServiceInfo info) {
        Map<String, String> txt = new LinkedHashMap<>();
        for (String k : List.of("api_proto", "api_ver", "api_auth", "pri")) {
            String v = info.getPropertyString(k);
            if (v != null) {
                txt.put(k, v);
            }
        }
        String host = null;
        for (Inet4Address a : info.getInet4Addresses()) {
            host = a.getHostAddress();
            break;
        }
        if (host == null && info.getInet6Addresses().length > 0) {
            host = "[" + info.getInet6Addresses()[0].getHostAddress() + "]";
        }
        return check(info.getName(), txt, host, info.getPort(), ignored);
    }

    /**
     * The registry a DNS-SD record (its TXT keys, the address and port its SRV leads to) describes, or null when the
     * node cannot use it (counted in {@code ignored} and logged): {@code pri} an integer, {@code api_proto} http or
     * https, {@code api_ver} listing v1.3, {@code api_auth} false (IS-04's discovery rules).
     */
    static Found check(String name, Map<String, String> txt, String host, int port, LongAdder ignored) {
        return check(name, txt, host, port, ignored, false);
    }

    /** As {@link #check(String, Map, String, int, LongAdder)}; {@code again}: the record was refused before, say nothing. */
    static Found check(String name, Map<String, String> txt, String host, int port, LongAdder ignored, boolean again) {
        String proto = txt.getOrDefault("api_proto", "http");
        String versions = txt.getOrDefault("api_ver", "");
        String auth = txt.getOrDefault("api_auth", "false");
        String pri = txt.getOrDefault("pri", "");
        String why = null;
        int priority = 0;
        try {
            priority = Integer.parseInt(pri.trim());
        } catch (NumberFormatException e) {
            why = "pri '" + pri + "' is not an integer";
        }
        if (why == null && !proto.equals("http") && !proto.equals("https")) {
            why = "api_proto '" + proto + "'";
        }
        if (why == null && !List.of(versions.split(",")).contains(API_VERSION)) {
            why = "api_ver '" + versions + "' lacks " + API_VERSION;
        }
        if (why == null && !auth.equals("false")) {
            why = "api_auth '" + auth + "' (this node does not do IS-10 authorization)";
        }
        if (why == null && (host == null || port <= 0)) {
            why = "no address or port";
        }
        if (why != null) {
            if (again) {
                return null;
            }
            ignored.increment();
            LOG.warn("NMOS: DNS-SD registry record {} ignored: {}", name, why);
            return null;
        }
        return new Found(name, proto + "://" + host + ":" + port, priority, ThreadLocalRandom.current().nextDouble());
    }

    /** The usable registries found now. */
    List<Found> found() {
        return new ArrayList<>(found.values());
    }

    /** How many registry records are usable now. */
    int count() {
        return found.size();
    }

    /** The registries found, best first: by {@code pri}, then in an order drawn at random once per record. */
    List<String> registries() {
        return order(new ArrayList<>(found.values()));
    }

    /** Registry URLs best first: by {@code pri}, then in the order drawn at random once per record. */
    static List<String> order(List<Found> l) {
        l.sort(Comparator.comparingInt(Found::priority).thenComparingDouble(Found::tiebreak));
        List<String> out = new ArrayList<>();
        for (Found f : l) {
            out.add(f.url());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Advertises (or updates the TXT records of) the node's {@code _nmos-node._tcp} service. jmDNS loses a service
     * whose TXT is changed while it still probes for its name (the prober's task is dropped and it is never
     * announced), so a change waits until the first announcement is out; the caller calls again (the tick does) and
     * the records then go out in one re-announcement. True when the records advertised now are {@code txt}.
     */
    synchronized boolean advertise(String name, int port, Map<String, String> txt) throws IOException {
        if (advertised != null && advertised.getPort() == port) {
            if (advertisedText.equals(txt)) {
                return true;
            }
            if (!announced(advertised)) {
                return false;
            }
            advertised.setText(new LinkedHashMap<>(txt));
            advertisedText = Map.copyOf(txt);
            textUpdates.increment();
            return true;
        }
        withdraw();
        ServiceInfo info = ServiceInfo.create(NODE, name, port, 0, 0, new LinkedHashMap<>(txt));
        jmdns.registerService(info);
        advertised = info;
        advertisedAt = System.nanoTime();
        advertisedText = Map.copyOf(txt);
        LOG.info("NMOS: peer-to-peer mode, node advertised as {} on port {}", info.getQualifiedName(), port);
        return true;
    }

    /** TXT record changes sent (re-announcements). */
    final LongAdder textUpdates = new LongAdder();
    private long advertisedAt;
    /** Probing and the first announcement take jmDNS a few seconds; past this the state is not asked for. */
    static final long ANNOUNCE_BOUND_NANOS = 15_000_000_000L;

    /**
     * True once jmDNS has announced the service. The state is public on jmDNS's implementation class only, which
     * its bundle does not export: it is read reflectively, and without it the node waits a fixed bound.
     */
    private boolean announced(ServiceInfo info) {
        try {
            Object r = info.getClass().getMethod("isAnnounced").invoke(info);
            return Boolean.TRUE.equals(r);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return System.nanoTime() - advertisedAt > ANNOUNCE_BOUND_NANOS;
        }
    }

    synchronized boolean advertising() {
        return advertised != null;
    }

    synchronized void withdraw() {
        if (advertised != null) {
            jmdns.unregisterService(advertised);
            advertised = null;
        }
    }

    @Override
    public void close() {
        withdraw();
        try {
            jmdns.close();
        } catch (IOException e) {
            LOG.warn("NMOS: closing mDNS: {}", e.getMessage());
        }
    }
}
