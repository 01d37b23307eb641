package org.mcm.control.internal.sessions;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;

/**
 * Named monotonic counters shared by the proxy's components (requests, rejections, protocol errors...). A
 * bundle-private service: only the control bundle can see its class.
 */
@Component(service = ProxyCounters.class)
public final class ProxyCounters {

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    public void increment(String name) {
        counters.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    public long get(String name) {
        LongAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
