package org.mcm.transport.st2110;

import static org.mcm.transport.st2110.FuzzInputs.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the RFC 9134 (ST 2110-22) reassembly of packets into picture segments, both
 * packetization modes, inputs as {@link FuzzInputs} describes. Invariants: a segment delivered from an edited golden
 * stream equals the golden one of its timestamp (a gap, a duplicate or a swap spoils it), at most once; every packet
 * is counted; no segment is lost (at most one still filling).
 */
class Rfc9134FuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();

    @AfterAll
    static void report() throws Exception {
        System.out.println("Rfc9134FuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) {
        INPUTS.incrementAndGet();
        boolean edits = data.length > 0 && (data[0] & 1) == 1;
        List<byte[]> packets = edits ? edit(JXS_GOLDEN, data, false) : datagrams(data);
        int segments = 3;
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(segments);
        BlockingQueue<JxsSessions.Unit> full = new ArrayBlockingQueue<>(segments);
        for (int i = 0; i < segments; i++) {
            free.add(ByteBuffer.allocateDirect(1024).order(ByteOrder.BIG_ENDIAN));
        }
        St2110Counters c = new St2110Counters();
        JxsSessions.Reassembly r = new JxsSessions.Reassembly(PT, c, free, full);
        // which timestamp each delivered unit had: the one of the packet that completed it
        Map<Long, Integer> seen = new HashMap<>();
        for (byte[] p : packets) {
            r.accept(packet(p), p.length);
            JxsSessions.Unit u;
            while ((u = full.poll()) != null) {
                ByteBuffer seg = u.seg();
                if (seg.limit() > seg.capacity() || seg.position() != 0) {
                    throw new AssertionError("rfc9134: segment bounds " + seg);
                }
                if (edits) {
                    long ts = p.length >= 8 ? Integer.toUnsignedLong(ByteBuffer.wrap(p).getInt(4)) : -1;
                    int i = Arrays.binarySearch(TS, ts);
                    byte[] got = new byte[seg.limit()];
                    seg.get(0, got);
                    if (i < 0 || !Arrays.equals(got, JXS_FRAMES[i])) {
                        throw new AssertionError("rfc9134: a picture segment delivered as complete differs from frame " + ts);
                    }
                    if (seen.merge(ts, 1, Integer::sum) > 1) {
                        throw new AssertionError("rfc9134: frame " + ts + " delivered twice");
                    }
                }
                seg.clear();
                free.add(seg);
            }
        }
        if (c.packets.sum() != packets.size()) {
            throw new AssertionError("packets counted " + c.packets.sum() + " of " + packets.size());
        }
        // at most one segment is still filling
        if (free.size() < segments - 1) {
            throw new AssertionError("rfc9134: picture segments lost: " + free.size() + " of " + segments + " free");
        }
    }
}
