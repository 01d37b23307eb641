package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.mcm.api.frame.Frame;
import org.mcm.api.media.PixelFormat;

class Rfc4175Test {

    static final PGroup PG10 = PGroup.of(PixelFormat.YUV422_10_PGROUP);

    static List<ByteBuffer> packetize(byte[] frame, int w, int h, PGroup pg, int max, long ts, int firstSeq) {
        Rfc4175Packetizer p = new Rfc4175Packetizer(w, h, pg, max, 96, 0x1234, firstSeq);
        p.begin(ByteBuffer.wrap(frame), ts);
        List<ByteBuffer> out = new ArrayList<>();
        while (p.hasMore()) {
            int len = p.next();
            ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.BIG_ENDIAN);
            assertEquals(len, p.copyTo(b));
            b.flip();
            out.add(b);
        }
        return out;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void layoutMatchesTheGStreamerPayloaderFor640x480Uyvp() {
        // GStreamer rtpvrawpay at mtu 1400: 560 packets per 640x480 10-bit frame, first packet one 1380-byte SRD,
        // second packet: 220 bytes at offset 552 of line 0 then 1150 bytes of line 1 (see st2110.md B1)
        byte[] frame = random(640 * 480 * 5 / 2, 1);
        List<ByteBuffer> pkts = packetize(frame, 640, 480, PG10, 1400, 323351806L, 4984);
        assertEquals(560, pkts.size());
        ByteBuffer p0 = pkts.get(0);
        assertEquals(1400, p0.limit());
        assertEquals(0x80, p0.get(0) & 0xFF);
        assertEquals(96, p0.get(1) & 0x7F);
        assertFalse(Rtp.marker(p0, 0));
        assertEquals(4984, Rtp.seq(p0, 0));
        assertEquals(323351806L, Rtp.timestamp(p0, 0));
        assertEquals(1380, p0.getShort(14));
        assertEquals(0, p0.getShort(16));
        assertEquals(0, p0.getShort(18));
        ByteBuffer p1 = pkts.get(1);
        assertEquals(220, p1.getShort(14));
        assertEquals(0, p1.getShort(16));
        assertEquals(0x8000 | 552, p1.getShort(18) & 0xFFFF);
        assertEquals(1150, p1.getShort(20));
        assertEquals(1, p1.getShort(22));
        assertEquals(0, p1.getShort(24));
        assertEquals(1396, p1.limit());
        ByteBuffer last = pkts.get(559);
        assertTrue(Rtp.marker(last, 0));
        for (int i = 0; i < 559; i++) {
            assertFalse(Rtp.marker(pkts.get(i), 0));
            assertEquals((4984 + i) & 0xFFFF, Rtp.seq(pkts.get(i), 0));
        }
    }

    @Test
    void extendedSequenceNumberCarriesTheHighBits() {
        byte[] frame = random(64 * 4 * 5 / 2, 2);
        List<ByteBuffer> pkts = packetize(frame, 64, 4, PG10, 200, 0, 0xFFFF);
        assertEquals(0xFFFF, Rtp.seq(pkts.get(0), 0));
        assertEquals(0, pkts.get(0).getShort(12));
        assertEquals(0, Rtp.seq(pkts.get(1), 0));
        assertEquals(1, pkts.get(1).getShort(12), "wrapped: extended sequence number incremented");
    }

    /** A frame source/sink pair over heap buffers for tests. */
    static final class Pool {
        final List<Frame> delivered = new ArrayList<>();
        int released;
        final int capacity;

        Pool(int capacity) {
            this.capacity = capacity;
        }

        Frame acquire() {
            return new org.mcm.api.frame.HeapFrame(ByteBuffer.allocate(capacity), f -> released++);
        }
    }

    static Rfc4175Depacketizer depacketizer(int w, int h, PGroup pg, Pool pool, St2110Counters c) {
        return new Rfc4175Depacketizer(w, h, pg, 96, new org.mcm.api.frame.FrameSource() {
            @Override
            public Frame acquire(long t, java.util.concurrent.TimeUnit u) {
                return pool.acquire();
            }

            @Override
            public int frameCapacity() {
                return pool.capacity;
            }
        }, f -> pool.delivered.add(f), c);
    }

    static void feed(Rfc4175Depacketizer d, ByteBuffer p) {
        ByteBuffer copy = ByteBuffer.allocate(65536).order(ByteOrder.BIG_ENDIAN);
        copy.put(p.duplicate());
        d.accept(copy, p.limit());
    }

