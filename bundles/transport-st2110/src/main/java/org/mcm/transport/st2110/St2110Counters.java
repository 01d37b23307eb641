package org.mcm.transport.st2110;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/** Per-session counters reported through the session's stats. */
final class St2110Counters {
    final LongAdder packets = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder framesComplete = new LongAdder();
    final LongAdder framesIncomplete = new LongAdder();
    final LongAdder framesDropped = new LongAdder();
    /** Sender: frames given up because a newer one was waiting and they would have started over a frame period late. */
    final LongAdder framesDroppedLate = new LongAdder();
    /** Sender: frames started sooner than a frame period after the previous one to work off a backlog. */
    final LongAdder framesCaughtUp = new LongAdder();
    /** Receiver: incomplete frames that ended with the next frame's first packet, their marker not seen. */
    final LongAdder incompleteNoMarker = new LongAdder();
    /** Receiver, the last incomplete frame: bytes of it not received, and complete frames delivered before it. */
    volatile long incompleteMissingLast;
    volatile long incompleteAfterFramesLast;
    final LongAdder lost = new LongAdder();
    final LongAdder reordered = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder late = new LongAdder();
    final LongAdder badHeaders = new LongAdder();
    final LongAdder noBuffer = new LongAdder();
    /** Receiver converting inline: frames that went through a staging frame because the app was behind. */
    final LongAdder framesStaged = new LongAdder();
    final LongAdder sendErrors = new LongAdder();
    /**
     * Sends the kernel refused because an ICMP port (or host) unreachable came back for an earlier datagram: the
     * receiver left. Counted, and the sender goes on (the packet is retried once, then dropped).
     */
    final LongAdder icmpUnreachable = new LongAdder();
    /** Packets not sent because the retry after an ICMP unreachable was refused too. */
    final LongAdder unsent = new LongAdder();
    /** Arrival spread of complete frames: time from a frame's first to its last packet (receiver side). */
    final java.util.concurrent.atomic.LongAccumulator spreadMaxNanos = new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);
    volatile long spreadLastNanos;
    /** Time a frame spent in the proxy (receiver: first packet to hand-over), last frame. */
    volatile long latencyLastNanos;

    Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        m.put("packets", packets.sum());
        m.put("bytes", bytes.sum());
        m.put("frames", framesComplete.sum());
        m.put("frames_incomplete", framesIncomplete.sum());
        long incomplete = framesIncomplete.sum();
        if (incomplete > 0) { // where the last one was: enough to tell a start-up partial frame from a loss
            m.put("incomplete_no_marker", incompleteNoMarker.sum());
            m.put("incomplete_missing_bytes_last", incompleteMissingLast);
            m.put("incomplete_after_frames_last", incompleteAfterFramesLast);
        }
        m.put("frames_dropped", framesDropped.sum());
        m.put("frames_dropped_late", framesDroppedLate.sum());
        m.put("frames_caught_up", framesCaughtUp.sum());
        m.put("lost", lost.sum());
        m.put("reordered", reordered.sum());
        m.put("duplicates", duplicates.sum());
        m.put("late", late.sum());
        m.put("bad_headers", badHeaders.sum());
        m.put("no_buffer", noBuffer.sum());
        m.put("frames_staged", framesStaged.sum());
        m.put("send_errors", sendErrors.sum());
        m.put("icmp_unreachable", icmpUnreachable.sum());
        m.put("unsent_packets", unsent.sum());
        m.put("arrival_spread_us_last", spreadLastNanos / 1000);
        if (latencyLastNanos > 0) {
            m.put("latency_us_last", latencyLastNanos / 1000);
        }
        m.put("arrival_spread_us_max", spreadMaxNanos.get() / 1000);
        return m;
    }
}
