package org.mcm.transport.rtsp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the RTSP message parser on what one connection sends (responses, requests and
 * interleaved frames back to back). Invariants: a refusal is an RtspException with a reason; no message takes more
 * than the head and body limits; what parses is a response with a possible status, a request with method and URI,
 * or an interleaved frame. Seeds in {@code RtspMessageFuzzTestInputs/fuzz}, written by {@link RtspFuzzSeeds}.
 */
class RtspMessageFuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();

    @AfterAll
    static void report() {
        System.out.println("RtspMessageFuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) {
        INPUTS.incrementAndGet();
        CountingStream in = new CountingStream(data);
        for (int i = 0; i < 64; i++) {
            long before = in.count;
            RtspMessage m;
            try {
                m = RtspMessage.read(in);
            } catch (RtspException e) {
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    throw new AssertionError("rtsp: a refusal without a reason", e);
                }
                return;
            } catch (IOException e) {
                throw new AssertionError("rtsp: not an RtspException from a byte array", e);
            }
            if (m == null) {
                return;
            }
            long used = in.count - before;
            if (used > RtspMessage.MAX_HEAD + RtspMessage.MAX_BODY + 4) {
                throw new AssertionError("rtsp: one message took " + used + " bytes");
            }
            if (m.isInterleaved()) {
                if (m.body.length > 0xFFFF) {
                    throw new AssertionError("rtsp: interleaved frame of " + m.body.length);
                }
            } else if (m.isResponse()) {
                if (m.status < 100 || m.status > 999) {
                    throw new AssertionError("rtsp: status " + m.status);
                }
                m.cseq();
                m.header("Session");
            } else if (m.method == null || m.method.isEmpty() || m.uri == null) {
                throw new AssertionError("rtsp: a request without method or URI");
            }
            if (m.body.length > RtspMessage.MAX_BODY) {
                throw new AssertionError("rtsp: body of " + m.body.length);
            }
        }
    }

    /** An input stream over the input that counts what was read. */
    static final class CountingStream extends InputStream {
        final ByteArrayInputStream in;
        long count;

        CountingStream(byte[] b) {
            in = new ByteArrayInputStream(b);
        }

        @Override
        public int read() {
            int c = in.read();
            if (c >= 0) {
                count++;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
