package org.mcm.transport.st2110;

import static org.mcm.transport.st2110.FuzzInputs.*;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the ST 2110-30 (L16/L24) receiver's packet handling, on a real session opened
 * once on a loopback port ({@code fuzz.port}, default 23500). Invariants: a delivered buffer is exactly the payload of
 * its datagram in whole sample frames; every packet is counted; every app buffer comes back; the session leaves no
 * thread when closed.
 */
class L24FuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();
    static final PoisonPool AUDIO_APP = new PoisonPool(4, 2048);
    static final int AUDIO_UNIT = 6; // 2 channels of 24 bits
    static AudioSessions.Rx audioRx;

    @AfterAll
    static void report() throws Exception {
        if (audioRx != null) {
            audioRx.close();
        }
        assertNoSessionThreads();
        System.out.println("L24FuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) throws Exception {
        INPUTS.incrementAndGet();
        if (audioRx == null) {
            audioRx = new AudioSessions.Rx(ConnectionSpec.builder(Direction.RX, "st2110-30",
                    new AudioFormat(48_000, 2, 24, PacketTime.PT_1MS)).local(new Endpoint("", Integer.getInteger("fuzz.port", 23_500)))
                    .payloadType(PT).build(), AUDIO_APP, TestSupport.settings("wide"));
        }
        List<byte[]> packets = datagrams(data);
        long before = audioRx.stats().get("packets");
        for (byte[] p : packets) {
            audioRx.handle(packet(p), p.length);
            for (Frame f : AUDIO_APP.drain()) {
                try {
                    if (f.length() <= 0 || f.length() % AUDIO_UNIT != 0 || f.length() > p.length - Rtp.HEADER) {
                        throw new AssertionError("l24: delivered " + f.length() + " bytes from a datagram of " + p.length);
                    }
                    byte[] got = new byte[f.length()];
                    f.data().get(0, got);
                    int h = Rtp.headerLength(ByteBuffer.wrap(p), p.length);
                    if (!Arrays.equals(got, Arrays.copyOfRange(p, h, h + f.length()))) {
                        throw new AssertionError("l24: delivered samples are not the datagram's payload");
                    }
                } finally {
                    f.release();
                }
            }
        }
        if (audioRx.stats().get("packets") - before != packets.size()) {
            throw new AssertionError("l24: packets not all counted");
        }
        AUDIO_APP.assertAllBack("l24");
    }
}
