package org.mcm.transport.st2110;

/**
 * When the paced ST 2110-22 sender sends each encoded frame: a grid of frame slots fixed at the first frame, one
 * frame period apart, each frame's packets spread over its slot's active period (1080/1125 of the period).
 *
 * <p>A frame ready after its slot began (a slow encode, the machine busy for a while) is <em>caught up</em>, not
 * given up: it starts when it is ready (or when the previous frame's packets end) and is spread over what is left of
 * its slot's active period, but never over less than the active period divided by {@link #MAX_SPEEDUP}; the grid
 * stays where it was, so the next frames, which the encoder makes back to back while it is behind, take their own
 * slots again as soon as it is ahead. Only a frame more than {@link #MAX_LATE_PERIODS} frame periods late (a long
 * stall: the backlog would take many frames to work off) restarts the grid at its ready time, which gives up the
 * time it was late. Before session 14 every frame more than one period late restarted the grid, so each slow encode
 * of a slow minute lost its lateness for good (the sender's rate stayed below the frame rate although the encoder
 * made up for it in the next frames). Pure arithmetic on nanosecond times; the sender's thread asks it.
 */
final class JxsSendGrid {
    /** A late frame's packets go out at most this many times faster than an on-time frame's. */
    static final int MAX_SPEEDUP = 4;
    /** A frame later than this many frame periods restarts the grid. */
    static final int MAX_LATE_PERIODS = 4;

    private final long period;
    private final long active;
    private final long minSpan;
    private boolean started;
    private long slot; // the start of the next frame's slot
    private long lastEnd; // when the previous frame's packets end
    private long start;
    private long span;
    private long late;
    private long lateNanos;
    private long restarts;
    private long restartNanos;

    JxsSendGrid(long periodNanos, long activeNanos) {
        if (periodNanos <= 0 || activeNanos <= 0 || activeNanos > periodNanos) {
            throw new IllegalArgumentException("period " + periodNanos + " ns, active " + activeNanos + " ns");
        }
        this.period = periodNanos;
        this.active = activeNanos;
        this.minSpan = activeNanos / MAX_SPEEDUP;
    }

    /**
     * Places the next frame, ready to send at {@code now}: then {@link #start()} and {@link #span()} say when its
     * packets go (packet i of n at {@code start + span * i / n}).
     */
    void place(long now) {
        if (!started) {
            started = true;
            slot = now;
            lastEnd = now;
        }
        long s = Math.max(slot, Math.max(now, lastEnd));
        if (s - slot > MAX_LATE_PERIODS * period) {
            restarts++;
            restartNanos += s - slot;
            slot = s;
        }
        if (s - slot > 0) {
            late++;
            lateNanos += s - slot;
        }
        start = s;
        span = Math.max(minSpan, slot + active - s);
        lastEnd = s + span;
        slot += period;
    }

    /** When the placed frame's first packet goes. */
    long start() {
        return start;
    }

    /** The time its packets are spread over. */
    long span() {
        return span;
    }

    /** The start of the next frame's slot. */
    long nextSlot() {
        return slot;
    }

    /** Frames that started after their slot began. */
    long late() {
        return late;
    }

    /** The sum of how late they started. */
    long lateNanos() {
        return lateNanos;
    }

    /** Frames that restarted the grid. */
    long restarts() {
        return restarts;
    }

    /** The time the restarts gave up. */
    long restartNanos() {
        return restartNanos;
    }
}
