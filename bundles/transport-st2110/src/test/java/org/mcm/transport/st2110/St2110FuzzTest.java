package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of what an ST 2110 network peer feeds the receivers: the RTP header and the
 * RFC 4175 (-20), RFC 9134 (-22), L16/L24 (-30) and RFC 8331 (-40) receive paths, and the SDP parser. Seeds in
 * {@code St2110FuzzTestInputs/<method>} (written by {@link FuzzSeeds} from the packetizers' own packets and the
 * golden RFC 8331 packet of {@link Rfc8331Test}). The build fuzzes each for {@code maxDuration} (JAZZER_FUZZ);
 * {@code -Djazzer.fuzz=0} runs the seeds and saved findings only. .ci/fuzz-long runs them for longer.
 *
 * <p>Video inputs come in two shapes, picked by their first byte: raw datagrams ({@code [u16 length][bytes]}...),
 * or edits (drop, duplicate, swap, truncate, damage the RTP flags) of a golden packet stream of two frames. Invariants
 * after each input, beyond "no exception": a frame is delivered only when complete (raw: no byte of it left as the
 * pool's random fill; edits: equal to the golden frame of its timestamp, at most once), every packet is counted
 * and every frame is counted once as complete, incomplete or dropped, every app buffer taken is given back or
 * delivered, and the -30/-40 sessions, opened once on a loopback port, leave no thread behind when closed.
 */
class St2110FuzzTest {

    static final AtomicLong RFC4175 = new AtomicLong();
    static final AtomicLong RFC9134 = new AtomicLong();
    static final AtomicLong AUDIO = new AtomicLong();
    static final AtomicLong ANC = new AtomicLong();
    static final AtomicLong SDP = new AtomicLong();

    /** Frame geometry of the -20 target: small, yet several packets and several segments per packet. */
    static final int W = 48;
    static final int H = 6;
    static final PGroup PG = PGroup.of(PixelFormat.YUV422_10_PGROUP);
    static final int PT = 96;
    static final int MAX_PAYLOAD = 150;
    static final long[] TS = {90_000L, 91_500L};
    static final byte[][] VIDEO_FRAMES = {content((int) ((long) PG.lineBytes(W) * H), 3), content((int) ((long) PG.lineBytes(W) * H), 11)};
    static final List<byte[]> VIDEO_GOLDEN = rfc4175Golden();

    /** -22: two picture segments, codestream mode and slice mode, cut into packets of at most this many bytes. */
    static final int JXS_PACKET = 100;
    static final byte[][] JXS_FRAMES = {content(700, 5), content(650, 9)};
    static final List<byte[]> JXS_GOLDEN = rfc9134Golden();

    static final PoisonPool AUDIO_APP = new PoisonPool(4, 2048);
    static final PoisonPool ANC_RAW_APP = new PoisonPool(4, AncSessions.RX_BUFFER);
    static final PoisonPool ANC_PACKETS_APP = new PoisonPool(4, AncSessions.RX_BUFFER);
    static AudioSessions.Rx audioRx;
    static AncSessions.Rx ancRaw;
    static AncSessions.Rx ancPackets;
    static final int AUDIO_UNIT = 6; // 2 channels of 24 bits

    @AfterAll
    static void report() throws Exception {
        for (TransportSession s : new TransportSession[] {audioRx, ancRaw, ancPackets}) {
            if (s != null) {
                s.close();
            }
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("st2110-")) {
                throw new AssertionError("thread left behind after close: " + t.getName());
            }
        }
        System.out.printf("St2110FuzzTest inputs: rfc4175 %d, rfc9134 %d, l24 %d, rfc8331 %d, sdp %d; no finding%n",
                RFC4175.get(), RFC9134.get(), AUDIO.get(), ANC.get(), SDP.get());
    }

    // ---------------------------------------------------------------- RTP + RFC 4175

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rfc4175(byte[] data) {
        RFC4175.incrementAndGet();
        boolean edits = data.length > 0 && (data[0] & 1) == 1;
        List<byte[]> packets = edits ? edit(VIDEO_GOLDEN, data) : datagrams(data);
        PoisonPool app = new PoisonPool(2, (int) ((long) PG.lineBytes(W) * H));
        St2110Counters c = new St2110Counters();
        Rfc4175Depacketizer d = new Rfc4175Depacketizer(W, H, PG, PT, app, app, c);
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        Map<Long, Integer> seen = new HashMap<>();
        for (byte[] p : packets) {
            pkt.clear();
            pkt.put(0, p);
            d.accept(pkt, p.length);
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

    /** A delivered frame: complete, of a known timestamp (edits: equal to its golden frame, once), then given back. */
    static void checkVideoFrame(PoisonPool app, Frame f, boolean edits, Map<Long, Integer> seen, byte[][] golden, String what) {
        try {
            app.assertNoHole(f, what);
            if (edits) {
                int i = Arrays.binarySearch(TS, f.timestamp());
                if (i < 0) {
                    throw new AssertionError(what + ": a frame of timestamp " + f.timestamp() + " that was never sent");
                }
                if (seen.merge(f.timestamp(), 1, Integer::sum) > 1) {
                    throw new AssertionError(what + ": frame " + f.timestamp() + " delivered twice");
                }
                byte[] got = new byte[f.length()];
                f.data().get(0, got);
                if (!Arrays.equals(got, golden[i])) {
                    throw new AssertionError(what + ": frame " + f.timestamp() + " delivered as good but differs from what was sent");
                }
            }
        } finally {
            f.release();
        }
    }

    // ---------------------------------------------------------------- RFC 9134

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rfc9134(byte[] data) {
        RFC9134.incrementAndGet();
        boolean edits = data.length > 0 && (data[0] & 1) == 1;
        List<byte[]> packets = edits ? edit(JXS_GOLDEN, data) : datagrams(data);
        int segments = 3;
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(segments);
        BlockingQueue<JxsSessions.Unit> full = new ArrayBlockingQueue<>(segments);
        for (int i = 0; i < segments; i++) {
            free.add(ByteBuffer.allocateDirect(1024).order(ByteOrder.BIG_ENDIAN));
        }
        St2110Counters c = new St2110Counters();
        JxsSessions.Reassembly r = new JxsSessions.Reassembly(PT, c, free, full);
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        // which timestamp each delivered unit had: the one of the packet that completed it
        Map<Long, Integer> seen = new HashMap<>();
        for (byte[] p : packets) {
            pkt.clear();
            pkt.put(0, p);
            r.accept(pkt, p.length);
            JxsSessions.Unit u;
            while ((u = full.poll()) != null) {
                ByteBuffer seg = u.seg();
                if (seg.limit() > seg.capacity() || seg.position() != 0) {
                    throw new AssertionError("rfc9134: segment bounds " + seg);
                }
                if (edits) {
                    long ts = p.length >= 8 ? Integer.toUnsignedLong(ByteBuffer.wrap(p).getInt(4)) : -1;
                    int i = Arrays.binarySearch(TS, ts);
                    byte[] got = new byte[seg.limit()];
                    seg.get(0, got);
                    if (i < 0 || !Arrays.equals(got, JXS_FRAMES[i])) {
                        throw new AssertionError("rfc9134: a picture segment delivered as complete differs from frame " + ts);
                    }
                    if (seen.merge(ts, 1, Integer::sum) > 1) {
                        throw new AssertionError("rfc9134: frame " + ts + " delivered twice");
                    }
                }
                seg.clear();
                free.add(seg);
            }
        }
        if (c.packets.sum() != packets.size()) {
            throw new AssertionError("packets counted " + c.packets.sum() + " of " + packets.size());
        }
        // at most one segment is still filling
        if (free.size() < segments - 1) {
            throw new AssertionError("rfc9134: picture segments lost: " + free.size() + " of " + segments + " free");
        }
    }

    // ---------------------------------------------------------------- L16/L24

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void l24(byte[] data) throws Exception {
        AUDIO.incrementAndGet();
        openSessions();
        List<byte[]> packets = datagrams(data);
        long before = audioRx.stats().get("packets");
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        for (byte[] p : packets) {
            pkt.clear();
            pkt.put(0, p);
            audioRx.handle(pkt, p.length);
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

    // ---------------------------------------------------------------- RFC 8331

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rfc8331(byte[] data) throws Exception {
        ANC.incrementAndGet();
        openSessions();
        List<byte[]> packets = datagrams(data);
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        for (byte[] p : packets) {
            pkt.clear();
            pkt.put(0, p);
            List<AncPacket> good = new ArrayList<>();
            ancRaw.handle(pkt, p.length);
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
            pkt.clear();
            pkt.put(0, p);
            ancPackets.handle(pkt, p.length);
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

    // ---------------------------------------------------------------- SDP

    static final String[] SDP_TRANSPORTS = {"st2110-20", "st2110-22", "st2110-30", "st2110-40"};

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void sdp(byte[] data) {
        SDP.incrementAndGet();
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

    // ---------------------------------------------------------------- inputs

    /** Raw datagrams: {@code [u16 length][bytes]}..., the last one whatever is left. */
    static List<byte[]> datagrams(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        int i = 1;
        while (i < data.length && out.size() < 64) {
            if (i + 2 > data.length) {
                break;
            }
            int n = Math.min(((data[i] & 0xFF) << 8 | (data[i + 1] & 0xFF)), data.length - i - 2);
            out.add(Arrays.copyOfRange(data, i + 2, i + 2 + n));
            i += 2 + n;
        }
        return out;
    }

    /**
     * The golden packets with the input's edits, one op a byte after the first: 0 pass the next packet, 1 drop it,
     * 2 send it twice, 3 swap it with the one after, 4 cut it short, 5 damage its version/flags/payload type byte;
     * the rest pass as they are. Edits never touch pixel data or the fields that place it: a receiver cannot tell
     * such damage from a real picture, so a frame delivered from these packets must equal the golden one.
     */
    static List<byte[]> edit(List<byte[]> golden, byte[] data) {
        List<byte[]> out = new ArrayList<>();
        int g = 0;
        int i = 1;
        while (g < golden.size() && i < data.length) {
            int op = (data[i++] & 0xFF) % 6;
            int arg = i < data.length ? data[i] & 0xFF : 0;
            byte[] p = golden.get(g);
            switch (op) {
                case 0 -> out.add(p);
                case 1 -> { }
                case 2 -> {
                    out.add(p);
                    out.add(p);
                }
                case 3 -> {
                    if (g + 1 < golden.size()) {
                        out.add(golden.get(++g));
                    }
                    out.add(p);
                }
                case 4 -> {
                    out.add(Arrays.copyOf(p, arg % p.length));
                    i++;
                }
                default -> {
                    byte[] q = p.clone();
                    q[arg & 1] ^= (byte) (arg | 1);
                    out.add(q);
                    i++;
                }
            }
            g++;
        }
        while (g < golden.size()) {
            out.add(golden.get(g++));
        }
        return out;
    }

    static byte[] content(int n, int k) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * k + 1);
        }
        return b;
    }

    /** Two frames as the production packetizer sends them. */
    static List<byte[]> rfc4175Golden() {
        List<byte[]> out = new ArrayList<>();
        Rfc4175Packetizer p = new Rfc4175Packetizer(W, H, PG, MAX_PAYLOAD, PT, 0x1234, 100);
        for (int f = 0; f < 2; f++) {
            ByteBuffer frame = ByteBuffer.allocateDirect(VIDEO_FRAMES[f].length);
            frame.put(0, VIDEO_FRAMES[f]);
            p.begin(frame, TS[f]);
            while (p.hasMore()) {
                int n = p.next();
                ByteBuffer b = ByteBuffer.allocate(n);
                p.copyTo(b);
                out.add(b.array());
            }
        }
        return out;
    }

    /** Frame 0 in codestream mode, frame 1 in slice mode (a header unit and two slice units). */
    static List<byte[]> rfc9134Golden() {
        List<byte[]> out = new ArrayList<>();
        int seq = 500;
        byte[] a = JXS_FRAMES[0];
        int packets = (a.length + JXS_PACKET - 1) / JXS_PACKET;
        for (int k = 0; k < packets; k++) {
            int from = k * JXS_PACKET;
            int to = Math.min(a.length, from + JXS_PACKET);
            boolean last = k == packets - 1;
            out.add(jxsPacket(seq++, TS[0], last, Rfc9134.header(last, 0, k), a, from, to));
        }
        byte[] b = JXS_FRAMES[1];
        int[] units = {0, 120, 400, b.length};
        for (int u = 0; u < 3; u++) {
            int p = 0;
            for (int from = units[u]; from < units[u + 1]; from += JXS_PACKET, p++) {
                int to = Math.min(units[u + 1], from + JXS_PACKET);
                boolean lastOfUnit = to == units[u + 1];
                out.add(jxsPacket(seq++, TS[1], lastOfUnit && u == 2,
                        Rfc9134.sliceHeader(lastOfUnit, 1, Rfc9134.unitSep(u), p), b, from, to));
            }
        }
        return out;
    }

    static byte[] jxsPacket(int seq, long ts, boolean marker, int header, byte[] src, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER + to - from);
        Rtp.write(b, 0, marker, PT, seq, ts, 0x4321);
        b.putInt(Rtp.HEADER, header);
        b.put(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER, src, from, to - from);
        return b.array();
    }

    /** The -30 and -40 receive sessions, opened once on loopback ports of this run (closed after all inputs). */
    static synchronized void openSessions() throws Exception {
        if (audioRx != null) {
            return;
        }
        Settings s = TestSupport.settings("wide");
        int base = Integer.getInteger("fuzz.port", 23_500);
        audioRx = new AudioSessions.Rx(ConnectionSpec.builder(Direction.RX, "st2110-30",
                new AudioFormat(48_000, 2, 24, PacketTime.PT_1MS)).local(new Endpoint("", base)).payloadType(PT).build(),
                AUDIO_APP, s);
        ancRaw = new AncSessions.Rx(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(1460))
                .local(new Endpoint("", base + 1)).payloadType(100).build(), ANC_RAW_APP, s);
        ancPackets = new AncSessions.Rx(ConnectionSpec.builder(Direction.RX, "st2110-40", new BlobFormat(1460))
                .local(new Endpoint("", base + 2)).payloadType(100).option("anc", "packets").build(), ANC_PACKETS_APP, s);
    }
}
