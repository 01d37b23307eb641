package org.mcm.console.internal;

import java.util.List;
import java.util.Map;

import org.mcm.api.session.SessionInfo;

/**
 * The few figures the console shows for every session, taken from the transport's free-form stats: frames, bytes
 * (estimated from frames and the buffer size when the transport does not count bytes), packets lost and frames
 * dropped.
 *
 * @param frames         frames carried
 * @param bytes          payload bytes carried
 * @param bytesEstimated true when {@code bytes} is frames times the format's buffer size
 * @param lostPackets    RTP packets the receiver never saw ({@code lost})
 * @param droppedFrames  frames given up anywhere on the path (incomplete, no buffer, dropped by the app leg...)
 */
record SessionFigures(long frames, long bytes, boolean bytesEstimated, long lostPackets, long droppedFrames) {

    /** Stats keys counted as dropped frames. */
    static final List<String> DROP_KEYS = List.of("frames_dropped", "frames_incomplete", "no_buffer",
            "app_frames_dropped");

    /** Lost packets and dropped frames together: what the console charts as "loss". */
    long loss() {
        return lostPackets + droppedFrames;
    }

    static SessionFigures of(SessionInfo s) {
        Map<String, Long> st = s.stats();
        long frames = get(st, "frames");
        if (frames == 0) {
            frames = get(st, "app_frames_in");
        }
        Long bytes = st.get("bytes");
        boolean estimated = bytes == null;
        long b = estimated ? saturatingMultiply(frames, s.spec().format().bufferSize()) : bytes;
        long dropped = 0;
        for (String k : DROP_KEYS) {
            dropped += get(st, k);
        }
        return new SessionFigures(frames, b, estimated, get(st, "lost"), dropped);
    }

    private static long get(Map<String, Long> stats, String key) {
        Long v = stats.get(key);
        return v == null || v < 0 ? 0 : v;
    }

    private static long saturatingMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
    }
}
