package org.mcm.control.internal.sessions;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.control.Counters;
import org.osgi.service.component.annotations.Component;

/**
 * Named monotonic counters shared by the proxy's components (requests, rejections, protocol errors...). Registered
 * under its own class for the control bundle's components and as the api's {@link Counters} for the other bundles
 * (the gRPC control plane counts into it, the console's {@code /metrics} reads it).
 */
@Component(service = {ProxyCounters.class, Counters.class})
public final class ProxyCounters implements Counters {

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    @Override
    public void increment(String name) {
        counters.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    @Override
    public long get(String name) {
        LongAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    @Override
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
