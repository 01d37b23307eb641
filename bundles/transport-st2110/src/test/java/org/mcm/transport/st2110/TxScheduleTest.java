package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The late-frame rule of the video sender on simulated hand-over times (no clock, no threads): the sender thread
 * is modelled as {@code VideoTxSession.run} uses {@link TxSchedule}: it looks at the queue's head when it is free
 * (a frame occupies it for the active period after its start), gives up what the rule gives up, and starts at
 * {@link TxSchedule#earliestStart}.
 */
class TxScheduleTest {

    static final long T = 1_000_000_000L / 60;
    static final long ACTIVE = T * 1080 / 1125;
    /** The speed-up most cases run with ({@code tx_catchup=2}); the default 1 has its own cases. */
    static final double FAST = 2;

    /** What the sender did with each frame: its start, or -1 if given up, and the span its packets took. */
    record Run(long[] start, long[] handedOver, int caughtUp, long[] span) {
        int dropped() {
            int n = 0;
            for (long s : start) {
                n += s < 0 ? 1 : 0;
            }
            return n;
        }

        long waitOf(int i) {
            return start[i] - handedOver[i];
        }

        /** From the app's hand-over to the frame's last packet. */
        long latencyOf(int i) {
            return start[i] + span[i] - handedOver[i];
        }
    }

    static Run simulate(TxSchedule.Mode mode, long[] handedOver) {
        return simulate(mode, handedOver, -1, 0);
    }

    /** With the sender stalled for {@code stall} ns after sending frame {@code stallAfter} (a pause, a slow frame). */
    static Run simulate(TxSchedule.Mode mode, long[] handedOver, int stallAfter, long stall) {
        return simulate(mode, FAST, handedOver, stallAfter, stall);
    }

    static Run simulate(TxSchedule.Mode mode, double speedup, long[] handedOver, int stallAfter, long stall) {
        TxSchedule s = new TxSchedule(T, ACTIVE, mode, speedup);
        long[] start = new long[handedOver.length];
        long[] span = new long[handedOver.length];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int next = 0;
        long free = Long.MIN_VALUE;
        int caughtUp = 0;
        while (next < handedOver.length || !queue.isEmpty()) {
            if (queue.isEmpty()) {
                queue.add(next++);
            }
            int head = queue.peek();
            long now = Math.max(free, handedOver[head]);
            while (next < handedOver.length && handedOver[next] <= now) {
                queue.add(next++); // what the app handed over by the time the sender looks
            }
            int f = queue.poll();
            while (s.giveUp(handedOver[f], !queue.isEmpty(), now)) {
                start[f] = -1;
                f = queue.poll();
            }
            long st = s.earliestStart(now);
            if (s.started(st, handedOver[f])) {
                caughtUp++;
            }
            start[f] = st;
            span[f] = s.lastSpan();
            free = st + span[f] + (f == stallAfter ? stall : 0);
        }
        return new Run(start, handedOver, caughtUp, span);
    }

    /** An app on a 60 Hz grid. */
    static long[] onGrid(int frames) {
        long[] a = new long[frames];
        for (int i = 0; i < frames; i++) {
            a[i] = i * T;
        }
        return a;
    }

    /** A backlog: {@code burst} frames at once at t=0, then one per period on the app's grid. */
    static long[] backlog(int frames, int burst) {
        long[] a = new long[frames];
        for (int i = 0; i < frames; i++) {
            a[i] = i < burst ? 0 : (i - burst + 1) * T;
        }
        return a;
    }

    static void assertSpacing(Run r, long min) {
        long prev = Long.MIN_VALUE;
        for (long s : r.start()) {
            if (s >= 0) {
                assertTrue(prev == Long.MIN_VALUE || s - prev >= min, "frame starts " + (s - prev) + " ns apart, less than " + min);
                prev = s;
            }
        }
    }

    @Test
    void anAppOnTimeIsSentWhenItHandsOverInEveryMode() {
        long[] a = new long[600];
        for (int i = 0; i < a.length; i++) {
            a[i] = 5_000_000 + i * T + (i % 7) * 100_000; // a little jitter
        }
        for (TxSchedule.Mode m : TxSchedule.Mode.values()) {
            Run r = simulate(m, a);
            assertEquals(0, r.dropped(), m.toString());
            long maxWait = 0;
            for (int i = 0; i < a.length; i++) {
                maxWait = Math.max(maxWait, r.waitOf(i));
            }
            assertTrue(maxWait <= 600_000, m + ": waited " + maxWait + " ns"); // only the jitter, never a period
        }
    }

    @Test
    void catchupWorksOffABacklogWithoutDroppingAndNeverFasterThanTwiceTheOnTimeRate() {
        Run r = simulate(TxSchedule.Mode.CATCHUP, backlog(300, 4));
        assertEquals(0, r.dropped());
        assertSpacing(r, (long) (ACTIVE / FAST));
        for (int i = 0; i < 300; i++) {
            assertTrue(r.span()[i] >= ACTIVE / 2 && r.span()[i] <= ACTIVE, "frame " + i + " spread over " + r.span()[i]);
        }
        // three frames of backlog (50 ms), each late frame at half the active period gains ~8.7 ms: gone within ~6
        // frames (back to back at the on-time packet rate it took ~75)
        for (int i = 8; i < 300; i++) {
            assertTrue(r.waitOf(i) <= 0, "frame " + i + " waited " + r.waitOf(i) + " ns");
            assertEquals(ACTIVE, r.span()[i], "frame " + i + " is on time again: spread over the active period");
        }
        assertTrue(r.waitOf(3) > T, "the backlog was there at first");
        assertTrue(r.caughtUp() >= 4 && r.caughtUp() <= 7, "caught up " + r.caughtUp());
    }

    @Test
    void aFrameThatWaitedALittleIsSpreadOverWhatIsLeftAndEndsOnTime() {
        // every 10th hand-over comes 1.5 ms late (a late wake-up of the app): the next one, on the app's grid, finds
        // the previous frame still sending (the blanking gap is only 0.67 ms) and waits ~0.8 ms
        long[] a = new long[300];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * T + (i % 10 == 5 ? 1_500_000 : 0);
        }
        Run c = simulate(TxSchedule.Mode.CATCHUP, a);
        for (int i = 0; i < a.length; i++) {
            assertTrue(c.latencyOf(i) <= ACTIVE, "catchup: frame " + i + " ended " + c.latencyOf(i) + " ns after its hand-over");
        }
        assertTrue(c.waitOf(6) > 0 && c.span()[6] == ACTIVE - c.waitOf(6), "the waiting frame was spread over what was left");
        Run k = simulate(TxSchedule.Mode.KEEP, a);
        assertEquals(ACTIVE, k.span()[6], "keep: always the active period");
        assertTrue(k.latencyOf(6) > ACTIVE, "keep: the wait adds to the latency");
    }

    @Test
    void aFrameSpanNeverGoesBelowHalfTheActivePeriod() {
        TxSchedule s = new TxSchedule(T, ACTIVE, TxSchedule.Mode.CATCHUP, FAST);
        assertEquals(ACTIVE, s.spanFor(1000, 1000), "on time");
        assertEquals(ACTIVE - 2_000_000, s.spanFor(2_000_000, 0), "2 ms late");
        assertEquals(ACTIVE / 2, s.spanFor(T, 0), "a period late");
        assertEquals(ACTIVE, s.spanFor(0, 5_000_000), "started before its hand-over (never happens): not stretched");
        assertEquals(ACTIVE, new TxSchedule(T, ACTIVE, TxSchedule.Mode.KEEP, FAST).spanFor(T, 0), "keep");
        assertEquals(ACTIVE / 2, new TxSchedule(T, ACTIVE, TxSchedule.Mode.DROP, FAST).spanFor(T, 0), "drop as catchup");
    }

    @Test
    void dropGivesUpTheOlderFramesAtOnceSoNoFrameWaitsAPeriod() {
        Run r = simulate(TxSchedule.Mode.DROP, backlog(300, 4));
        assertTrue(r.dropped() >= 2 && r.dropped() <= 3, "dropped " + r.dropped());
        assertSpacing(r, (long) (ACTIVE / FAST));
        for (int i = 0; i < 300; i++) {
            if (r.start()[i] >= 0) {
                assertTrue(r.waitOf(i) <= T, "frame " + i + " waited " + r.waitOf(i) + " ns");
            }
        }
        for (int i = 8; i < 300; i++) {
            assertTrue(r.start()[i] >= 0, "frame " + i + " sent");
        }
    }

    @Test
    void keepSendsEveryFrameOnePerPeriodAndTheBacklogStays() {
        Run r = simulate(TxSchedule.Mode.KEEP, backlog(300, 4));
        assertEquals(0, r.dropped());
        assertEquals(0, r.caughtUp());
        assertSpacing(r, T);
        assertTrue(r.waitOf(299) >= 3 * T - 1, "playback: the queue is not worked off, waited " + r.waitOf(299));
    }

    @Test
    void aStalledSenderLeavesNoStandingBacklog() {
        // the sender stalls 60 ms after frame 10 (a slow first frame, a pause): with a grid fixed at the first frame
        // the frames queued meanwhile would wait ever after; here they are worked off (catchup) or given up (drop)
        Run c = simulate(TxSchedule.Mode.CATCHUP, onGrid(300), 10, 60_000_000);
        assertEquals(0, c.dropped());
        assertTrue(c.waitOf(12) > 2 * T, "the stall queued frames: " + c.waitOf(12));
        for (int i = 20; i < 300; i++) { // 60 ms at ~8.7 ms gained per late frame: gone within ~8 frames
            assertTrue(c.waitOf(i) <= 0, "catchup: frame " + i + " waited " + c.waitOf(i));
        }
        Run d = simulate(TxSchedule.Mode.DROP, onGrid(300), 10, 60_000_000);
        assertTrue(d.dropped() >= 2 && d.dropped() <= 4, "dropped " + d.dropped());
        for (int i = 16; i < 300; i++) {
            assertTrue(d.waitOf(i) <= T, "drop: frame " + i + " waited " + d.waitOf(i));
        }
        Run k = simulate(TxSchedule.Mode.KEEP, onGrid(300), 10, 60_000_000);
        assertTrue(k.waitOf(299) > 2 * T, "keep: the backlog stays, as a playback app wants");
    }

    @Test
    void theSettingIsParsedStrictly() {
        assertEquals(TxSchedule.Mode.CATCHUP, TxSchedule.mode(null));
        assertEquals(TxSchedule.Mode.CATCHUP, TxSchedule.mode(" "));
        assertEquals(TxSchedule.Mode.DROP, TxSchedule.mode("Drop"));
        assertEquals(TxSchedule.Mode.KEEP, TxSchedule.mode("keep"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TxSchedule.mode("fast"));
        assertTrue(e.getMessage().contains("catchup, drop or keep"), e.getMessage());
    }

    @Test
    void byDefaultALateFrameIsNeverSentFasterThanAnOnTimeOne() {
        assertEquals(1.0, TxSchedule.speedup(null, 1.0), "the setting when no option is given");
        assertEquals(2.0, TxSchedule.speedup("2", 1.0), "the connection option wins");
        assertThrows(IllegalArgumentException.class, () -> TxSchedule.speedup("fast", 1.0));
        assertThrows(IllegalArgumentException.class, () -> new TxSchedule(T, ACTIVE, TxSchedule.Mode.CATCHUP, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new TxSchedule(T, ACTIVE, TxSchedule.Mode.CATCHUP, 5));
        Run r = simulate(TxSchedule.Mode.CATCHUP, 1, backlog(300, 4), -1, 0);
        assertEquals(0, r.dropped());
        assertSpacing(r, ACTIVE);
        for (int i = 0; i < 300; i++) {
            assertEquals(ACTIVE, r.span()[i], "frame " + i + " spread over the whole active period");
        }
        // back to back without the blanking gap: ~0.67 ms gained a frame, three frames of backlog gone after ~75
        assertTrue(r.waitOf(40) > 0, "still catching up at frame 40: " + r.waitOf(40));
        for (int i = 90; i < 300; i++) {
            assertTrue(r.waitOf(i) <= 0, "frame " + i + " waited " + r.waitOf(i) + " ns");
        }
    }
}
