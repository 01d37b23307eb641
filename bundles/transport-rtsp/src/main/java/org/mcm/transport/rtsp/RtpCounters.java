package org.mcm.transport.rtsp;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one RTP/H.264 receiver, reported through the session's stats. */
final class RtpCounters {
    final LongAdder packets = new LongAdder();
    final LongAdder bytes = new LongAdder();
    /** Access units handed to the app. */
    final LongAdder frames = new LongAdder();
    /** Access units dropped because they were damaged (loss, broken fragmentation or aggregation). */
    final LongAdder framesDamaged = new LongAdder();
    /** Access units dropped for want of a free app buffer, or because the app did not take them. */
    final LongAdder framesDropped = new LongAdder();
    /** Access units larger than the app's buffer. */
    final LongAdder framesTooLarge = new LongAdder();
    final LongAdder lost = new LongAdder();
    /** Packets older than the last one (reordered or duplicated); dropped. */
    final LongAdder late = new LongAdder();
    final LongAdder badHeaders = new LongAdder();
    final LongAdder wrongPayloadType = new LongAdder();
    /** FU-A fragments out of order: a middle/end without a start, or a start while another NAL was open. */
    final LongAdder fuErrors = new LongAdder();
    /** STAP-A packets whose NAL sizes run past the packet. */
    final LongAdder stapErrors = new LongAdder();
    /** NAL unit types this depacketizer does not take (STAP-B, MTAP, FU-B, reserved 0/30/31). */
    final LongAdder unsupportedNal = new LongAdder();
    /** Packets dropped while waiting for the first access-unit boundary. */
    final LongAdder beforeSync = new LongAdder();
    final LongAdder ssrcChanges = new LongAdder();

    Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        m.put("packets", packets.sum());
        m.put("bytes", bytes.sum());
        m.put("frames", frames.sum());
        m.put("frames_damaged", framesDamaged.sum());
        m.put("frames_dropped", framesDropped.sum());
        m.put("frames_too_large", framesTooLarge.sum());
        m.put("lost", lost.sum());
        m.put("late", late.sum());
        m.put("bad_headers", badHeaders.sum());
        m.put("wrong_payload_type", wrongPayloadType.sum());
        m.put("fu_errors", fuErrors.sum());
        m.put("stap_errors", stapErrors.sum());
        m.put("unsupported_nal", unsupportedNal.sum());
        m.put("before_sync", beforeSync.sum());
        m.put("ssrc_changes", ssrcChanges.sum());
        return m;
    }
}
