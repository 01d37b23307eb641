package org.mcm.transport.st2110;

import java.util.Arrays;
import java.util.Map;

/**
 * The durations of one stage of a session's frames (e.g. hand-over to first packet), over the last
 * {@link #WINDOW} frames: recorded by the session's thread without allocating, read as p50 / p99 / max in
 * microseconds by {@link #putInto} from any thread (a reader may see a sample being overwritten: these are
 * operator's figures, not accounting). Where a frame's latency goes, stage by stage, with its tail.
 */
final class StageTimes {

    /** Frames the percentiles cover: about 17 s at 60 fps. */
    static final int WINDOW = 1024;

    private final long[] samples = new long[WINDOW];
    private volatile long count;

    /** One frame's duration of this stage (negative values count as 0). */
    void record(long nanos) {
        long n = count;
        samples[(int) (n & (WINDOW - 1))] = Math.max(0, nanos);
        count = n + 1; // volatile write publishes the sample
    }

    long count() {
        return count;
    }

    /** Adds {@code <prefix>_us_p50}, {@code _us_p99} and {@code _us_max} of the window (nothing before a frame). */
    void putInto(Map<String, Long> m, String prefix) {
        long n = count;
        int k = (int) Math.min(n, WINDOW);
        if (k == 0) {
            return;
        }
        long[] s = Arrays.copyOf(samples, k);
        Arrays.sort(s);
        m.put(prefix + "_us_p50", s[percentileIndex(k, 50)] / 1000);
        m.put(prefix + "_us_p99", s[percentileIndex(k, 99)] / 1000);
        m.put(prefix + "_us_max", s[k - 1] / 1000);
    }

    /** Index of the nearest-rank percentile {@code p} of {@code k} sorted samples. */
    static int percentileIndex(int k, int p) {
        return Math.max(0, Math.min(k - 1, (int) Math.ceil(k * p / 100.0) - 1));
    }
}