    @Test
    void roundTripIsBitExactForEveryPgroupLayout() {
        for (PixelFormat pf : new PixelFormat[] {PixelFormat.UYVY, PixelFormat.YUV422_10_PGROUP, PixelFormat.RGB24}) {
            PGroup pg = PGroup.of(pf);
            int w = 1920;
            int h = 1080;
            byte[] frame = random((int) pf.frameSize(w, h), pf.ordinal());
            Pool pool = new Pool(frame.length);
            St2110Counters c = new St2110Counters();
            Rfc4175Depacketizer d = depacketizer(w, h, pg, pool, c);
            for (int f = 0; f < 2; f++) {
                for (ByteBuffer p : packetize(frame, w, h, pg, 1400, 1000 + f * 1500, 10 + f * 5000)) {
                    feed(d, p);
                }
            }
            assertEquals(2, pool.delivered.size(), pf.id());
            for (Frame f : pool.delivered) {
                assertEquals(frame.length, f.length());
                assertArrayEquals(frame, f.data().array(), pf.id());
            }
            assertEquals(1500 + 1000, pool.delivered.get(1).timestamp());
            assertEquals(0, c.badHeaders.sum());
            assertEquals(0, c.framesIncomplete.sum());
        }
    }

    @Test
    void lostPacketMakesAnIncompleteFrameAndIsCounted() {
        byte[] frame = random(320 * 240 * 2, 3);
        PGroup pg = PGroup.of(PixelFormat.UYVY);
        Pool pool = new Pool(frame.length);
        St2110Counters c = new St2110Counters();
        Rfc4175Depacketizer d = depacketizer(320, 240, pg, pool, c);
        List<ByteBuffer> a = packetize(frame, 320, 240, pg, 1400, 100, 0);
        List<ByteBuffer> b = packetize(frame, 320, 240, pg, 1400, 200, a.size());
        for (int i = 0; i < a.size(); i++) {
            if (i != 7) {
                feed(d, a.get(i));
            }
        }
        b.forEach(p -> feed(d, p));
        assertEquals(1, pool.delivered.size());
        assertEquals(200, pool.delivered.get(0).timestamp());
        assertEquals(1, c.framesIncomplete.sum());
        assertEquals(1, c.lost.sum());
        assertEquals(1, pool.released, "the incomplete frame's buffer went back");
        // what the stats say about it: the bytes of the lost packet missing, its marker seen, no frame before it
        Map<String, Long> st = c.snapshot();
        assertEquals(dataBytes(a.get(7)), st.get("incomplete_missing_bytes_last"), st.toString());
        assertEquals(0L, st.get("incomplete_no_marker"), st.toString());
        assertEquals(0L, st.get("incomplete_after_frames_last"), st.toString());
        // a frame whose last packet (its marker) is lost ends with the next frame's first packet
        List<ByteBuffer> c3 = packetize(frame, 320, 240, pg, 1400, 300, a.size() + b.size());
        List<ByteBuffer> c4 = packetize(frame, 320, 240, pg, 1400, 400, a.size() + b.size() + c3.size());
        c3.subList(0, c3.size() - 1).forEach(p -> feed(d, p));
        c4.forEach(p -> feed(d, p));
        st = c.snapshot();
        assertEquals(2L, st.get("frames_incomplete"), st.toString());
        assertEquals(1L, st.get("incomplete_no_marker"), st.toString());
        assertEquals(dataBytes(c3.get(c3.size() - 1)), st.get("incomplete_missing_bytes_last"), st.toString());
        assertEquals(1L, st.get("incomplete_after_frames_last"), "one complete frame came before it: " + st);
        assertEquals(2, pool.delivered.size());
    }

    @Test
    void noIncompleteDetailsWithoutAnIncompleteFrame() {
        Map<String, Long> st = new St2110Counters().snapshot();
        assertEquals(0L, st.get("frames_incomplete"));
        assertFalse(st.containsKey("incomplete_missing_bytes_last"), st.toString());
    }

    /** The pixel data bytes of an RFC 4175 packet: the lengths of its sample row data headers. */
    static long dataBytes(ByteBuffer p) {
        long sum = 0;
        int off = Rtp.HEADER + Rfc4175Packetizer.EXT_SEQ;
        boolean more = true;
        while (more) {
            sum += Short.toUnsignedInt(p.getShort(off));
            more = (p.getShort(off + 4) & 0x8000) != 0;
            off += Rfc4175Packetizer.SRD;
        }
        return sum;
    }

    @Test
    void reorderedPacketsStillCompleteTheFrame() {
        byte[] frame = random(320 * 240 * 2, 4);
        PGroup pg = PGroup.of(PixelFormat.UYVY);
        Pool pool = new Pool(frame.length);
        St2110Counters c = new St2110Counters();
        Rfc4175Depacketizer d = depacketizer(320, 240, pg, pool, c);
        List<ByteBuffer> a = packetize(frame, 320, 240, pg, 1400, 100, 0);
        java.util.Collections.swap(a, 3, 4);
        a.forEach(p -> feed(d, p));
        assertEquals(1, pool.delivered.size());
        assertArrayEquals(frame, pool.delivered.get(0).data().array());
        assertEquals(1, c.reordered.sum());
    }


