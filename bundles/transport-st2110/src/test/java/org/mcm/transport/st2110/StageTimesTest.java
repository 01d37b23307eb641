package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** The per-stage percentiles the video sessions report: nearest rank over the last {@link StageTimes#WINDOW} frames. */
class StageTimesTest {

    @Test
    void nothingIsReportedBeforeTheFirstFrame() {
        Map<String, Long> m = new TreeMap<>();
        new StageTimes().putInto(m, "wait");
        assertTrue(m.isEmpty(), m.toString());
    }

    @Test
    void percentilesAreNearestRankInMicroseconds() {
        StageTimes t = new StageTimes();
        for (int i = 100; i >= 1; i--) { // 1..100 ms, recorded in any order
            t.record(i * 1_000_000L);
        }
        Map<String, Long> m = new TreeMap<>();
        t.putInto(m, "send");
        assertEquals(50_000L, m.get("send_us_p50"));
        assertEquals(99_000L, m.get("send_us_p99"));
        assertEquals(100_000L, m.get("send_us_max"));
        assertEquals(3, m.size());
    }

    @Test
    void onlyTheLastWindowCountsAndNegativeDurationsAreZero() {
        StageTimes t = new StageTimes();
        t.record(-5);
        t.record(1_000_000_000L); // an old outlier, pushed out of the window below
        for (int i = 0; i < StageTimes.WINDOW; i++) {
            t.record(2_000L);
        }
        Map<String, Long> m = new TreeMap<>();
        t.putInto(m, "x");
        assertEquals(2L, m.get("x_us_max"));
        assertEquals(StageTimes.WINDOW + 2, t.count());
        StageTimes one = new StageTimes();
        one.record(-5);
        one.putInto(m, "y");
        assertEquals(0L, m.get("y_us_p99"));
    }

    @Test
    void theRankOfOneSampleIsThatSample() {
        assertEquals(0, StageTimes.percentileIndex(1, 50));
        assertEquals(0, StageTimes.percentileIndex(1, 99));
        assertEquals(98, StageTimes.percentileIndex(100, 99));
        assertEquals(1013, StageTimes.percentileIndex(1024, 99));
    }
}
