package org.mcm.transport.rtsp;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the SDP of a DESCRIBE answer (ClientSdp). Invariants: a refusal is an
 * RtspException with a reason; what is accepted has a possible payload type and no empty parameter set. Seeds in
 * {@code DescribeSdpFuzzTestInputs/fuzz}, written by {@link RtspFuzzSeeds}.
 */
class DescribeSdpFuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();

    @AfterAll
    static void report() {
        System.out.println("DescribeSdpFuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) {
        INPUTS.incrementAndGet();
        ClientSdp sdp;
        try {
            sdp = ClientSdp.parse(new String(data, StandardCharsets.UTF_8));
        } catch (RtspException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("sdp: a refusal without a reason", e);
            }
            return;
        }
        if (sdp.payloadType() < 0 || sdp.payloadType() > 127) {
            throw new AssertionError("sdp: payload type " + sdp.payloadType());
        }
        if (sdp.parameterSets() != null) {
            for (byte[] ps : sdp.parameterSets()) {
                if (ps == null || ps.length == 0) {
                    throw new AssertionError("sdp: an empty parameter set accepted");
                }
            }
        }
    }
}
