package org.mcm.transport.st2110;

/**
 * When a paced video sender starts each frame, and which frames it gives up: the rule that keeps a sender's queue
 * from holding a standing backlog (which a send grid fixed at the frame rate never drains).
 *
 * <p>A frame starts as soon as it is there, so the send grid follows the app's hand-over times instead of a grid
 * fixed at the session's first frame; the only limit is the spacing between two frame starts:
 * <ul>
 * <li>{@code catchup} (the default): at least the active period (the part of the frame period the packets are
 * spread over, 1080/1125 of it). A frame that is on time starts when the app hands it over; frames that queued up
 * behind a late one (a slow start, a stall) go out back to back without the vertical-blanking gap, so the packet
 * rate never exceeds the one inside a frame and the sender runs at most 1125/1080 of the frame rate (4 % faster)
 * until the queue is empty: a backlog of one frame is gone after 25 frames. Nothing is dropped for lateness; frames
 * started early are counted ({@code frames_caught_up}).</li>
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

    private final long period;
    private final long minSpacing;
    private final Mode mode;
    private long lastStart;
    private boolean started;

    /** {@code activeNanos}: the part of the frame period a frame's packets are spread over. */
    TxSchedule(long periodNanos, long activeNanos, Mode mode) {
        this.period = periodNanos;
        this.mode = mode;
        this.minSpacing = mode == Mode.KEEP ? periodNanos : activeNanos;
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
        return started && now - (lastStart + minSpacing) < 0 ? lastStart + minSpacing : now;
    }

    /**
     * Whether a frame handed over at {@code handedOver}, with a newer frame waiting behind it ({@code newerWaiting}),
     * is given up at {@code now}.
     */
    boolean giveUp(long handedOver, boolean newerWaiting, long now) {
        return mode == Mode.DROP && newerWaiting && earliestStart(now) - handedOver > period;
    }

    /**
     * Records that a frame handed over at {@code handedOver} starts at {@code start} (from {@link #earliestStart});
     * true if that is a catch-up start: sooner than a frame period after the previous start, for a frame that was
     * already waiting when the previous one's packets ended.
     */
    boolean started(long start, long handedOver) {
        boolean early = started && start - lastStart < period && handedOver - (lastStart + minSpacing) <= 0;
        lastStart = start;
        started = true;
        return early;
    }

    Mode mode() {
        return mode;
    }
}
