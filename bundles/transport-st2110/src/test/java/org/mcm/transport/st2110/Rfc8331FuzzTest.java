package org.mcm.transport.st2110;

import static org.mcm.transport.st2110.FuzzInputs.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.media.BlobFormat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the ST 2110-40 (RFC 8331) receiver, raw and structured ({@code anc=packets})
 * sessions opened once on loopback ports ({@code fuzz.port} + 1, + 2). Invariants: what the raw app gets is an RTP
 * packet that parses clean (only good ANC packets: nothing damaged delivered as good); what the structured app gets
 * reads back as at least one ANC record; every app buffer comes back; no thread left behind on close.
 */
class Rfc8331FuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();
    static final PoisonPool ANC_RAW_APP = new PoisonPool(4, AncSessions.RX_BUFFER);
    static final PoisonPool ANC_PACKETS_APP = new PoisonPool(4, AncSessions.RX_BUFFER);
    static AncSessions.Rx ancRaw;
    static AncSessions.Rx ancPackets;

    @AfterAll
    static void report() throws Exception {
        if (ancRaw != null) {
            ancRaw.close();
            ancPackets.close();
        }
        assertNoSessionThreads();
        System.out.println("Rfc8331FuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) throws Exception {
        INPUTS.incrementAndGet();
        if (ancRaw == null) {
            int base = Integer.getInteger("fuzz.port", 23_500);
            ancRaw = new AncSessions.Rx(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(1460))
                    .local(new Endpoint("", base + 1)).payloadType(100).build(), ANC_RAW_APP, TestSupport.settings("wide"));
            ancPackets = new AncSessions.Rx(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(1460))
                    .local(new Endpoint("", base + 2)).payloadType(100).option("anc", "packets").build(), ANC_PACKETS_APP,
                    TestSupport.settings("wide"));
        }
        List<byte[]> packets = datagrams(data);
        for (byte[] p : packets) {
            List<AncPacket> good = new ArrayList<>();
            ancRaw.handle(packet(p), p.length);
            for (Frame f : ANC_RAW_APP.drain()) {
                try {
                    // what an app gets is an RTP packet that parses clean: only good ANC packets, nothing damaged
                    ByteBuffer b = f.data().duplicate().order(ByteOrder.BIG_ENDIAN);
                    int len = f.length();
                    int fh = Rtp.headerLength(b, len);
                    if (fh < 0) {
                        throw new AssertionError("rfc8331: delivered a packet whose RTP header does not parse");
                    }
                    int payload = len - fh;
                    if (Rtp.padding(b, 0)) {
                        int pad = Byte.toUnsignedInt(b.get(len - 1));
                        if (pad == 0 || pad > payload) {
                            throw new AssertionError("rfc8331: delivered a packet whose padding does not parse");
                        }
                        payload -= pad;
                    }
                    Rfc8331.Parsed r = Rfc8331.parse(b, fh, payload, good);
                    if (r.bad() != 0 || r.lengthMismatch || r.f == Rfc8331.F_INVALID) {
                        throw new AssertionError("rfc8331: delivered as good a packet that parses with errors: bad "
                                + r.bad() + ", length mismatch " + r.lengthMismatch + ", F " + r.f);
                    }
                } finally {
                    f.release();
                }
            }
            ancPackets.handle(packet(p), p.length);
            for (Frame f : ANC_PACKETS_APP.drain()) {
                try {
                    List<AncPacket> back = new ArrayList<>();
                    AncRecords.read(f.data().duplicate().order(ByteOrder.BIG_ENDIAN), f.length(), back);
                    if (back.isEmpty()) {
                        throw new AssertionError("rfc8331: an empty buffer of ANC records delivered");
                    }
                } finally {
                    f.release();
                }
            }
        }
        ANC_RAW_APP.assertAllBack("rfc8331 raw");
        ANC_PACKETS_APP.assertAllBack("rfc8331 packets");
    }
}
