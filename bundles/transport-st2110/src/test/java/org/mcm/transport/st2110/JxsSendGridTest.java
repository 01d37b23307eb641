package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The -22 sender's grid: on-time frames on their slots, late ones caught up, only long stalls restart it. */
class JxsSendGridTest {

    static final long P = 16_666_667L; // 1080p60
    static final long A = TxSchedule.activeOf(P);
    static final long T0 = 1_000_000_000L;

    @Test
    void onTimeAndEarlyFramesTakeTheirSlotsOverTheActivePeriod() {
        JxsSendGrid g = new JxsSendGrid(P, A);
        g.place(T0);
        assertEquals(T0, g.start());
        assertEquals(A, g.span());
        g.place(T0 + 3_000_000); // ready early (the encoder ahead): waits for its slot
        assertEquals(T0 + P, g.start());
        assertEquals(A, g.span());
        g.place(T0 + 2 * P); // exactly on its slot
        assertEquals(T0 + 2 * P, g.start());
        assertEquals(0, g.late());
        assertEquals(0, g.restarts());
        assertEquals(T0 + 3 * P, g.nextSlot());
    }

    @Test
    void aFrameLateByLessThanAPeriodIsSpreadOverWhatIsLeftOfItsSlot() {
        JxsSendGrid g = new JxsSendGrid(P, A);
        g.place(T0);
        g.place(T0 + P + 5_000_000); // 5 ms late: still ends where its slot's active period ends
        assertEquals(T0 + P + 5_000_000, g.start());
        assertEquals(A - 5_000_000, g.span());
        g.place(T0 + 2 * P + A - 100_000); // almost a whole active period late: never faster than MAX_SPEEDUP times
        assertEquals(T0 + 2 * P + A - 100_000, g.start());
        assertEquals(A / JxsSendGrid.MAX_SPEEDUP, g.span());
        assertEquals(2, g.late());
        assertEquals(0, g.restarts());
    }

    /** Before session 14 a frame over a period late restarted the grid, and its lateness was lost for good. */
    @Test
    void aFrameOverAPeriodLateIsCaughtUpAndTheGridIsKept() {
        JxsSendGrid g = new JxsSendGrid(P, A);
        g.place(T0);
        g.place(T0 + P);
        long late = P * 5 / 2; // frame 2 ready 2.5 periods after its slot began (a stall)
        g.place(T0 + 2 * P + late);
        assertEquals(T0 + 2 * P + late, g.start());
        assertEquals(A / JxsSendGrid.MAX_SPEEDUP, g.span(), "a quarter of the active period");
        assertEquals(0, g.restarts());
        assertEquals(T0 + 3 * P, g.nextSlot(), "the grid stays");
        // the encoder works off its backlog: frames 3.. ready back to back, each 12 ms after the previous one
        long ready = T0 + 2 * P + late;
        long prevEnd = g.start() + g.span();
        int n = 3;
        for (; n < 40; n++) {
            ready += 12_000_000;
            g.place(ready);
            long slot = T0 + n * P;
            assertEquals(Math.max(slot, Math.max(ready, prevEnd)), g.start(), "frame " + n);
            prevEnd = g.start() + g.span();
            if (g.start() == slot) {
                break; // back on its slot
            }
        }
        assertEquals(T0 + n * P, g.start(), "caught up by frame " + n);
        assertEquals(A, g.span());
        assertEquals(0, g.restarts());
        g.place(ready + P);
        assertEquals(T0 + (n + 1) * P, g.start(), "and stays on the grid");
        assertEquals(0, g.restarts());
        assertEquals(n - 2, g.late());
    }

    @Test
    void onlyAFrameMoreThanMaxLatePeriodsLateRestartsTheGrid() {
        JxsSendGrid g = new JxsSendGrid(P, A);
        g.place(T0);
        long late = JxsSendGrid.MAX_LATE_PERIODS * P; // exactly the bound: caught up
        g.place(T0 + P + late);
        assertEquals(0, g.restarts());
        assertEquals(T0 + 2 * P, g.nextSlot());
        JxsSendGrid h = new JxsSendGrid(P, A);
        h.place(T0);
        long stall = JxsSendGrid.MAX_LATE_PERIODS * P + 1;
        h.place(T0 + P + stall);
        assertEquals(1, h.restarts());
        assertEquals(stall, h.restartNanos());
        assertEquals(T0 + P + stall, h.start());
        assertEquals(A, h.span(), "a restarted frame is on time on the new grid");
        assertEquals(T0 + 2 * P + stall, h.nextSlot());
        assertEquals(0, h.late());
    }

    @Test
    void refusesAnActivePeriodLongerThanThePeriod() {
        assertThrows(IllegalArgumentException.class, () -> new JxsSendGrid(P, P + 1));
        assertThrows(IllegalArgumentException.class, () -> new JxsSendGrid(0, 0));
    }
}
