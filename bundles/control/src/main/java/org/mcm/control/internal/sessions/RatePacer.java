package org.mcm.control.internal.sessions;

import java.util.concurrent.locks.LockSupport;

/**
 * Holds a stream of frames to a rate, letting through bursts of up to {@link #BURST} frames (the generic cell rate
 * algorithm: each frame's theoretical time is one period after the previous one's, and a frame may go up to
 * {@code BURST - 1} periods before its theoretical time). A frame handed at or below the rate, early or late by up to a
 * period, never waits; only a sender that keeps handing frames faster than the rate does.
 */
final class RatePacer {

    /** Frames that may go back to back before the rate holds the next. */
    static final int BURST = 2;

    /** Theoretical time of the next frame (System.nanoTime scale); 0 before the first. */
    private long tat;
    private boolean started;

    /**
     * Waits, if the frame comes too early for periodNanos a frame (0 or less: never), until it may go; returns how
     * long it waited in nanoseconds (0 when it went at once). Interrupts end the wait early (status kept).
     */
    synchronized long await(long periodNanos) {
        if (periodNanos <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        long tau = (BURST - 1) * periodNanos;
        long go = started && tat - tau - now > 0 ? tat - tau : now;
        long waited = 0;
        if (go != now) {
            for (long w = go - System.nanoTime(); w > 0 && !Thread.currentThread().isInterrupted(); w = go - System.nanoTime()) {
                LockSupport.parkNanos(this, w);
            }
            waited = Math.max(0, System.nanoTime() - now);
        }
        tat = (started && tat - go > 0 ? tat : go) + periodNanos;
        started = true;
        return waited;
    }
}
