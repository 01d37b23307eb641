package org.mcm.transport.st2110;

import static org.mcm.transport.st2110.FuzzInputs.*;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.frame.Frame;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the RTP header and the RFC 4175 (ST 2110-20) depacketizer, inputs as
 * {@link FuzzInputs} describes. Invariants beyond "no exception": a frame is delivered only when complete (raw: no
 * byte of it left as the pool's random fill; edits: equal to the golden frame of its timestamp, at most once), every
 * packet is counted, no more frames end than packets were taken, every app buffer taken comes back.
 */
class Rfc4175FuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();

    @AfterAll
    static void report() throws Exception {
        System.out.println("Rfc4175FuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) {
        INPUTS.incrementAndGet();
        boolean edits = data.length > 0 && (data[0] & 1) == 1;
        List<byte[]> packets = edits ? edit(VIDEO_GOLDEN, data, true) : datagrams(data);
        PoisonPool app = new PoisonPool(2, (int) ((long) PG.lineBytes(W) * H));
        St2110Counters c = new St2110Counters();
        Rfc4175Depacketizer d = new Rfc4175Depacketizer(W, H, PG, PT, app, app, c);
        Map<Long, Integer> seen = new HashMap<>();
        for (byte[] p : packets) {
            d.accept(packet(p), p.length);
            for (Frame f : app.drain()) {
                checkVideoFrame(app, f, edits, seen, VIDEO_FRAMES, "rfc4175");
            }
        }
        d.abort();
        if (c.packets.sum() != packets.size()) {
            throw new AssertionError("packets counted " + c.packets.sum() + " of " + packets.size());
        }
        long finished = c.framesComplete.sum() + c.framesIncomplete.sum() + c.framesDropped.sum();
        if (finished > c.packets.sum() - c.badHeaders.sum() - c.late.sum()) {
            throw new AssertionError("more frames finished than packets taken: " + c.snapshot());
        }
        app.assertAllBack("rfc4175");
    }

}
