package org.mcm.control.internal.util;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One log line per event, rate-limited per source: each source (a peer address) may log {@code burst} lines per
 * window; further lines in the window are only counted, and the next line let through says how many were held
 * back. Hostile peers cannot flood the log, and the operator still sees that something happened and from where.
 * The map of sources is bounded: when full, idle entries are dropped.
 */
public final class LogLimiter {

    private static final int MAX_SOURCES = 4096;

    private final int burst;
    private final long windowNanos;
    private final LongSupplier clock;
    private final Map<String, Window> sources = new ConcurrentHashMap<>();

    private static final class Window {
        long start;
        int lines;
        long held;
    }

    public LogLimiter(int burst, long windowMillis) {
        this(burst, windowMillis, System::nanoTime);
    }

    LogLimiter(int burst, long windowMillis, LongSupplier clock) {
        this.burst = burst;
        this.windowNanos = windowMillis * 1_000_000L;
        this.clock = clock;
    }

    /**
     * Whether a line for this source may be logged now: -1 = no (counted as held back); otherwise the number of
     * lines held back since the last one let through (0 mostly), for the caller to mention.
     */
    public long admit(String source) {
        long now = clock.getAsLong();
        if (sources.size() >= MAX_SOURCES && !sources.containsKey(source)) {
            sources.values().removeIf(w -> now - w.start > windowNanos);
            if (sources.size() >= MAX_SOURCES) {
                sources.clear();
            }
        }
        Window w = sources.computeIfAbsent(source, k -> {
            Window n = new Window();
            n.start = now;
            return n;
        });
        synchronized (w) {
            if (now - w.start > windowNanos) {
                w.start = now;
                w.lines = 0;
            }
            if (w.lines >= burst) {
                w.held++;
                return -1;
            }
            w.lines++;
            long held = w.held;
            w.held = 0;
            return held;
        }
    }

    /** " (N similar lines held back)" when n &gt; 0, else "". */
    public static String held(long n) {
        return n > 0 ? " (" + n + " similar lines from this source held back)" : "";
    }
}
