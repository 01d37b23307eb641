package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * ST 2110-40 sessions (RFC 8331 ancillary data). Two kinds of app buffers, chosen with the connection option
 * {@code anc}:
 * <ul>
 * <li>{@code raw} (default, as upstream MCM 24.09 with MTL): a sender's buffer is the user data words (8-bit data)
 * of one ANC packet, sent as one frame (options {@code did}, {@code sdid}, {@code line}, {@code offset}; default
 * DID 43h SDID 02h line 10 offset 0, what upstream sends); a receiver's buffer is one whole RTP packet as it
 * arrived (header included).</li>
 * <li>{@code packets}: whole ANC packets in the {@link AncRecords} layout both ways; a sender's buffer is one
 * frame (or field), packed into as few RTP packets as fit; a receiver's buffer is the ANC packets of one RTP
 * packet.</li>
 * </ul>
 * One buffer is sent per frame period of the session's rate (a VideoFormat's frame rate, else option {@code rate},
 * default 60000/1001), or per field period with {@code interlaced=true}; the RTP timestamp is the frame's 90 kHz
 * time and the marker is set on its last packet. Bad packets (parity, checksum, truncated, too large) are counted
 * and dropped, never passed on.
 */
final class AncSessions {

    /** What upstream's proxy sends (MTL st40 frame of one packet). */
    static final int DEFAULT_DID = 0x43;
    static final int DEFAULT_SDID = 0x02;
    static final int DEFAULT_LINE = 10;
    /** Default RTP payload type (upstream's proxy uses 113). */
    static final int DEFAULT_PT = 113;
    /** Buffer size an SDP-described receiver asks for: one datagram of the largest standard UDP payload. */
    static final int RX_BUFFER = 1460;

    private AncSessions() {
    }

    static boolean structured(ConnectionSpec spec) throws TransportException {
        String m = spec.options().getOrDefault("anc", "raw").trim().toLowerCase(Locale.ROOT);
        return switch (m) {
            case "raw", "udw", "rtp" -> false;
            case "packets" -> true;
            default -> throw new TransportException("option anc must be raw or packets, not '" + m + "'");
        };
    }

    static Rational rate(ConnectionSpec spec) throws TransportException {
        String r = spec.options().get("rate");
        try {
            if (r != null && !r.isBlank()) {
                return Rational.parse(r.trim());
            }
        } catch (IllegalArgumentException e) {
            throw new TransportException("option rate '" + r + "' is not a frame rate (60000/1001, 59.94, 50)");
        }
        if (spec.format() instanceof VideoFormat v) {
            return v.frameRate();
        }
        return Rational.of(60_000, 1001);
    }

    static boolean interlaced(ConnectionSpec spec) {
        return Boolean.parseBoolean(spec.options().getOrDefault("interlaced", "false").trim());
    }

