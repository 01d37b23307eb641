package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.codec.Codec;
import org.mcm.api.codec.CodecException;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * The ST 2110-22 sender (see {@link JxsSessions}): encodes each app frame with the {@code jpegxs} codec into one of
 * {@link #SEGMENTS} picture segments while another is paced out over the frame period in RFC 9134 packets.
 */
final class JxsTxSession implements TransportSession {
    private final TransportContext ctx;
    private final VideoFormat format;
    private final DatagramChannel channel; // without the fast path
    private final GsoSender gso; // the kernel fast path (UDP GSO batches), or null
    private final long[] batchAddrs;
    private volatile long gsoSends;
    private final VideoEncoder encoder;
    /**
     * Picture segments: the encoder fills one while the sender paces another out (encoding and sending in turn on one
     * thread could not reach 60 fps at 1080p: sending alone spreads over the frame period). With two, the encoder
     * could start frame n+2 only when frame n's last packet had left (its slot's active period over), so an encode
     * had to fit in two periods less an active period (17.3 ms at 1080p60, against 15-20 ms of encoder wall time
     * a frame beside a -22 receiver on two cores) and a frame caught up late held up the next ones; with three it
     * has a whole period more (session 14).
     */
    static final int SEGMENTS = 3;
    private final BlockingQueue<Segment> freeSegments = new ArrayBlockingQueue<>(SEGMENTS);
    private final BlockingQueue<Segment> fullSegments = new ArrayBlockingQueue<>(SEGMENTS);
    private ByteBuffer segment; // the one being sent (sender thread only)
    private Segment sending; // its views
    // the packetization units of the frame being sent: codestream mode one, slice mode as many as the stream's
    // slices (the array reused from frame to frame)
    private final int[] wholeUnit = new int[2];
    private int[] sliceUnits;
    private final ByteBuffer header = ByteBuffer.allocateDirect(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER).order(ByteOrder.BIG_ENDIAN);
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private final BlockingQueue<Frame> queue;
    private final St2110Counters counters = new St2110Counters();
    private final LongAdder encodeErrors = new LongAdder();
    private final LongAdder unitsUndelimited = new LongAdder();
    private final LongAdder framesLate = new LongAdder(); // started after the start of their slot (caught up)
    private final LongAdder scheduleRestarts = new LongAdder(); // more than JxsSendGrid.MAX_LATE_PERIODS late
    // where the time goes (µs, summed): the encoder waiting for an app frame, for a free segment, encoding; the
    // sender's frames' lateness at their slot, and the time restarts gave up
    private final LongAdder waitFrameNanos = new LongAdder();
    private final LongAdder waitSegmentNanos = new LongAdder();
    private final LongAdder encodeNanos = new LongAdder();
    private final LongAdder encodesOverPeriod = new LongAdder();
    private final LongAdder lateNanos = new LongAdder();
    private final LongAdder restartNanos = new LongAdder();
    private final boolean sliceMode;
    private final int codecThreads;
    private volatile long lastUnits;
    private final int pt;
    private final int ssrc = ThreadLocalRandom.current().nextInt();
    private final int maxData;
    private final long framePeriodNanos;
    private final boolean paced;
    private final String sdp;
    private final DirectArena arena;
    private final Thread thread; // encodes
    private final Thread sender; // sends, paced
    private final long tsBase = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
    private volatile boolean running = true;
    private volatile long lastCodestream;
    private volatile long lastEncodeNanos;
    private int seq = ThreadLocalRandom.current().nextInt(0x10000);
    private long frameIndex;
    private final FrameSink input = this::offer;

    JxsTxSession(ConnectionSpec spec, TransportContext ctx, Settings s, Codec codec) throws TransportException {
        this.ctx = ctx;
        this.format = (VideoFormat) spec.format();
        JxsSessions.checkFormat(codec, format);
        this.sliceMode = JxsSessions.sliceMode(spec);
        this.codecThreads = JxsSessions.codecThreads(spec, codec, true);
        try {
            this.encoder = codec.encoder(format, JxsSessions.encoderParams(spec, codec));
        } catch (CodecException e) {
            throw new TransportException("st2110-22: " + e.getMessage(), e);
        }
        this.arena = DirectArena.of("st2110-22 session " + ctx.sessionId(), s);
        GsoSender g = null;
        try { // a constructor that fails gives back what it took
        for (int i = 0; i < SEGMENTS; i++) {
            freeSegments.add(new Segment(arena.allocate(Rfc9134.BOXES + encoder.maxEncodedSize())
                    .order(ByteOrder.BIG_ENDIAN)));
        }
        this.pt = spec.payloadType() == 0 ? 114 : spec.payloadType();
        this.maxData = s.maxUdpPayload() - Rtp.HEADER - Rfc9134.PAYLOAD_HEADER;
        this.framePeriodNanos = format.frameRate().denominator() * 1_000_000_000L / format.frameRate().numerator();
        this.paced = !"none".equalsIgnoreCase(s.pacing());
        String src = spec.local().host().isEmpty() ? s.ip() : spec.local().host();
        if (!"off".equalsIgnoreCase(s.fastPath()) && VideoTxSession.isIpv4Literal(src) && Udp.nativeMulticastOk(s.device(), src, spec.remote().host())
                && VideoTxSession.isIpv4Literal(spec.remote().host())) {
            int hdr = Rtp.HEADER + Rfc9134.PAYLOAD_HEADER;
            g = GsoSender.open(src, spec.local().port(), spec.remote().host(), spec.remote().port(),
                    s.multicastTtl(), s.socketBuffer(), hdr, hdr + maxData);
        }
        this.gso = g == null ? null : g.countingIn(counters);
        this.batchAddrs = new long[g == null ? 1 : g.batch()];
        this.channel = g != null ? null
                : Udp.sender(s.ip(), s.device(), spec.local(), spec.remote(), s.socketBuffer(), s.multicastTtl());
        this.queue = new ArrayBlockingQueue<>(Math.max(1, s.txQueueFrames()));
        this.sdp = Sdp.jxs(ctx.sessionId(), src, spec.remote().host(), spec.remote().port(), pt, format,
                Double.parseDouble(JxsSessions.bpp(spec)), sliceMode);
        } catch (TransportException | RuntimeException e) {
            if (g != null) {
                g.close();
            }
            encoder.close();
            arena.close();
            throw e;
        }
        gather[0] = header;
        thread = SessionThread.of("st2110-22-tx-" + ctx.sessionId(), ctx, () -> running, this::encodeLoop);
        sender = SessionThread.of("st2110-22-send-" + ctx.sessionId(), ctx, () -> running, this::sendLoop);
        thread.start();
        sender.start();
    }

    private boolean offer(Frame f) {
        if (!running || f.length() < format.bufferSize() || !queue.offer(f)
                || !running && queue.remove(f)) { // closed as it went in: close() may have emptied the queue already
            counters.framesDropped.increment();
            f.release();
            return false;
        }
        return true;
    }

    /** Encodes queued frames into free segments and hands them to the sender. */
    private void encodeLoop() {
        while (running) {
            Frame f;
            long w0 = System.nanoTime();
            try {
                f = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            long w1 = System.nanoTime();
            waitFrameNanos.add(w1 - w0);
            if (f == null) {
                continue;
            }
            Segment seg = null;
            try {
                while (running && seg == null) {
                    seg = freeSegments.poll(100, TimeUnit.MILLISECONDS);
                }
                waitSegmentNanos.add(System.nanoTime() - w1);
                if (seg == null) {
                    break;
                }
                // the frame's own buffer when it starts at 0 (as the app's pooled buffers do): the codec then keeps
                // its view of it from frame to frame; otherwise a view from 0
                ByteBuffer raw = f.data();
                if (raw.position() != 0 || raw.remaining() < format.bufferSize()) {
                    raw = raw.duplicate();
                    raw.position(0).limit((int) format.bufferSize());
                }
                long t0 = System.nanoTime();
                int n = encoder.encode(raw, seg.out);
                long took = System.nanoTime() - t0;
                lastEncodeNanos = took;
                encodeNanos.add(took);
                if (took > framePeriodNanos) {
                    encodesOverPeriod.increment();
                }
                lastCodestream = n;
                Rfc9134.writeBoxes(seg.buf, 0, format, n);
                seg.buf.limit(Rfc9134.BOXES + n);
                fullSegments.put(seg); // room: it holds every segment
                seg = null;
            } catch (CodecException e) {
                encodeErrors.increment();
            } catch (InterruptedException e) {
                break;
            } finally {
                f.release();
                if (seg != null) {
                    seg.buf.clear();
                    freeSegments.offer(seg);
                }
            }
        }
    }

    /**
     * Sends encoded segments, each spread over a frame period when paced: on the grid of {@link JxsSendGrid}, a late
     * frame caught up rather than its time given up.
     */
    private void sendLoop() {
        long active = TxSchedule.activeOf(framePeriodNanos);
        JxsSendGrid grid = new JxsSendGrid(framePeriodNanos, active);
        while (running) {
            Segment seg;
            try {
                seg = fullSegments.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (seg == null) {
                continue;
            }
            long start = System.nanoTime();
            long span = active;
            if (paced) {
                long late = grid.late(), lateNs = grid.lateNanos(), restarts = grid.restarts(), lost = grid.restartNanos();
                grid.place(start);
                start = grid.start();
                span = grid.span();
                framesLate.add(grid.late() - late);
                lateNanos.add(grid.lateNanos() - lateNs);
                scheduleRestarts.add(grid.restarts() - restarts);
                restartNanos.add(grid.restartNanos() - lost);
            }
            try {
                segment = seg.buf;
                sending = seg;
                send(seg.buf.limit(), start, span);
                counters.framesComplete.increment();
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                counters.sendErrors.increment();
                ctx.failed("ST 2110-22 send failed: " + e.getMessage());
                break;
            } finally {
                seg.buf.clear();
                freeSegments.offer(seg);
            }
        }
    }

    /**
     * The packetization units of a picture segment: codestream mode one (the whole segment), slice mode the
     * header segment then one per slice (undelimitable codestreams go as header plus one unit, counted).
     */
    private int[] units(int total) {
        if (sliceMode) {
            int[] u = Rfc9134.sliceUnits(segment, total, sliceUnits);
            if (u != null) {
                sliceUnits = u;
                return u;
            }
            unitsUndelimited.increment();
            int soc = Math.max(0, Rfc9134.codestreamStart(segment, total));
            if (soc > 0) {
                return new int[] {0, soc, total}; // (a stream that cannot be delimited: not the steady path)
            }
        }
        wholeUnit[1] = total;
        return wholeUnit;
    }

    /** Sends a frame's packets, packet i of n at {@code start + span * i / n} when paced. */
    private void send(int total, long start, long span) throws IOException {
        long rtpTs = (tsBase + Rtp.mediaTime(frameIndex, 90_000, format.frameRate().numerator(),
                format.frameRate().denominator())) & 0xFFFF_FFFFL;
        int fc = (int) (frameIndex++ & 0x1F);
        int[] units = units(total);
        int nu = units.length - 1;
        lastUnits = nu;
        int packets = 0;
        for (int u = 0; u < nu; u++) {
            packets += Math.max(1, (units[u + 1] - units[u] + maxData - 1) / maxData);
        }
        int i = 0;
        for (int u = 0; u < nu; u++) {
            int unitLen = units[u + 1] - units[u];
            int inUnit = Math.max(1, (unitLen + maxData - 1) / maxData);
            if (gso != null) {
                i = sendUnitGso(units[u], unitLen, u, inUnit, i, packets, fc, rtpTs, start, span);
                continue;
            }
            for (int k = 0; k < inUnit; k++, i++) {
                sendPacket(units[u], unitLen, u, k, inUnit, i, packets, fc, rtpTs, start, span);
            }
        }
    }

    /**
     * The packets of one packetization unit in GSO batches (all full but the unit's last packet, which ends its
     * batch); returns the frame's packet index after them.
     */
    private int sendUnitGso(int unitOff, int unitLen, int unit, int inUnit, int i, int packets, int fc,
            long rtpTs, long start, long span) throws IOException {
        final int hdr = Rtp.HEADER + Rfc9134.PAYLOAD_HEADER;
        final long base = sending.address();
        final ByteBuffer h = gso.headers();
        int k = 0;
        while (k < inUnit) {
            int n = Math.min(gso.batch(), inUnit - k);
            if (paced) { // the first batch too: not before the frame's slot (the sender may be a frame ahead)
                VideoTxSession.parkUntil(start + span * i / packets);
            }
            long bytes = 0;
            int len = 0;
            for (int j = 0; j < n; j++, k++, i++) {
                len = Math.min(maxData, unitLen - k * maxData);
                boolean last = i == packets - 1;
                Rtp.write(h, j * hdr, last, pt, seq, rtpTs, ssrc);
                h.putInt(j * hdr + Rtp.HEADER, sliceMode
                        ? Rfc9134.sliceHeader(k == inUnit - 1, fc, Rfc9134.unitSep(unit), k)
                        : Rfc9134.header(last, fc, i));
                batchAddrs[j] = base + unitOff + (long) k * maxData;
                seq = (seq + 1) & 0xFFFF;
                bytes += hdr + len;
            }
            gsoSends++;
            if (gso.send(batchAddrs, n, len)) {
                counters.packets.add(n);
                counters.bytes.add(bytes);
            }
        }
        return i;
    }

    private void sendPacket(int unitOff, int unitLen, int unit, int k, int inUnit, int i, int packets, int fc,
            long rtpTs, long start, long span) throws IOException {
        {
            if (paced && i % 32 == 0) {
                VideoTxSession.parkUntil(start + span * i / packets);
            }
            int off = unitOff + k * maxData;
            int len = Math.min(maxData, unitLen - k * maxData);
            boolean lastOfUnit = k == inUnit - 1;
            boolean last = i == packets - 1;
            header.clear();
            Rtp.write(header, 0, last, pt, seq, rtpTs, ssrc);
            header.putInt(Rtp.HEADER, sliceMode ? Rfc9134.sliceHeader(lastOfUnit, fc, Rfc9134.unitSep(unit), k)
                    : Rfc9134.header(last, fc, i));
            ByteBuffer data = sending.packet;
            data.limit(off + len).position(off);
            gather[1] = data;
            boolean sent = Udp.write(channel, gather, counters) >= 0;
            seq = (seq + 1) & 0xFFFF;
            if (sent) {
                counters.packets.increment();
                counters.bytes.add(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER + len);
            }
        }
    }

    @Override
    public FrameSink input() {
        return input;
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = counters.snapshot();
        m.put("encode_errors", encodeErrors.sum());
        m.put("codestream_bytes_last", lastCodestream);
        m.put("encode_us_last", lastEncodeNanos / 1000);
        m.put("packetization_units_last", lastUnits);
        m.put("slices_undelimited", unitsUndelimited.sum());
        m.put("codec_threads", (long) codecThreads);
        m.put("fast_path", gso == null ? 0L : 1L);
        m.put("gso_sends", gsoSends);
        m.put("frames_started_late", framesLate.sum());
        m.put("schedule_restarts", scheduleRestarts.sum());
        m.put("encoder_wait_frame_us", waitFrameNanos.sum() / 1000);
        m.put("encoder_wait_segment_us", waitSegmentNanos.sum() / 1000);
        m.put("encode_us", encodeNanos.sum() / 1000);
        m.put("encodes_over_period", encodesOverPeriod.sum());
        m.put("late_us", lateNanos.sum() / 1000);
        m.put("restart_us", restartNanos.sum() / 1000);
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
        sender.interrupt();
        Closing.quietly(channel);
        Closing.join(thread, 5000);
        Closing.join(sender, 5000);
        if (gso != null) {
            gso.close();
        }
        Frame f;
        while ((f = queue.poll()) != null) {
            f.release();
        }
        encoder.close();
        if (thread.isAlive() || sender.isAlive()) {
            arena.release(); // a thread may still hold a segment: the collector frees them
        } else {
            arena.close();
        }
    }

    /**
     * A picture segment and the views made of it once: the encoder's output from the boxes on, the packets' payload
     * (without the fast path) and its address (with it).
     */
    private static final class Segment {
        final ByteBuffer buf;
        final ByteBuffer out;
        final ByteBuffer packet;
        private long address;

        Segment(ByteBuffer buf) {
            this.buf = buf;
            this.out = buf.duplicate();
            out.position(Rfc9134.BOXES);
            this.packet = buf.duplicate();
        }

        long address() {
            if (address == 0) {
                address = NetNative.address(buf);
            }
            return address;
        }
    }
}
