package org.mcm.transport.st2110;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.VideoFormat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the ST 2110 SDP parser (what NMOS IS-05 and the operator hand over), the first
 * input byte picking the transport. Invariants: a refusal is an IllegalArgumentException with a message; what is
 * accepted has a possible format and payload type.
 */
class SdpFuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();

    @AfterAll
    static void report() throws Exception {
        System.out.println("SdpFuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    static final String[] SDP_TRANSPORTS = {"st2110-20", "st2110-22", "st2110-30", "st2110-40"};

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) {
        INPUTS.incrementAndGet();
        if (data.length == 0) {
            return;
        }
        String transport = SDP_TRANSPORTS[(data[0] & 0xFF) % SDP_TRANSPORTS.length];
        String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
        Optional<ConnectionSpec> spec;
        try {
            spec = SdpParser.parse(text, transport);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("sdp: an error without a message", e);
            }
            return; // a clear refusal
        }
        if (spec.isPresent()) {
            ConnectionSpec s = spec.get();
            if (s.format() instanceof VideoFormat v && (v.width() <= 0 || v.height() <= 0 || v.width() > 16384
                    || v.height() > 16384 || v.frameRate().numerator() <= 0 || v.frameRate().denominator() <= 0)) {
                throw new AssertionError("sdp: accepted an impossible video format " + v);
            }
            if (s.format() instanceof AudioFormat a && (a.channels() <= 0 || a.sampleRate() <= 0)) {
                throw new AssertionError("sdp: accepted an impossible audio format " + a);
            }
            if (s.payloadType() < 0 || s.payloadType() > 127) {
                throw new AssertionError("sdp: payload type " + s.payloadType());
            }
        }
    }
}
