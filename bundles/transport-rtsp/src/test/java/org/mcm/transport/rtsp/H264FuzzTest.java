package org.mcm.transport.rtsp;

import org.mcm.api.testing.TestApp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the RTP/H.264 depacketizer (single NAL, STAP-A, FU-A; RFC 6184). Inputs are
 * raw RTP packets ({@code [u16 length][bytes]}...) or, when the first byte is odd, edits (drop, duplicate, swap) of a
 * golden stream of three access units; an access unit delivered from an edited stream must be byte for byte the one
 * sent (upstream 24.09's buffer layout): any other is damage delivered as good. Every delivered buffer must be well
 * formed (length field, start code), every packet counted, every app buffer given back. Seeds in
 * {@code H264FuzzTestInputs/fuzz}, written by {@link RtspFuzzSeeds}. The build fuzzes for {@code maxDuration}
 * (JAZZER_FUZZ); {@code -Djazzer.fuzz=0}: seeds and saved findings only.
 */
class H264FuzzTest {

    static final AtomicLong INPUTS = new AtomicLong();

    @AfterAll
    static void report() {
        System.out.println("H264FuzzTest: " + INPUTS.get() + " inputs, no finding");
    }

    static final byte[] SPS = Rtp.nal(7, 12, 2);
    static final byte[] PPS = Rtp.nal(8, 4, 3);
    static final byte[] IDR = Rtp.nal(5, 3000, 4);
    static final byte[] SLICE1 = Rtp.nal(1, 300, 5);
    static final byte[] SLICE2 = Rtp.nal(1, 2500, 6);
    static final long[] TS = {9000, 12_000, 15_000};
    static final List<byte[]> GOLDEN = new ArrayList<>();
    static final Map<Long, byte[]> EXPECTED = new HashMap<>();

    static {
        Rtp rtp = new Rtp();
        GOLDEN.add(rtp.packet(0, true, Rtp.nal(1, 50, 0))); // the marker the depacketizer syncs on
        int first = rtp.seq;
        GOLDEN.add(rtp.packet(TS[0], false, SPS));
        GOLDEN.add(rtp.packet(TS[0], false, PPS));
        byte[][] fu = Rtp.fuA(IDR, 1000);
        for (int i = 0; i < fu.length; i++) {
            GOLDEN.add(rtp.packet(TS[0], i == fu.length - 1, fu[i]));
        }
        EXPECTED.put(TS[0], H264DepacketizerTest.upstreamBuffer(first, TS[0], SPS, PPS, IDR));
        first = rtp.seq;
        GOLDEN.add(rtp.packet(TS[1], false, Rtp.stapA(SPS, PPS)));
        GOLDEN.add(rtp.packet(TS[1], true, SLICE1));
        EXPECTED.put(TS[1], H264DepacketizerTest.upstreamBuffer(first, TS[1], SPS, PPS, SLICE1));
        first = rtp.seq;
        fu = Rtp.fuA(SLICE2, 1000);
        for (int i = 0; i < fu.length; i++) {
            GOLDEN.add(rtp.packet(TS[2], i == fu.length - 1, fu[i]));
        }
        EXPECTED.put(TS[2], H264DepacketizerTest.upstreamBuffer(first, TS[2], SLICE2));
    }

    /**
     * The datagram buffer (one thread fuzzes): a 64-KiB direct buffer per input cost more than the input and, freed
     * only by the GC, held the JVM at its direct memory limit (RSS ~1.45 GB).
     */
    static final ByteBuffer PACKET = ByteBuffer.allocateDirect(65_536);

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void fuzz(byte[] data) throws Exception {
        INPUTS.incrementAndGet();
        boolean edits = data.length > 0 && (data[0] & 1) == 1;
        List<byte[]> packets = edits ? edit(data) : datagrams(data);
        TestApp app = new TestApp(2, 8 * 1024);
        RtpCounters c = new RtpCounters();
        H264Depacketizer d = new H264Depacketizer(0, app.frameSource(), app.output(), c);
        Map<Long, Integer> seen = new HashMap<>();
        for (byte[] p : packets) {
            PACKET.clear();
            PACKET.put(0, p);
            d.accept(PACKET, p.length);
            for (byte[] b : app.drain()) {
                checkAccessUnit(b);
                if (edits) {
                    long ts = ByteBuffer.wrap(b).getInt(2) & 0xFFFF_FFFFL;
                    if (!Arrays.equals(b, EXPECTED.get(ts))) {
                        throw new AssertionError("h264: access unit " + ts + " delivered as good but differs from what was sent");
                    }
                    if (seen.merge(ts, 1, Integer::sum) > 1) {
                        throw new AssertionError("h264: access unit " + ts + " delivered twice");
                    }
                }
            }
        }
        d.abort();
        if (c.packets.sum() != packets.size()) {
            throw new AssertionError("h264: packets counted " + c.packets.sum() + " of " + packets.size());
        }
        if (app.free.size() != app.frames) {
            throw new AssertionError("h264: " + (app.frames - app.free.size()) + " app buffer(s) never given back");
        }
    }

    /** Upstream's layout: seq, timestamp, LE64 length of the rest, then 00 and NAL units behind 00 00 01. */
    static void checkAccessUnit(byte[] b) {
        if (b.length < H264Depacketizer.HEADER + 5) {
            throw new AssertionError("h264: a delivered access unit of " + b.length + " bytes");
        }
        long len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(6);
        if (len != b.length - H264Depacketizer.HEADER) {
            throw new AssertionError("h264: length field " + len + " for " + (b.length - H264Depacketizer.HEADER) + " bytes");
        }
        int h = H264Depacketizer.HEADER;
        if (b[h] != 0 || b[h + 1] != 0 || b[h + 2] != 0 || b[h + 3] != 1) {
            throw new AssertionError("h264: an access unit that does not begin with 00 00 00 01");
        }
        if ((b[h + 4] & 0x1F) == 0 || (b[h + 4] & 0x1F) > 23) {
            throw new AssertionError("h264: a NAL unit of type " + (b[h + 4] & 0x1F) + " delivered");
        }
    }

    /** Raw packets: {@code [u16 length][bytes]}..., after the first byte. */
    static List<byte[]> datagrams(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        int i = 1;
        while (i + 2 <= data.length && out.size() < 64) {
            int n = Math.min((data[i] & 0xFF) << 8 | (data[i + 1] & 0xFF), data.length - i - 2);
            out.add(Arrays.copyOfRange(data, i + 2, i + 2 + n));
            i += 2 + n;
        }
        return out;
    }

    /**
     * The golden packets with one edit a byte after the first: 0 pass, 1 drop, 2 send twice, 3 swap with the next;
     * the rest pass. Nothing that a receiver could not tell from a real stream (a cut NAL unit, a moved marker).
     */
    static List<byte[]> edit(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        int g = 0;
        for (int i = 1; g < GOLDEN.size() && i < data.length; i++, g++) {
            byte[] p = GOLDEN.get(g);
            switch ((data[i] & 0xFF) % 4) {
                case 0 -> out.add(p);
                case 1 -> { }
                case 2 -> {
                    out.add(p);
                    out.add(p);
                }
                default -> {
                    if (g + 1 < GOLDEN.size()) {
                        out.add(GOLDEN.get(++g));
                    }
                    out.add(p);
                }
            }
        }
        while (g < GOLDEN.size()) {
            out.add(GOLDEN.get(g++));
        }
        return out;
    }
}
