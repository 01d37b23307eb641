package org.mcm.control.internal.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class LogLimiterTest {

    @Test
    void burstPerSourcePerWindowThenCountsAndReportsWhatWasHeldBack() {
        AtomicLong now = new AtomicLong();
        LogLimiter l = new LogLimiter(2, 1000, now::get);
        assertEquals(0, l.admit("a"));
        assertEquals(0, l.admit("a"));
        assertEquals(-1, l.admit("a"));
        assertEquals(-1, l.admit("a"));
        assertEquals(0, l.admit("b"), "another source has its own budget");
        now.addAndGet(1_001_000_000L);
        assertEquals(2, l.admit("a"), "the next line says how many were held back");
        assertEquals(0, l.admit("a"));
        assertEquals(-1, l.admit("a"));
    }
}
