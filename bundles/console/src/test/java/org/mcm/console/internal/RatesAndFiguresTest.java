package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.Direction;
import org.mcm.api.session.SessionState;

class RatesAndFiguresTest {

    private static final long S = 1_000_000_000L;

    @Test
    void ratesFromSuccessiveSamples() {
        Rates r = new Rates();
        assertEquals(Rates.Rate.ZERO, r.update(1, 0, new SessionFigures(0, 0, false, 0, 0)), "first sample");
        Rates.Rate one = r.update(1, 2 * S, new SessionFigures(60, 1_000_000, false, 4, 2));
        assertEquals(30.0, one.framesPerSecond(), 1e-9);
        assertEquals(4_000_000.0, one.bitsPerSecond(), 1e-6);
        assertEquals(3.0, one.lossPerSecond(), 1e-9);
        // polled again soon after (another browser): same figures, no new interval
        assertEquals(one, r.update(1, 2 * S + Rates.MIN_INTERVAL_NANOS / 2, new SessionFigures(61, 1_000_100, false, 4, 2)));
        // counters reset: zero, not negative
        Rates.Rate reset = r.update(1, 3 * S, new SessionFigures(0, 0, false, 0, 0));
        assertEquals(0.0, reset.framesPerSecond());
        assertEquals(0.0, reset.bitsPerSecond());
        r.retain(Set.of());
        assertEquals(0, r.tracked());
    }

    @Test
    void figuresFromTransportStats() {
        SessionFigures st2110 = SessionFigures.of(Fixtures.session(1, Direction.RX, "st2110-20", SessionState.ACTIVE,
                Map.of("frames", 10L, "bytes", 100L, "lost", 3L, "frames_incomplete", 1L, "no_buffer", 2L)));
        assertEquals(new SessionFigures(10, 100, false, 3, 3), st2110);
        assertEquals(6, st2110.loss());

        // local RX counts frames only: bytes are frames times the frame size
        SessionFigures localRx = SessionFigures.of(Fixtures.session(2, Direction.RX, "local", SessionState.ACTIVE,
                Map.of("frames", 2L)));
        assertTrue(localRx.bytesEstimated());
        assertEquals(2 * Fixtures.VIDEO.bufferSize(), localRx.bytes());

        // a session without transport stats (transport gone): the app leg's count
        SessionFigures gone = SessionFigures.of(Fixtures.session(3, Direction.TX, "local", SessionState.TRANSPORT_GONE,
                Map.of("app_frames_in", 7L, "app_frames_dropped", 1L)));
        assertEquals(7, gone.frames());
        assertEquals(1, gone.droppedFrames());
        assertFalse(gone.lostPackets() != 0);
    }
}
