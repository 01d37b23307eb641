package org.mcm.nmos.internal;

import java.time.Instant;

/**
 * NMOS timestamps: TAI seconds and nanoseconds since the PTP epoch written {@code <seconds>:<nanoseconds>}. The
 * host clock is UTC; TAI runs 37 s ahead of it (the leap seconds since 1972, unchanged since 2017).
 */
final class Tai {

    static final long TAI_MINUS_UTC = 37;

    private Tai() {
    }

    /** Now, as TAI nanoseconds. */
    static long nowNanos() {
        Instant now = Instant.now();
        return (now.getEpochSecond() + TAI_MINUS_UTC) * 1_000_000_000L + now.getNano();
    }

    static String format(long taiNanos) {
        return Long.toString(Math.floorDiv(taiNanos, 1_000_000_000L)) + ":" + Math.floorMod(taiNanos, 1_000_000_000L);
    }

    /** Parses {@code <seconds>:<nanoseconds>}; throws IllegalArgumentException naming the problem. */
    static long parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not a TAI time <seconds>:<nanoseconds>");
        }
        try {
            long s = Long.parseLong(text.substring(0, colon));
            long n = Long.parseLong(text.substring(colon + 1));
            if (s < 0 || n < 0 || n > 999_999_999L || s > Long.MAX_VALUE / 1_000_000_000L - 1) {
                throw new IllegalArgumentException("'" + text + "' is out of range for a TAI time");
            }
            return s * 1_000_000_000L + n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a TAI time <seconds>:<nanoseconds>", e);
        }
    }
}