    static int intOption(ConnectionSpec spec, String key, int def, int max) throws TransportException {
        String v = spec.options().get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            String t = v.trim().toLowerCase(Locale.ROOT);
            int n = t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16)
                    : t.endsWith("h") ? Integer.parseInt(t.substring(0, t.length() - 1), 16) : Integer.parseInt(t);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new TransportException("option " + key + " must be 0.." + max + ", not '" + v + "'");
    }

    static void checkFormat(MediaFormat f) throws TransportException {
        if (!(f instanceof VideoFormat) && !(f instanceof BlobFormat)) {
            throw new TransportException("st2110-40 carries ancillary data (a blob format, or the video format whose "
                    + "frame rate it follows), not " + f);
        }
    }

    /** Per-session ANC counters on top of the common ones. */
    static final class AncCounters {
        final St2110Counters common = new St2110Counters();
        final LongAdder ancPackets = new LongAdder();
        final LongAdder badParity = new LongAdder();
        final LongAdder badChecksum = new LongAdder();
        final LongAdder truncated = new LongAdder();
        final LongAdder lengthMismatch = new LongAdder();
        final LongAdder oversized = new LongAdder();
        final LongAdder badBuffers = new LongAdder();

        Map<String, Long> snapshot() {
            Map<String, Long> m = common.snapshot();
            m.put("anc_packets", ancPackets.sum());
            m.put("anc_bad_parity", badParity.sum());
            m.put("anc_bad_checksum", badChecksum.sum());
            m.put("anc_truncated", truncated.sum());
            m.put("anc_length_mismatch", lengthMismatch.sum());
            m.put("oversized", oversized.sum());
            m.put("bad_buffers", badBuffers.sum());
            return m;
        }
    }

    /** Sender: one app buffer per frame (or field) period. */
    static final class Tx implements TransportSession {
        private final TransportContext ctx;
        private final DatagramChannel channel;
        private final AncCounters counters = new AncCounters();
        private final BlockingQueue<Frame> queue;
        private final boolean structured;
        private final boolean interlaced;
        private final boolean paced;
        private final Rational rate;
        private final long periodNanos;
        private final int pt;
        private final int ssrc = ThreadLocalRandom.current().nextInt();
        private final long tsBase = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
        private final int did;
        private final int sdid;
        private final int line;
        private final int offset;
        private final int maxPayload;
        private final ByteBuffer packet;
        private final String sdp;
        private final Thread thread;
        private final List<AncPacket> pending = new ArrayList<>();
        private long extSeq = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
        private long unitIndex;
        private volatile boolean running = true;

        Tx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            checkFormat(spec.format());
            this.ctx = ctx;
            this.structured = structured(spec);
            this.rate = rate(spec);
            this.interlaced = interlaced(spec);
            long units = interlaced ? 2L * rate.numerator() : rate.numerator();
            this.periodNanos = rate.denominator() * 1_000_000_000L / units;
            this.paced = !"none".equalsIgnoreCase(s.pacing());
            this.pt = spec.payloadType() == 0 ? DEFAULT_PT : spec.payloadType();
            this.did = intOption(spec, "did", DEFAULT_DID, 0xFF);
            this.sdid = intOption(spec, "sdid", DEFAULT_SDID, 0xFF);
            this.line = intOption(spec, "line", DEFAULT_LINE, AncPacket.LINE_ANY);
            this.offset = intOption(spec, "offset", 0, AncPacket.OFFSET_ANY);
            this.maxPayload = Math.max(Rtp.HEADER + Rfc8331.PAYLOAD_HEADER + Rfc8331.ancBytes(AncPacket.MAX_UDW),
                    Math.min(s.maxUdpPayload(), 8960));
            this.packet = ByteBuffer.allocateDirect(maxPayload).order(ByteOrder.BIG_ENDIAN);
            this.channel = Udp.sender(s.ip(), s.device(), spec.local(), spec.remote(), s.socketBuffer(), s.multicastTtl());
            this.queue = new ArrayBlockingQueue<>(Math.max(1, s.txQueueFrames()));
            String src = spec.local().host().isEmpty() ? s.ip() : spec.local().host();
            List<int[]> didSdid = new ArrayList<>();
            if (!structured) {
                didSdid.add(new int[] {did, sdid});
            }
            int vpid = spec.options().containsKey("vpid") ? intOption(spec, "vpid", 0, 0xFF) : -1;
            this.sdp = Sdp.anc(ctx.sessionId(), src, spec.remote().host(), spec.remote().port(), pt, rate, interlaced,
                    didSdid, vpid);
            this.thread = SessionThread.of("st2110-40-tx-" + ctx.sessionId(), ctx, () -> running, this::run);
            thread.start();
        }

        /**
         * Queues an app buffer. An app faster than the rate waits for a free slot (as upstream's proxy makes it wait
         * for a free MTL frame): the app's buffers stay in flight, which paces it, and no ancillary data is lost;
         * after a second without a slot (or when the session closes) the buffer is dropped and counted.
         */
        private boolean offer(Frame f) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            try {
                while (running && System.nanoTime() < deadline) {
                    if (queue.offer(f, 50, TimeUnit.MILLISECONDS)) {
                        if (running || !queue.remove(f)) { // closed as it went in: close() may have emptied the queue
                            return true;
                        }
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            counters.common.framesDropped.increment();
            f.release();
            return false;
        }

        private void run() {
            long next = System.nanoTime();
            while (running) {
                Frame f;
                try {
                    f = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (f == null) {
                    continue;
                }
                long now = System.nanoTime();
                if (now - next > periodNanos || !paced) {
                    next = now;
                }
                try {
                    if (paced) {
                        VideoTxSession.parkUntil(next);
                    }
                    sendUnit(f);
                } catch (ClosedChannelException e) {
                    break;
                } catch (IOException e) {
                    counters.common.sendErrors.increment();
                    ctx.failed("ST 2110-40 send failed: " + e.getMessage());
                    break;
                } finally {
                    f.release();
                }
                next += periodNanos;
            }
        }

        /** Sends one app buffer as the ANC data of the next frame or field. */
        private void sendUnit(Frame f) throws IOException {
            pending.clear();
            int len = f.length();
            ByteBuffer data = f.data().duplicate().order(ByteOrder.BIG_ENDIAN); // app buffers are little-endian views
            if (len < 0 || len > data.capacity()) {
                counters.badBuffers.increment();
                return;
            }
            if (structured) {
                try {
                    AncRecords.read(data, len, pending);
                } catch (IllegalArgumentException e) {
                    counters.badBuffers.increment();
                    return;
                }
            } else {
                if (len > AncPacket.MAX_UDW) {
                    counters.oversized.increment(); // one ANC packet carries at most 255 user data words
                    return;
                }
                int[] udw = new int[len];
                for (int i = 0; i < len; i++) {
                    udw[i] = Rfc8331.parity(data.get(i));
                }
                pending.add(new AncPacket(false, line, offset, false, 0, did, sdid, udw));
            }
            long u = unitIndex++;
            long rtpTs = (tsBase + Rtp.mediaTime(interlaced ? u / 2 : u, 90_000, rate.numerator(),
                    rate.denominator())) & 0xFFFF_FFFFL;
            int field = interlaced ? (u % 2 == 0 ? Rfc8331.F_FIELD1 : Rfc8331.F_FIELD2) : Rfc8331.F_PROGRESSIVE;
            int i = 0;
            do {
                int pos = Rtp.HEADER + Rfc8331.PAYLOAD_HEADER;
                int count = 0;
                while (i < pending.size() && count < 255
                        && pos + Rfc8331.ancBytes(pending.get(i).udwCount()) <= maxPayload) {
                    pos += Rfc8331.pack(packet, pos, pending.get(i));
                    i++;
                    count++;
                }
                boolean last = i == pending.size();
                Rtp.write(packet, 0, last, pt, (int) extSeq, rtpTs, ssrc);
                Rfc8331.writeHeader(packet, Rtp.HEADER, (int) (extSeq >>> 16),
                        pos - Rtp.HEADER - Rfc8331.PAYLOAD_HEADER, count, field);
                extSeq = (extSeq + 1) & 0xFFFF_FFFFL;
                ByteBuffer out = packet.duplicate();
                out.position(0).limit(pos);
                if (Udp.write(channel, new ByteBuffer[] {out}, counters.common) >= 0) {
                    counters.common.packets.increment();
                    counters.common.bytes.add(pos);
                    counters.ancPackets.add(count);
                }
            } while (i < pending.size());
            counters.common.framesComplete.increment();
        }

        @Override
        public FrameSink input() {
            return this::offer;
        }

        @Override
        public Map<String, Long> stats() {
            Map<String, Long> m = counters.snapshot();
            m.put("queued", (long) queue.size());
            return m;
        }

        @Override
        public String description() {
            return sdp;
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            Closing.quietly(channel);
            Closing.join(thread, 2000);
            Frame f;
            while ((f = queue.poll()) != null) {
                f.release();
            }
        }
    }

    /** Receiver: one app buffer per valid RTP packet (raw) or per RTP packet's good ANC packets (packets). */
    static final class Rx implements TransportSession {
        private final TransportContext ctx;
        private final DatagramChannel channel;
        private final AncCounters counters = new AncCounters();
        private final boolean structured;
        private final int pt;
        private final Thread thread;
        private final List<AncPacket> good = new ArrayList<>();
        private volatile boolean running = true;
        private int lastSeq = -1;
        private long frames;

        Rx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            checkFormat(spec.format());
            this.ctx = ctx;
            this.structured = structured(spec);
            this.pt = spec.payloadType();
            this.channel = Udp.receiver(s.ip(), s.device(), spec.local(), spec.remote().host(), s.socketBuffer());
            this.thread = SessionThread.of("st2110-40-rx-" + ctx.sessionId(), ctx, () -> running, this::run);
            thread.start();
        }

        private void run() {
            ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
            try {
                while (running) {
                    pkt.clear();
                    channel.receive(pkt);
                    handle(pkt, pkt.position());
                }
            } catch (ClosedChannelException e) {
                // closed
            } catch (IOException e) {
                if (running) {
                    ctx.failed("ST 2110-40 receive failed: " + e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Checks one datagram of len bytes and hands what is good in it to the app. */
        void handle(ByteBuffer pkt, int len) throws InterruptedException {
            counters.common.packets.increment();
            counters.common.bytes.add(len);
            int h = Rtp.headerLength(pkt, len);
            if (h < 0 || Rtp.version(pkt, 0) != 2 || (pt > 0 && Rtp.payloadType(pkt, 0) != pt)) {
                counters.common.badHeaders.increment();
                return;
            }
            int payload = len - h;
            if (Rtp.padding(pkt, 0)) {
                int pad = Byte.toUnsignedInt(pkt.get(len - 1));
                if (pad == 0 || pad > payload) {
                    counters.common.badHeaders.increment();
                    return;
                }
                payload -= pad;
            }
            if (payload < Rfc8331.PAYLOAD_HEADER) {
                counters.truncated.increment();
                return;
            }
            good.clear();
            Rfc8331.Parsed r = Rfc8331.parse(pkt, h, payload, good);
            if (r.f == Rfc8331.F_INVALID) {
                counters.common.badHeaders.increment();
                return;
            }
            trackSequence(Rtp.seq(pkt, 0));
            counters.badParity.add(r.badParity);
            counters.badChecksum.add(r.badChecksum);
            if (r.truncated) {
                counters.truncated.increment();
            }
            if (r.lengthMismatch) {
                counters.lengthMismatch.increment();
            }
            counters.ancPackets.add(good.size());
            if (good.isEmpty() && (r.declaredCount > 0 || structured)) {
                return; // nothing good in it (or an empty packet, which carries nothing for a packets app)
            }
            Frame f = ctx.frameSource() == null ? null : ctx.frameSource().acquire(0, TimeUnit.NANOSECONDS);
            if (f == null) {
                counters.common.noBuffer.increment();
                return;
            }
            ByteBuffer dst = f.data().duplicate().order(ByteOrder.BIG_ENDIAN); // app buffers are little-endian views
            int n;
            if (structured) {
                n = 0;
                for (AncPacket p : good) {
                    n += AncRecords.size(p);
                }
                if (n > dst.capacity()) {
                    counters.oversized.increment();
                    f.release();
                    return;
                }
                int pos = 0;
                for (AncPacket p : good) {
                    pos += AncRecords.write(dst, pos, p, r.f);
                }
            } else if (r.bad() == 0 && !r.lengthMismatch) {
                n = len; // as it came, padding included (upstream hands the app the RTP packet)
                if (n > dst.capacity()) {
                    counters.oversized.increment();
                    f.release();
                    return;
                }
                dst.put(0, pkt, 0, n);
            } else {
                n = repack(pkt, h, r.f, dst, f);
                if (n < 0) {
                    return;
                }
            }
            f.length(n);
            f.timestamp(Rtp.timestamp(pkt, 0));
            f.sequence(frames++);
            counters.common.framesComplete.increment();
            ctx.output().accept(f);
        }

        /** The RTP packet again with only its good ANC packets (and a fixed header); -1 when it does not fit. */
        private int repack(ByteBuffer pkt, int h, int field, ByteBuffer dst, Frame f) {
            int n = Rtp.HEADER + Rfc8331.PAYLOAD_HEADER;
            for (AncPacket p : good) {
                n += Rfc8331.ancBytes(p.udwCount());
            }
            if (n > dst.capacity()) {
                counters.oversized.increment();
                f.release();
                return -1;
            }
            dst.put(0, pkt, 0, Rtp.HEADER);
            dst.put(0, (byte) 0x80); // no padding, extension or CSRCs in the rebuilt packet
            int pos = Rtp.HEADER + Rfc8331.PAYLOAD_HEADER;
            for (AncPacket p : good) {
                pos += Rfc8331.pack(dst, pos, p);
            }
            Rfc8331.writeHeader(dst, Rtp.HEADER, Short.toUnsignedInt(pkt.getShort(h)),
                    pos - Rtp.HEADER - Rfc8331.PAYLOAD_HEADER, good.size(), field);
            return pos;
        }

        private void trackSequence(int seq) {
            if (lastSeq >= 0) {
                int diff = (seq - lastSeq - 1) & 0xFFFF;
                if (diff == 0xFFFF) {
                    counters.common.duplicates.increment();
                    return;
                } else if (diff >= 0x8000) {
                    counters.common.reordered.increment();
                    return;
                } else if (diff > 0) {
                    counters.common.lost.add(diff);
                }
            }
            lastSeq = seq;
        }

        @Override
        public FrameSink input() {
            return NoApp.SINK;
        }

        @Override
        public Map<String, Long> stats() {
            return counters.snapshot();
        }

        @Override
        public void close() {
            running = false;
            Closing.quietly(channel);
            Closing.join(thread, 2000);
        }
    }
}
