package org.mcm.console.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-session rates (frames/s, bit/s, loss/s) from successive samples of the counters. A rate is recomputed when
 * the previous sample is at least {@link #MIN_INTERVAL_NANOS} old, so several browsers polling at once see the
 * same figures; counters going backwards (a transport restarted its counting) give a rate of zero, not a negative
 * one.
 */
final class Rates {

    static final long MIN_INTERVAL_NANOS = 500_000_000L;

    record Rate(double framesPerSecond, double bitsPerSecond, double lossPerSecond) {
        static final Rate ZERO = new Rate(0, 0, 0);
    }

    private record Sample(long nanos, SessionFigures figures) {
    }

    private final Map<Long, Sample> samples = new HashMap<>();
    private final Map<Long, Rate> rates = new HashMap<>();

    synchronized Rate update(long sessionId, long nanos, SessionFigures f) {
        Sample prev = samples.get(sessionId);
        if (prev == null) {
            samples.put(sessionId, new Sample(nanos, f));
            return Rate.ZERO;
        }
        long dt = nanos - prev.nanos;
        if (dt < MIN_INTERVAL_NANOS) {
            return rates.getOrDefault(sessionId, Rate.ZERO);
        }
        double seconds = dt / 1e9;
        Rate r = new Rate(perSecond(f.frames() - prev.figures.frames(), seconds),
                perSecond(f.bytes() - prev.figures.bytes(), seconds) * 8,
                perSecond(f.loss() - prev.figures.loss(), seconds));
        samples.put(sessionId, new Sample(nanos, f));
        rates.put(sessionId, r);
        return r;
    }

    /** Forgets sessions that are no longer listed. */
    synchronized void retain(Set<Long> ids) {
        samples.keySet().retainAll(ids);
        rates.keySet().retainAll(ids);
    }

    synchronized int tracked() {
        return samples.size();
    }

    private static double perSecond(long delta, double seconds) {
        return delta <= 0 ? 0 : delta / seconds;
    }
}
