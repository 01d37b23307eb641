package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.mcm.api.testing.TestApp;

/**
 * ST 2110-40 / RFC 8331. No Debian peer speaks it, so the reference here is an independent packer written in this
 * test from the RFC's bit layout: it spells every field out as a string of bits, computes parity by counting ones
 * and the checksum by summing the 9 low bits, and shares no code with the transport.
 */
class Rfc8331Test {

    // ---- the independent packer -------------------------------------------------------------------------------

    /** One ANC packet as the RFC lists its fields; udw are 10-bit words. */
    record Ref(int c, int line, int hoff, int s, int stream, int did8, int sdid8, int[] udw) {
    }

    static String bits(long v, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = n - 1; i >= 0; i--) {
            b.append((v >> i & 1) == 1 ? '1' : '0');
        }
        return b.toString();
    }

    /** ST 291: b8 makes the number of ones in b0..b8 even; b9 is its inverse. */
    static int refParity(int v8) {
        int ones = 0;
        for (char ch : bits(v8, 8).toCharArray()) {
            ones += ch == '1' ? 1 : 0;
        }
        int b8 = ones % 2 == 1 ? 1 : 0;
        return (b8 == 1 ? 0 : 512) + b8 * 256 + v8;
    }

    static String refAnc(Ref r) {
        StringBuilder b = new StringBuilder();
        b.append(bits(r.c, 1)).append(bits(r.line, 11)).append(bits(r.hoff, 12)).append(bits(r.s, 1))
                .append(bits(r.stream, 7));
        int did = refParity(r.did8);
        int sdid = refParity(r.sdid8);
        int dc = refParity(r.udw.length);
        b.append(bits(did, 10)).append(bits(sdid, 10)).append(bits(dc, 10));
        int sum = did % 512 + sdid % 512 + dc % 512;
        for (int w : r.udw) {
            b.append(bits(w, 10));
            sum += w % 512;
        }
        sum %= 512;
        int b8 = sum / 256;
        b.append(bits((1 - b8) * 512 + sum, 10));
        while (b.length() % 32 != 0) {
            b.append('0');
        }
        return b.toString();
    }

    /** A whole RTP packet: fixed header, RFC 8331 payload header, the ANC packets. */
    static byte[] refRtp(boolean marker, int pt, int seq32, long ts, int ssrc, int f, Ref... anc) {
        StringBuilder data = new StringBuilder();
        for (Ref r : anc) {
            data.append(refAnc(r));
        }
        StringBuilder b = new StringBuilder();
        b.append("10").append('0').append('0').append("0000").append(marker ? '1' : '0').append(bits(pt, 7))
                .append(bits(seq32 & 0xFFFF, 16)).append(bits(ts, 32)).append(bits(ssrc, 32));
        b.append(bits(seq32 >>> 16, 16)).append(bits(data.length() / 8, 16)).append(bits(anc.length, 8))
                .append(bits(f, 2)).append(bits(0, 22));
        b.append(data);
        byte[] out = new byte[b.length() / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(b.substring(8 * i, 8 * i + 8), 2);
        }
        return out;
    }

    static int[] words8(int... bytes) {
        int[] w = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            w[i] = refParity(bytes[i] & 0xFF);
        }
        return w;
    }

    /**
     * A CEA-708 caption distribution packet (SMPTE ST 334-2 CDP) for 59.94 Hz: identifier 9669h, length, frame
     * rate code 7 (59.94), flags (ccdata present, caption service active), sequence counter, a cc_data section with
     * two 708 triplets and the null 608 pair, the footer, and the checksum byte that makes all bytes sum to zero.
     */
    static int[] cdp(int counter) {
        int[] body = {0x96, 0x69, 0, 0x7F, 0x43, counter >> 8 & 0xFF, counter & 0xFF, 0x72, 0xE3,
                0xFC, 0x80, 0x80, 0xFE, 0x41, 0x42, 0xFF, 0x43, 0x44, 0x74, counter >> 8 & 0xFF, counter & 0xFF, 0};
        body[2] = body.length;
        int sum = 0;
        for (int v : body) {
            sum += v;
        }
        body[body.length - 1] = (256 - sum % 256) % 256;
        return body;
    }

    static final Ref CAPTION = new Ref(0, 9, 0, 0, 0, 0x61, 0x01, words8(cdp(0x1234)));

    // ---- bit layout against the reference ----------------------------------------------------------------------

    @Test
    void parityWordsOfKnownIdentifiers() {
        assertEquals(0x161, Rfc8331.parity(0x61), "CEA-708 DID 61h is 161h on the wire");
        assertEquals(0x101, Rfc8331.parity(0x01));
        assertEquals(0x200, Rfc8331.parity(0x00));
        assertEquals(0x2FF & 0x3FF, Rfc8331.parity(0xFF)); // eight ones: even, b8 = 0, b9 = 1
        for (int v = 0; v < 256; v++) {
            assertEquals(refParity(v), Rfc8331.parity(v), "parity of " + v);
            assertTrue(Rfc8331.parityOk(refParity(v)));
            assertFalse(Rfc8331.parityOk(refParity(v) ^ 0x100));
        }
    }

    @Test
    void packerMatchesTheReferenceBitForBit() {
        Ref a = CAPTION;
        Ref b = new Ref(1, 2047, 4095, 1, 127, 0x41, 0x05, new int[] {0x3FF, 0x000, 0x155, 0x2AA}); // raw 10-bit
        Ref c = new Ref(0, 10, 0, 0, 0, 0x43, 0x02, new int[0]);
        byte[] golden = refRtp(true, 100, 0x0001_FFFE, 0xDEADBEEFL, 0x01020304, Rfc8331.F_FIELD2, a, b, c);

        ByteBuffer buf = ByteBuffer.allocate(2000).order(ByteOrder.BIG_ENDIAN);
        int pos = Rtp.HEADER + Rfc8331.PAYLOAD_HEADER;
        for (Ref r : new Ref[] {a, b, c}) {
            pos += Rfc8331.pack(buf, pos, packet(r));
        }
        Rtp.write(buf, 0, true, 100, 0xFFFE, 0xDEADBEEFL, 0x01020304);
        Rfc8331.writeHeader(buf, Rtp.HEADER, 1, pos - 20, 3, Rfc8331.F_FIELD2);
        byte[] ours = new byte[pos];
        buf.get(0, ours);
        assertArrayEquals(golden, ours);
        assertEquals(golden.length, pos);

        List<AncPacket> got = new ArrayList<>();
        Rfc8331.Parsed r = Rfc8331.parse(ByteBuffer.wrap(golden), Rtp.HEADER, golden.length - Rtp.HEADER, got);
        assertEquals(0, r.bad());
        assertFalse(r.lengthMismatch);
        assertEquals(Rfc8331.F_FIELD2, r.f);
        assertEquals(List.of(packet(a), packet(b), packet(c)), got);
    }

    static AncPacket packet(Ref r) {
        return new AncPacket(r.c == 1, r.line, r.hoff, r.s == 1, r.stream, r.did8, r.sdid8, r.udw);
    }

    @Test
    void ancPacketSizesAreWordAligned() {
        assertEquals(12, Rfc8331.ancBytes(0)); // 32 + 40 bits -> 3 words
        assertEquals(refAnc(CAPTION).length() / 8, Rfc8331.ancBytes(CAPTION.udw.length));
        for (int n = 0; n <= 255; n++) {
            Ref r = new Ref(0, 1, 1, 0, 0, 1, 1, new int[n]);
            assertEquals(refAnc(r).length() / 8, Rfc8331.ancBytes(n), "words " + n);
        }
    }

    // ---- bad input ---------------------------------------------------------------------------------------------

    @Test
    void checksumAndParityErrorsDropOnlyTheBadPacket() {
        Ref good = new Ref(0, 12, 0, 0, 0, 0x60, 0x60, words8(1, 2, 3, 4, 5, 6, 7, 8));
        byte[] pkt = refRtp(true, 100, 1, 0, 0, 0, CAPTION, good);
        // flip one data bit of the caption's first user data word: its checksum no longer matches
        int udwBit = 20 * 8 + 32 + 30;
        byte[] csBad = pkt.clone();
        csBad[(udwBit + 5) / 8] ^= (byte) (0x80 >>> ((udwBit + 5) % 8));
        List<AncPacket> got = new ArrayList<>();
        Rfc8331.Parsed r = Rfc8331.parse(ByteBuffer.wrap(csBad), 12, csBad.length - 12, got);
        assertEquals(1, r.badChecksum);
        assertEquals(List.of(packet(good)), got);

        // flip b8 of the caption's DID: a parity error
        int didBit = 20 * 8 + 32 + 1;
        byte[] parBad = pkt.clone();
        parBad[didBit / 8] ^= (byte) (0x80 >>> (didBit % 8));
        got.clear();
        r = Rfc8331.parse(ByteBuffer.wrap(parBad), 12, parBad.length - 12, got);
        assertEquals(1, r.badParity);
        assertEquals(0, r.badChecksum);
        assertEquals(List.of(packet(good)), got);
    }

    @Test
    void truncatedAndOverlongPayloadsAreCaught() {
        byte[] pkt = refRtp(true, 100, 1, 0, 0, 0, CAPTION, CAPTION);
        for (int cut = 1; cut < pkt.length - 12; cut++) {
            List<AncPacket> got = new ArrayList<>();
            int len = pkt.length - 12 - cut;
            Rfc8331.Parsed r = Rfc8331.parse(ByteBuffer.wrap(pkt), 12, len, got);
            assertTrue(r.truncated || r.lengthMismatch, "cut " + cut);
            assertTrue(got.size() <= 1, "cut " + cut);
        }
        // ANC_Count says three, the data holds two
        byte[] more = pkt.clone();
        more[16] = 3;
        List<AncPacket> got = new ArrayList<>();
        Rfc8331.Parsed r = Rfc8331.parse(ByteBuffer.wrap(more), 12, more.length - 12, got);
        assertTrue(r.truncated);
        assertEquals(2, got.size());
        // Data_Count 255 in a short packet
        byte[] big = refRtp(true, 100, 1, 0, 0, 0, new Ref(0, 9, 0, 0, 0, 0x61, 0x01, words8(new int[255])));
        got.clear();
        r = Rfc8331.parse(ByteBuffer.wrap(big), 12, 100, got);
        assertTrue(r.truncated);
        assertTrue(got.isEmpty());
    }

    @Test
    void appRecordsRoundTripAndRefuseBadBuffers() {
        AncPacket cap = packet(CAPTION);
        AncPacket raw = new AncPacket(true, 2047, 4095, true, 5, 0x41, 0x05, new int[] {0x3FF, 0x001});
        ByteBuffer b = ByteBuffer.allocate(1000);
        int n0 = AncRecords.write(b, 0, cap, 0);
        int n = n0 + AncRecords.write(b, n0, raw, 0);
        assertEquals(AncRecords.size(cap) + AncRecords.size(raw), n);
        assertEquals(0, b.get(0), "caption words have parity: 8-bit form");
        assertEquals(AncRecords.FLAG_C | AncRecords.FLAG_S | AncRecords.FLAG_W, b.get(AncRecords.size(cap)) & 0xFF);
        List<AncPacket> back = new ArrayList<>();
        AncRecords.read(b, n, back);
        assertEquals(List.of(cap, raw), back);
        assertThrows(IllegalArgumentException.class, () -> AncRecords.read(b, n - 1, new ArrayList<>()));
        assertThrows(IllegalArgumentException.class, () -> AncRecords.read(b, 5, new ArrayList<>()));
        ByteBuffer bad = ByteBuffer.allocate(12);
        bad.put(0, (byte) 0x20).put(8, (byte) 1).putShort(10, (short) 0x400);
        assertThrows(IllegalArgumentException.class, () -> AncRecords.read(bad, 12, new ArrayList<>()));
        ByteBuffer line = ByteBuffer.allocate(10);
        line.putShort(2, (short) 2048);
        assertThrows(IllegalArgumentException.class, () -> AncRecords.read(line, 10, new ArrayList<>()));
    }

    // ---- SDP ---------------------------------------------------------------------------------------------------

    @Test
    void sdpOutAndIn() throws Exception {
        St2110Transports.Anc t = transport("wide");
        try (DatagramChannel sink = DatagramChannel.open()) {
            sink.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) sink.getLocalAddress()).getPort();
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-40",
                    new VideoFormat(1280, 720, Rational.of(60000, 1001), PixelFormat.YUV422_10_PGROUP))
                    .remote(new Endpoint("127.0.0.1", port)).option("did", "0x61").option("sdid", "1")
                    .option("vpid", "132").build(), TestSupport.txContext());
            try {
                String sdp = tx.description();
                assertTrue(sdp.contains("m=video " + port + " RTP/AVP 113"), sdp);
                assertTrue(sdp.contains("a=rtpmap:113 smpte291/90000"), sdp);
                assertTrue(sdp.contains("DID_SDID={0x61,0x01}"), sdp);
                assertTrue(sdp.contains("VPID_Code=132"), sdp);
                assertTrue(sdp.contains("exactframerate=60000/1001"), sdp);
                ConnectionSpec rx = t.parseDescription(sdp).orElseThrow();
                assertEquals(Direction.RX, rx.direction());
                assertEquals(port, rx.local().port());
                assertEquals(113, rx.payloadType());
                assertEquals("60000/1001", rx.options().get("rate"));
                assertEquals("61/01", rx.options().get("did_sdid"));
                assertEquals("132", rx.options().get("vpid"));
                assertTrue(rx.format() instanceof BlobFormat);
            } finally {
                tx.close();
            }
        }
        String fixture = "v=0\r\no=- 1 1 IN IP4 172.29.80.65\r\ns=anc\r\nt=0 0\r\nm=video 11437 RTP/AVP 105\r\n"
                + "c=IN IP4 232.32.87.86/32\r\n"
                + "a=source-filter: incl IN IP4 232.32.87.86 172.29.80.65\r\na=rtpmap:105 smpte291/90000\r\n"
                + "a=fmtp:105 DID_SDID={0x61,0x02};DID_SDID={0x41,0x05};VPID_Code=133;exactframerate=30000/1001;interlace\r\n"
                + "a=mediaclk:direct=0 rate=90000\r\n";
        ConnectionSpec rx = t.parseDescription(fixture).orElseThrow();
        assertEquals("232.32.87.86", rx.remote().host());
        assertEquals(11437, rx.local().port());
        assertEquals("61/02,41/05", rx.options().get("did_sdid"));
        assertEquals("133", rx.options().get("vpid"));
        assertEquals("30000/1001", rx.options().get("rate"));
        assertEquals("true", rx.options().get("interlaced"));
        assertTrue(t.parseDescription(fixture.replace("smpte291", "raw")).isEmpty());
        assertThrows(IllegalArgumentException.class,
                () -> t.parseDescription(fixture.replace("{0x41,0x05}", "{41,5}")));
        assertThrows(IllegalArgumentException.class,
                () -> t.parseDescription(fixture.replace("smpte291/90000", "smpte291/48000")));
    }

    // ---- through the transport over loopback -------------------------------------------------------------------

    static St2110Transports.Anc transport(String pacing) {
        St2110Transports.Anc t = new St2110Transports.Anc();
        t.activate(TestSupport.settings(pacing));
        return t;
    }

    static int freePort() throws Exception {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }
    }

    static Frame take(TestApp app) throws InterruptedException {
        Frame f = app.received.poll(3, TimeUnit.SECONDS);
        assertNotNull(f, "a buffer arrives");
        return f;
    }

    static byte[] bytes(Frame f) {
        byte[] b = new byte[f.length()];
        f.data().get(0, b);
        f.release();
        return b;
    }

    @Test
    void upstreamBuffersOverLoopback() throws Exception {
        St2110Transports.Anc t = transport("wide");
        int port = freePort();
        TestApp app = new TestApp(8, AncSessions.RX_BUFFER);
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(1460))
                .local(new Endpoint("", port)).build(), app);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-40", new BlobFormat(255))
                .remote(new Endpoint("127.0.0.1", port)).option("rate", "60000/1001").build(), TestSupport.txContext());
        try {
            byte[] text = "Hello, captions: user data words of one ANC packet".getBytes();
            int[] asInts = new int[text.length];
            for (int i = 0; i < text.length; i++) {
                asInts[i] = text[i];
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(tx.input().accept(TestSupport.frameOf(text)));
            }
            byte[][] got = new byte[3][];
            long[] ts = new long[3];
            for (int i = 0; i < 3; i++) {
                Frame f = take(app);
                ts[i] = f.timestamp();
                got[i] = bytes(f);
            }
            for (int i = 0; i < 3; i++) {
                ByteBuffer p = ByteBuffer.wrap(got[i]);
                // what upstream's proxy sends: one ANC packet, DID 43h SDID 02h, line 10, offset 0, marker set
                byte[] want = refRtp(true, 113, (Short.toUnsignedInt(p.getShort(12)) << 16) | Rtp.seq(p, 0),
                        Rtp.timestamp(p, 0), Rtp.ssrc(p, 0), 0, new Ref(0, 10, 0, 0, 0, 0x43, 0x02, words8(asInts)));
                assertArrayEquals(want, got[i], "the app gets the RTP packet as sent, packet " + i);
            }
            long d1 = (ts[1] - ts[0]) & 0xFFFF_FFFFL;
            long d2 = (ts[2] - ts[1]) & 0xFFFF_FFFFL;
            assertTrue((d1 == 1501 || d1 == 1502) && (d2 == 1501 || d2 == 1502) && d1 + d2 == 3003,
                    "59.94 Hz frame steps on the 90 kHz clock: " + d1 + ", " + d2);

            assertTrue(tx.input().accept(TestSupport.frameOf(new byte[0]))); // an ANC packet without data words
            tx.input().accept(TestSupport.frameOf(new byte[256])); // more than one ANC packet can carry
            await("tx's oversized counted").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                    .until(() -> tx.stats().get("oversized") > 0);
            assertEquals(1L, tx.stats().get("oversized"), tx.stats().toString());
            assertEquals(Rtp.HEADER + Rfc8331.PAYLOAD_HEADER + 12, bytes(take(app)).length,
                    "the empty buffer went as one ANC packet with no user data words");
            assertNull(app.received.poll(200, TimeUnit.MILLISECONDS), "nothing of the oversized buffer arrives");
        } finally {
            tx.close();
            rx.close();
        }
    }

    @Test
    void structuredPacketsOverLoopbackWithCaptionsAndFields() throws Exception {
        St2110Transports.Anc t = transport("none");
        int port = freePort();
        TestApp app = new TestApp(16, 4096);
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(4096))
                .local(new Endpoint("", port)).option("anc", "packets").build(), app);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-40", new BlobFormat(8192))
                .remote(new Endpoint("127.0.0.1", port)).option("anc", "packets").option("rate", "30000/1001")
                .option("interlaced", "true").build(), TestSupport.txContext());
        try {
            List<AncPacket> frame = new ArrayList<>();
            frame.add(packet(CAPTION));
            frame.add(new AncPacket(true, 2047, 4095, true, 3, 0x41, 0x05, new int[] {0x3FF, 0x000, 0x2AA}));
            for (int i = 0; i < 12; i++) { // enough 255-word packets to need several RTP packets
                int[] w = new int[255];
                for (int k = 0; k < w.length; k++) {
                    w[k] = Rfc8331.parity((k + i) & 0xFF);
                }
                frame.add(new AncPacket(false, 20 + i, i, false, 0, 0x50, i, w));
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(8192);
            int n = 0;
            for (AncPacket p : frame) {
                n += AncRecords.write(buf, n, p, 0);
            }
            byte[] content = new byte[n];
            buf.get(0, content);
            assertTrue(tx.input().accept(TestSupport.frameOf(content)));
            assertTrue(tx.input().accept(TestSupport.frameOf(content)));

            List<AncPacket> field1 = new ArrayList<>();
            List<AncPacket> field2 = new ArrayList<>();
            long ts1 = -1;
            long ts2 = -1;
            while (field1.size() + field2.size() < 2 * frame.size()) {
                Frame f = take(app);
                long ts = f.timestamp();
                byte[] b = bytes(f);
                List<AncPacket> got = new ArrayList<>();
                AncRecords.read(ByteBuffer.wrap(b), b.length, got);
                int fieldBits = b[9];
                if (fieldBits == Rfc8331.F_FIELD1) {
                    ts1 = ts;
                    field1.addAll(got);
                } else {
                    assertEquals(Rfc8331.F_FIELD2, fieldBits);
                    ts2 = ts;
                    field2.addAll(got);
                }
            }
            assertEquals(frame, field1);
            assertEquals(frame, field2);
            assertEquals(ts1, ts2, "both fields of a frame have the frame's timestamp");
            Map<String, Long> st = tx.stats();
            assertTrue(st.get("packets") > 2, "several RTP packets per field: " + st);
            assertEquals(2L * frame.size(), st.get("anc_packets"));
            assertEquals(2L * frame.size(), rx.stats().get("anc_packets"));
            assertEquals(0L, rx.stats().get("lost"));

            tx.input().accept(TestSupport.frameOf(new byte[] {1, 2, 3})); // a truncated record
            await("tx's bad_buffers counted").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                    .until(() -> tx.stats().get("bad_buffers") > 0);
            assertEquals(1L, tx.stats().get("bad_buffers"));
        } finally {
            tx.close();
            rx.close();
        }
    }

    @Test
    void receiverCountsAndDropsBadPacketsAndKeepsTheGoodOnes() throws Exception {
        St2110Transports.Anc t = transport("wide");
        int port = freePort();
        TestApp raw = new TestApp(8, 1460);
        TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(1460))
                .local(new Endpoint("", port)).build(), raw);
        try (DatagramChannel peer = DatagramChannel.open()) {
            peer.connect(new InetSocketAddress("127.0.0.1", port));
            Ref good = new Ref(0, 12, 0, 0, 0, 0x60, 0x60, words8(9, 8, 7));
            byte[] pkt = refRtp(true, 113, 5, 1000, 42, 0, CAPTION, good);
            int udwBit = 20 * 8 + 32 + 30;
            pkt[(udwBit + 5) / 8] ^= (byte) (0x80 >>> ((udwBit + 5) % 8)); // caption checksum now wrong
            peer.write(ByteBuffer.wrap(pkt));
            byte[] got = bytes(take(raw));
            assertArrayEquals(refRtp(true, 113, 5, 1000, 42, 0, good), got,
                    "the app gets the packet rebuilt with the good ANC packet only");
            assertEquals(1L, rx.stats().get("anc_bad_checksum"));

            peer.write(ByteBuffer.wrap(pkt, 0, 30)); // truncated inside the first ANC packet
            peer.write(ByteBuffer.wrap(new byte[] {(byte) 0x80, 113, 0, 7})); // not even an RTP header
            byte[] fInvalid = refRtp(true, 113, 8, 1000, 42, Rfc8331.F_INVALID, good);
            peer.write(ByteBuffer.wrap(fInvalid));
            byte[] ok = refRtp(true, 113, 9, 1000, 42, 0, good);
            peer.write(ByteBuffer.wrap(ok));
            assertArrayEquals(ok, bytes(take(raw)), "the next good packet arrives as it was sent");
            Map<String, Long> st = rx.stats();
            assertEquals(1L, st.get("anc_truncated"), st.toString());
            assertEquals(2L, st.get("bad_headers"), st.toString());
            assertNull(raw.failure);

            // a datagram larger than the app's buffers is counted, not cut
            TestApp small = new TestApp(4, 64);
            int port2 = freePort();
            TransportSession rx2 = t.open(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(64))
                    .local(new Endpoint("", port2)).build(), small);
            try (DatagramChannel p2 = DatagramChannel.open()) {
                p2.connect(new InetSocketAddress("127.0.0.1", port2));
                p2.write(ByteBuffer.wrap(refRtp(true, 113, 1, 0, 1, 0, CAPTION, CAPTION))); // 100 bytes
                await("rx2's oversized counted").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                        .until(() -> rx2.stats().get("oversized") > 0);
                assertEquals(1L, rx2.stats().get("oversized"));
                assertNull(small.received.poll(100, TimeUnit.MILLISECONDS));
            } finally {
                rx2.close();
            }
        } finally {
            rx.close();
        }
    }

    @Test
    void refusesWhatItCannotCarry() {
        St2110Transports.Anc t = transport("wide");
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "st2110-40",
                new org.mcm.api.media.AudioFormat(48_000, 2, 24, org.mcm.api.media.PacketTime.PT_1MS))
                .remote(new Endpoint("127.0.0.1", 9)).build(), TestSupport.txContext()));
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "st2110-40",
                new BlobFormat(255)).remote(new Endpoint("127.0.0.1", 9)).option("anc", "frames").build(),
                TestSupport.txContext()));
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "st2110-40",
                new BlobFormat(255)).remote(new Endpoint("127.0.0.1", 9)).option("did", "0x100").build(),
                TestSupport.txContext()));
    }
}