    @Test
    void packetsCountedPerBatchShowAfterEachBatch() {
        byte[] frame = random(320 * 240 * 2, 5);
        PGroup pg = PGroup.of(PixelFormat.UYVY);
        Pool pool = new Pool(frame.length);
        St2110Counters c = new St2110Counters();
        Rfc4175Depacketizer d = depacketizer(320, 240, pg, pool, c);
        List<ByteBuffer> a = packetize(frame, 320, 240, pg, 1400, 100, 0);
        feed(d, a.get(0));
        assertEquals(1, c.packets.sum(), "counted at once until told otherwise");
        d.deferCounts();
        int batch = a.size() / 2;
        for (int i = 1; i < batch; i++) {
            feed(d, a.get(i));
        }
        assertEquals(1, c.packets.sum(), "not yet: the batch is not over");
        d.publishCounts();
        assertEquals(batch, c.packets.sum());
        for (int i = batch; i < a.size(); i++) {
            feed(d, a.get(i));
        }
        feed(d, ByteBuffer.wrap(new byte[] {1, 2, 3})); // a bad header is a packet too
        d.publishCounts();
        d.publishCounts(); // nothing new: no change
        assertEquals(a.size() + 1, c.packets.sum());
        assertEquals(1, c.badHeaders.sum());
        assertEquals(1, pool.delivered.size());
        assertArrayEquals(frame, pool.delivered.get(0).data().array());
    }
    @Test
    void hostilePacketsAreDroppedCountedAndNeverWriteOutsideTheFrame() {
        int w = 64;
        int h = 8;
        PGroup pg = PGroup.of(PixelFormat.UYVY);
        byte[] frame = random(w * h * 2, 5);
        Pool pool = new Pool(frame.length);
        St2110Counters c = new St2110Counters();
        Rfc4175Depacketizer d = depacketizer(w, h, pg, pool, c);
        ByteBuffer good = packetize(frame, w, h, pg, 1400, 9, 0).get(0);
        List<ByteBuffer> bad = new ArrayList<>();
        bad.add(slice(good, 10)); // shorter than an RTP header
        bad.add(slice(good, 19)); // SRD header cut
        ByteBuffer v = copy(good);
        v.put(0, (byte) 0x40); // version 1
        bad.add(v);
        ByteBuffer row = copy(good);
        row.putShort(16, (short) 8); // line 8 of an 8-line frame
        bad.add(row);
        ByteBuffer off = copy(good);
        off.putShort(18, (short) 63); // odd pixel offset for a 2-pixel pgroup
        bad.add(off);
        ByteBuffer past = copy(good);
        past.putShort(18, (short) 62); // offset 62 + full-line length runs past the line
        bad.add(past);
        ByteBuffer len = copy(good);
        len.putShort(14, (short) 127); // not a multiple of the pgroup
        bad.add(len);
        ByteBuffer longer = copy(good);
        longer.putShort(14, (short) 1000); // more data announced than the packet holds
        bad.add(longer);
        ByteBuffer pt = copy(good);
        pt.put(1, (byte) 97);
        bad.add(pt);
        ByteBuffer loop = copy(good);
        for (int i = 0; i < 70; i++) { // continuation bit forever
            if (20 + i * 6 + 6 <= loop.limit()) {
                loop.putShort(14 + i * 6, (short) 0).putShort(16 + i * 6, (short) 0).putShort(18 + i * 6, (short) 0x8000);
            }
        }
        bad.add(loop);
        ByteBuffer padded = copy(good);
        padded.put(0, (byte) 0xA0); // padding bit with a pad count larger than the payload
        padded.put(padded.limit() - 1, (byte) 0xFF);
        bad.add(padded);
        for (ByteBuffer b : bad) {
            feed(d, b);
        }
        assertEquals(bad.size(), c.badHeaders.sum());
        assertTrue(pool.delivered.isEmpty());
        // the receiver keeps working afterwards
        packetize(frame, w, h, pg, 1400, 10, 1).forEach(p -> feed(d, p));
        assertEquals(1, pool.delivered.size());
        assertArrayEquals(frame, pool.delivered.get(0).data().array());
    }

    static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.limit()).order(ByteOrder.BIG_ENDIAN);
        c.put(b.duplicate()).flip();
        return c;
    }

    static ByteBuffer slice(ByteBuffer b, int len) {
        ByteBuffer c = copy(b);
        c.limit(len);
        return c;
    }

    @Test
    void mediaClockAlternatesAt5994() {
        long prev = Rtp.mediaTime(0, 90_000, 60_000, 1001);
        List<Long> steps = new ArrayList<>();
        for (int n = 1; n <= 6; n++) {
            long t = Rtp.mediaTime(n, 90_000, 60_000, 1001);
            steps.add(t - prev);
            prev = t;
        }
        assertEquals(List.of(1501L, 1502L, 1501L, 1502L, 1501L, 1502L), steps);
        assertEquals(1500, Rtp.mediaTime(1, 90_000, 60, 1));
        assertEquals(48, Rtp.mediaTime(1, 48_000, 1000, 1));
    }
}
