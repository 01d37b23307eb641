package org.mcm.transport.st2110;

/**
 * When a paced video sender starts each frame, and which frames it gives up: the rule that keeps a sender's queue
 * from holding a standing backlog (which a send grid fixed at the frame rate never drains).
 *
 * <p>A frame starts as soon as it is there, so the send grid follows the app's hand-over times instead of a grid
 * fixed at the session's first frame; the only limit is the spacing between two frame starts:
 * <ul>
 * <li>{@code catchup} (the default): a frame that is on time starts when the app hands it over and its packets
 * are spread over the active period (1080/1125 of the frame period).
 * A frame that starts late (it waited behind the previous one: the app's hand-over jittered, the sender stalled,
 * frames queued up) is spread over a shorter span, so that its last packet still leaves an active period after
 * its hand-over, but never over less than half the active period: the packet rate of a late frame is at most twice
 * the one inside an on-time frame, and the next frame starts when the previous one's span ends. A frame that
 * waited a little is back on time at once; a backlog is worked off at up to about two frames per frame period (one
 * frame of backlog is gone after about two frames, where back to back sending at the on-time packet rate took 25).
 * Nothing is dropped for lateness; frames started early are counted ({@code frames_caught_up}).</li>
 * <li>{@code drop} (live, shortest latency): as {@code catchup}, and a frame that would start more than one frame
 * period after the app handed it over while a newer one is waiting is not sent (counted as
 * {@code frames_dropped_late}; its media time passes unsent). A frame then goes out within about its frame period
 * at once, whatever backlog there was.</li>
 * <li>{@code keep} (playback paced by the proxy): at least the frame period. Every frame is sent in order at the
 * frame rate; an app that puts frames as fast as it gets buffers is held to the frame rate this way, and its
 * frames wait in the queue (latency grows with the queue).</li>
 * </ul>
 * A full queue still refuses the newest frame ({@code frames_dropped}) in every mode. Pure arithmetic on
 * nanosecond times, no clock of its own: the session's thread asks it.
 */
final class TxSchedule {

    enum Mode {
        CATCHUP, DROP, KEEP
    }

    /** The active period of a frame period: 1080/1125 of it, ST 2110-21's gapped read schedule. */
    static long activeOf(long periodNanos) {
        return periodNanos * 1080 / 1125;
    }

    /** Largest {@code txCatchupSpeedup} accepted: a late frame spread over a quarter of the active period. */
    static final double MAX_SPEEDUP = 4;

    private final long period;
    private final long active;
    private final Mode mode;
    /** A late frame's packets go out at most this many times faster than an on-time frame's (1: never faster). */
    private final double speedup;
    private long lastStart;
    /** Until when the last started frame sends (its start plus its span); the next one starts no sooner. */
    private long lastEnd;
    private long lastSpan;
    private boolean started;

    /** {@code activeNanos}: the part of the frame period an on-time frame's packets are spread over. */
    TxSchedule(long periodNanos, long activeNanos, Mode mode, double speedup) {
        if (!(speedup >= 1 && speedup <= MAX_SPEEDUP)) {
            throw new IllegalArgumentException("tx_catchup must be from 1 to " + MAX_SPEEDUP + ", got " + speedup);
        }
        this.speedup = speedup;
        this.period = periodNanos;
        this.active = activeNanos;
        this.mode = mode;
        this.lastSpan = activeNanos;
    }

    /** The {@code tx_catchup} connection option if given, else the {@code txCatchupSpeedup} setting. */
    static double speedup(String option, double setting) {
        if (option == null || option.isBlank()) {
            return setting;
        }
        try {
            return Double.parseDouble(option.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tx_catchup must be a number from 1 to " + MAX_SPEEDUP + ", got '" + option + "'");
        }
    }

    /** Parses the {@code txLate} setting / {@code tx_late} connection option (empty: catchup). */
    static Mode mode(String value) {
        String v = value == null ? "" : value.trim();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "", "catchup" -> Mode.CATCHUP;
            case "drop" -> Mode.DROP;
            case "keep" -> Mode.KEEP;
            default -> throw new IllegalArgumentException("tx_late must be catchup, drop or keep, got '" + value + "'");
        };
    }

    /** The earliest time the next frame may start, given it is looked at {@code now}. */
    long earliestStart(long now) {
        long next = mode == Mode.KEEP ? lastStart + period : lastEnd;
        return started && now - next < 0 ? next : now;
    }

    /**
     * The span a frame handed over at {@code handedOver} and starting at {@code start} spreads its packets over:
     * the active period when it is on time (and always with {@code keep}); for a late frame what is left of an
     * active period after its hand-over, at least the active period divided by the speed-up.
     */
    long spanFor(long start, long handedOver) {
        if (mode == Mode.KEEP) {
            return active;
        }
        long left = handedOver + active - start;
        return Math.max((long) (active / speedup), Math.min(active, left));
    }

    /** The span of the frame last {@link #started}. */
    long lastSpan() {
        return lastSpan;
    }

    /**
     * Whether a frame handed over at {@code handedOver}, with a newer frame waiting behind it ({@code newerWaiting}),
     * is given up at {@code now}.
     */
    boolean giveUp(long handedOver, boolean newerWaiting, long now) {
        return mode == Mode.DROP && newerWaiting && earliestStart(now) - handedOver > period;
    }

    /**
     * Records that a frame handed over at {@code handedOver} starts at {@code start} (from {@link #earliestStart}),
     * spread over {@link #spanFor} (then {@link #lastSpan}); true if that is a catch-up start: sooner than a frame
     * period after the previous start, for a frame that was already waiting when the previous one's packets ended.
     */
    boolean started(long start, long handedOver) {
        boolean early = started && start - lastStart < period && handedOver - lastEnd <= 0;
        lastSpan = spanFor(start, handedOver);
        lastStart = start;
        lastEnd = start + lastSpan;
        started = true;
        return early;
    }

    Mode mode() {
        return mode;
    }
}
