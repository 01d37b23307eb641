package org.mcm.transport.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.mcm.api.testing.TestApp;

/**
 * The RTP/H.264 depacketizer on crafted packets: upstream 24.09's buffer layout, the superset it parses, and every
 * kind of damage it must drop and count.
 */
class H264DepacketizerTest {

    final TestApp app = new TestApp(4, 64 * 1024);
    final RtpCounters c = new RtpCounters();
    final H264Depacketizer d = new H264Depacketizer(0, app.frameSource(), app.output(), c);
    final Rtp rtp = new Rtp();

    void send(byte[] p) {
        ByteBuffer b = ByteBuffer.allocateDirect(p.length + 16);
        b.put(0, p);
        d.accept(b, p.length);
    }

    /** What upstream 24.09 puts in the app's buffer for one access unit (media-proxy/src/udp_h264_rx_sample.c). */
    static byte[] upstreamBuffer(int seq, long ts, byte[]... nals) {
        ByteArrayOutputStream au = new ByteArrayOutputStream();
        au.write(0);
        for (byte[] n : nals) {
            au.writeBytes(new byte[] {0, 0, 1});
            au.writeBytes(n);
        }
        ByteBuffer b = ByteBuffer.allocate(14 + au.size());
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) seq).putInt((int) ts);
        b.order(ByteOrder.LITTLE_ENDIAN).putLong(au.size());
        b.put(au.toByteArray());
        return b.array();
    }

    /** Before the first marker nothing is delivered (upstream drops those packets); sync on a marker. */
    void sync() {
        send(rtp.packet(0, true, Rtp.nal(1, 50, 0)));
    }

    /**
     * Matched against upstream 24.09 (fragments_bunch mode): seq (2 B) and timestamp (4 B) of the AU's first packet
     * copied as on the wire, then the AU length as a little-endian size_t counting the leading 00 byte, then 00 and
     * every NAL unit behind 00 00 01; the FU-A NAL header rebuilt from the indicator's F/NRI and the FU header's type;
     * packets up to and including the first marker dropped (we also start at the first timestamp change, which
     * upstream does not: see {@link #aTimestampChangeAlsoSyncsTheStart}). Not matched, on purpose: upstream copies a
     * STAP-A whole behind one start code and reads any CSRC/extension/padding as payload; we parse them.
     */
    @Test
    void upstreamLayoutForSingleNalAndFuA() throws Exception {
        send(rtp.packet(0, false, Rtp.nal(7, 10, 1))); // before sync: dropped
        sync();
        assertEquals(2, c.beforeSync.sum());
        byte[] sps = Rtp.nal(7, 12, 2);
        byte[] pps = Rtp.nal(8, 4, 3);
        byte[] idr = Rtp.nal(5, 5000, 4);
        int firstSeq = rtp.seq;
        send(rtp.packet(9000, false, sps));
        send(rtp.packet(9000, false, pps));
        byte[][] fu = Rtp.fuA(idr, 1200);
        for (int i = 0; i < fu.length; i++) {
            send(rtp.packet(9000, i == fu.length - 1, fu[i]));
        }
        assertArrayEquals(upstreamBuffer(firstSeq, 9000, sps, pps, idr), app.take(1000));
        assertEquals(1, c.frames.sum());
        assertEquals(0, c.framesDamaged.sum());
    }

    @Test
    void stapAIsSplitIntoItsNalUnits() throws Exception {
        sync();
        byte[] sps = Rtp.nal(7, 12, 2);
        byte[] pps = Rtp.nal(8, 4, 3);
        byte[] sei = Rtp.nal(6, 9, 5);
        byte[] slice = Rtp.nal(5, 700, 6);
        int first = rtp.seq;
        send(rtp.packet(1234, false, Rtp.stapA(sps, pps, sei)));
        send(rtp.packet(1234, true, slice));
        assertArrayEquals(upstreamBuffer(first, 1234, sps, pps, sei, slice), app.take(1000));
    }

    @Test
    void csrcExtensionAndPaddingAreSkipped() throws Exception {
        sync();
        rtp.csrc = 3;
        rtp.extension = new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
        rtp.padding = 7;
        rtp.pt = 127;
        byte[] a = Rtp.nal(1, 300, 7);
        int first = rtp.seq;
        send(rtp.packet(5, true, a));
        assertArrayEquals(upstreamBuffer(first, 5, a), app.take(1000));
    }

    @Test
    void aTimestampChangeEndsAnAccessUnitWithoutMarker() throws Exception {
        sync();
        byte[] a = Rtp.nal(1, 100, 1);
        byte[] b = Rtp.nal(1, 100, 2);
        int first = rtp.seq;
        send(rtp.packet(100, false, a)); // no marker
        int second = rtp.seq;
        send(rtp.packet(200, true, b));
        assertArrayEquals(upstreamBuffer(first, 100, a), app.take(1000));
        assertArrayEquals(upstreamBuffer(second, 200, b), app.take(1000));
    }

    @Test
    void aTimestampChangeAlsoSyncsTheStart() throws Exception {
        send(rtp.packet(100, false, Rtp.nal(1, 10, 1))); // first packet: may be mid access unit
        byte[] b = Rtp.nal(1, 100, 2);
        int second = rtp.seq;
        send(rtp.packet(200, true, b));
        assertArrayEquals(upstreamBuffer(second, 200, b), app.take(1000));
    }

    @Test
    void payloadTypeFilterWhenConfigured() throws Exception {
        H264Depacketizer only = new H264Depacketizer(97, app.frameSource(), app.output(), c);
        ByteBuffer b = ByteBuffer.allocate(2000);
        byte[] p = rtp.packet(1, true, Rtp.nal(1, 10, 1));
        b.put(0, p);
        only.accept(b, p.length);
        assertEquals(1, c.wrongPayloadType.sum());
    }

    /** An AU missing a middle FU-A fragment is dropped and counted; the next one comes through whole. */
    @Test
    void missingFuAFragmentDropsTheAccessUnit() throws Exception {
        sync();
        byte[][] fu = Rtp.fuA(Rtp.nal(5, 4000, 1), 1000);
        send(rtp.packet(10, false, fu[0]));
        rtp.seq++; // fu[1] lost
        send(rtp.packet(10, false, fu[2]));
        send(rtp.packet(10, true, fu[3]));
        assertEquals(1, c.lost.sum());
        assertEquals(1, c.framesDamaged.sum());
        assertNull(app.take(50));
        byte[] ok = Rtp.nal(1, 80, 9);
        int s = rtp.seq;
        send(rtp.packet(20, true, ok));
        assertArrayEquals(upstreamBuffer(s, 20, ok), app.take(1000));
        assertEquals(4, app.free.size() + app.received.size());
    }

    @Test
    void reorderedFuAFragmentsDropTheAccessUnit() throws Exception {
        sync();
        byte[][] fu = Rtp.fuA(Rtp.nal(5, 3000, 1), 1000);
        int s0 = rtp.seq;
        byte[] p0 = rtp.packet(10, false, fu[0]);
        byte[] p1 = rtp.packet(10, false, fu[1]);
        byte[] p2 = rtp.packet(10, true, fu[2]);
        send(p0);
        send(p2); // before p1
        send(p1); // late
        assertEquals(1, c.late.sum());
        assertEquals(1, c.lost.sum());
        assertEquals(1, c.framesDamaged.sum());
        assertNull(app.take(50));
        assertEquals(s0 + 3, rtp.seq);
        assertEquals(4, app.free.size());
    }

    @Test
    void fuAWithoutStartIsCountedAndDropped() throws Exception {
        sync();
        byte[][] fu = Rtp.fuA(Rtp.nal(5, 3000, 1), 1000);
        send(rtp.packet(10, false, fu[1]));
        send(rtp.packet(10, true, fu[2]));
        assertEquals(2, c.fuErrors.sum());
        assertEquals(1, c.framesDamaged.sum());
        assertNull(app.take(50));
    }

    @Test
    void fuAStartWithoutEndBeforeTheMarkerIsDamage() throws Exception {
        sync();
        byte[][] fu = Rtp.fuA(Rtp.nal(5, 3000, 1), 1000);
        send(rtp.packet(10, false, fu[0]));
        send(rtp.packet(10, true, fu[1])); // marker, the end fragment never comes
        assertEquals(1, c.fuErrors.sum());
        assertEquals(1, c.framesDamaged.sum());
        assertNull(app.take(50));
    }

    @Test
    void truncatedStapAIsCountedAndDropped() throws Exception {
        sync();
        byte[] stap = Rtp.stapA(Rtp.nal(7, 12, 1), Rtp.nal(8, 40, 2));
        byte[] cut = java.util.Arrays.copyOf(stap, stap.length - 10); // second NAL's size runs past the packet
        send(rtp.packet(10, true, cut));
        byte[] odd = java.util.Arrays.copyOf(stap, 2); // a lone size byte
        send(rtp.packet(20, true, odd));
        assertEquals(2, c.stapErrors.sum());
        assertEquals(2, c.framesDamaged.sum());
        assertNull(app.take(50));
        assertEquals(4, app.free.size());
    }

    @Test
    void headerLengthsPastThePacketAreBadHeaders() throws Exception {
        sync();
        byte[] p = rtp.packet(10, true, Rtp.nal(1, 10, 1));
        p[0] = (byte) (0x80 | 15); // 15 CSRCs: 60 bytes that are not there
        send(p);
        rtp.extension = new byte[0];
        p = rtp.packet(10, true, Rtp.nal(1, 10, 1));
        p[15] = (byte) 200; // extension of 800 bytes
        send(p);
        rtp.extension = null;
        rtp.padding = 1;
        p = rtp.packet(10, true, Rtp.nal(1, 10, 1));
        p[p.length - 1] = (byte) 250; // padding longer than the packet
        send(p);
        p[p.length - 1] = 0; // padding count of zero
        send(p);
        send(new byte[] {(byte) 0x80, 96, 0, 1}); // shorter than a header
        send(new byte[] {0x40, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}); // version 1
        assertEquals(6, c.badHeaders.sum());
        assertNull(app.take(50));
    }

    @Test
    void accessUnitLargerThanTheBufferIsDroppedAndCounted() throws Exception {
        TestApp small = new TestApp(2, 2000);
        H264Depacketizer s = new H264Depacketizer(0, small.frameSource(), small.output(), c);
        Rtp r = new Rtp();
        ByteBuffer b = ByteBuffer.allocate(70000);
        for (byte[] p : List.of(r.packet(0, true, Rtp.nal(1, 10, 1)), r.packet(1, false, Rtp.nal(1, 1400, 1)),
                r.packet(1, true, Rtp.nal(1, 1400, 2)), r.packet(2, true, Rtp.nal(1, 100, 3)))) {
            b.put(0, p);
            s.accept(b, p.length);
        }
        assertEquals(1, c.framesTooLarge.sum());
        assertEquals(1, c.frames.sum());
        assertEquals(14 + 1 + 3 + 100, small.take(100).length);
    }

    @Test
    void noFreeBufferDropsTheAccessUnitAndCountsIt() throws Exception {
        TestApp none = new TestApp(1, 2000);
        H264Depacketizer s = new H264Depacketizer(0, none.frameSource(), none.output(), c);
        Rtp r = new Rtp();
        ByteBuffer b = ByteBuffer.allocate(70000);
        for (byte[] p : List.of(r.packet(0, true, Rtp.nal(1, 10, 1)), r.packet(1, true, Rtp.nal(1, 10, 1)),
                r.packet(2, true, Rtp.nal(1, 10, 2)))) {
            b.put(0, p);
            s.accept(b, p.length);
        }
        assertEquals(1, c.frames.sum());
        assertEquals(1, c.framesDropped.sum());
    }

    @Test
    void unsupportedNalTypesAreDamage() throws Exception {
        sync();
        send(rtp.packet(10, true, new byte[] {25, 0, 1, 2})); // STAP-B
        send(rtp.packet(11, true, new byte[] {0x1F, 1, 2})); // reserved
        assertEquals(2, c.unsupportedNal.sum());
        assertEquals(2, c.framesDamaged.sum());
    }

    @Test
    void ssrcChangeResyncs() throws Exception {
        sync();
        send(rtp.packet(10, false, Rtp.nal(1, 10, 1)));
        rtp.ssrc = 99;
        send(rtp.packet(11, true, Rtp.nal(1, 10, 1))); // new stream: waits for its own boundary
        byte[] a = Rtp.nal(1, 30, 3);
        int s = rtp.seq;
        send(rtp.packet(12, true, a));
        assertEquals(1, c.ssrcChanges.sum());
        assertEquals(1, c.framesDamaged.sum());
        assertArrayEquals(upstreamBuffer(s, 12, a), app.take(1000));
    }

    /** Random bytes and randomly damaged real packets: no exception, every buffer comes back, stats add up. */
    @Test
    void randomGarbageNeverEscapesOrLeaks() throws Exception {
        Random r = new Random(42);
        ByteBuffer b = ByteBuffer.allocateDirect(65536);
        for (int i = 0; i < 200_000; i++) {
            byte[] p;
            if (r.nextInt(4) == 0) {
                p = new byte[r.nextInt(1500)];
                r.nextBytes(p);
            } else {
                int kind = r.nextInt(3);
                byte[] pl = kind == 0 ? Rtp.nal(1 + r.nextInt(23), 1 + r.nextInt(1400), i)
                        : kind == 1 ? Rtp.stapA(Rtp.nal(7, 1 + r.nextInt(50), i), Rtp.nal(8, 1 + r.nextInt(50), i))
                        : Rtp.fuA(Rtp.nal(5, 2 + r.nextInt(5000), i), 1000)[0];
                p = rtp.packet(i / 5, r.nextBoolean(), pl);
                for (int k = r.nextInt(3); k > 0 && p.length > 0; k--) {
                    p[r.nextInt(p.length)] = (byte) r.nextInt(256);
                }
                if (r.nextInt(10) == 0) {
                    p = java.util.Arrays.copyOf(p, r.nextInt(p.length + 1));
                }
            }
            b.put(0, p);
            d.accept(b, p.length);
            app.drain().forEach(f -> {
                long len = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong(6);
                assertEquals(f.length - 14, len);
                assertEquals(0, f[14]);
            });
        }
        d.abort();
        assertEquals(app.frames, app.free.size());
        Map<String, Long> m = c.snapshot();
        assertEquals(200_000L, m.get("packets"));
    }
}
