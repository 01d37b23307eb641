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
import org.mcm.api.codec.VideoDecoder;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * ST 2110-22 (JPEG XS, RFC 9134 codestream or slice packetization mode, sequential transmission) sessions. The app exchanges raw frames; the sender encodes each
 * with the {@code jpegxs} Codec service at the session's bits per pixel (option {@code bpp}, default 3 as
 * upstream MCM) and spreads the packets over the frame period; the receiver reassembles the picture segment,
 * skips the boxes and decodes into the app's buffers on decoder threads (successive frames side by side, handed to
 * the app in order).
 */
final class JxsSessions {

    private JxsSessions() {
    }

    /** Option {@code packetmode}: 0 codestream mode (default), 1 slice mode. */
    static boolean sliceMode(ConnectionSpec spec) throws TransportException {
        String m = spec.options().getOrDefault("packetmode", "0").trim();
        if (!m.equals("0") && !m.equals("1")) {
            throw new TransportException("st2110-22: option packetmode must be 0 (codestream) or 1 (slice), not " + m);
        }
        return m.equals("1");
    }

    static Map<String, String> encoderParams(ConnectionSpec spec) throws TransportException {
        return Map.of("bpp", spec.options().getOrDefault("bpp", "3"), "threads",
                Integer.toString(codecThreads(spec)));
    }

    /** Pixels per second one codec thread is taken to sustain: about 1080p at 40 fps (README, JPEG XS table). */
    static final long PIXELS_PER_THREAD = 1920L * 1080 * 40;

    /**
     * Option {@code codec_threads} (1..16): threads the encoder (TX, inside each frame) or the decoders (RX, one
     * frame each, side by side) of this session use. Default: enough for the format's pixel rate at ~1080p40 per
     * thread (1080p60: 2, 720p60: 1), at most the machine's processors.
     */
    static int codecThreads(ConnectionSpec spec) throws TransportException {
        String v = spec.options().get("codec_threads");
        if (v != null) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= 1 && n <= 16) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TransportException("st2110-22: option codec_threads must be 1..16, not " + v);
        }
        VideoFormat f = (VideoFormat) spec.format();
        double pixelRate = (double) f.width() * f.height() * f.frameRate().numerator() / f.frameRate().denominator();
        int n = (int) Math.ceil(pixelRate / PIXELS_PER_THREAD);
        return Math.max(1, Math.min(n, Math.min(16, Runtime.getRuntime().availableProcessors())));
    }

    static void checkFormat(Codec codec, VideoFormat f) throws TransportException {
        if (!codec.pixelFormats().contains(f.pixelFormat())) {
            throw new TransportException("st2110-22: the jpegxs codec does not take " + f.pixelFormat().id()
                    + " frames (it takes " + codec.pixelFormats() + ")");
        }
    }

    static final class Tx implements TransportSession {
        private final TransportContext ctx;
        private final VideoFormat format;
        private final DatagramChannel channel; // without the fast path
        private final GsoSender gso; // the kernel fast path (UDP GSO batches), or null
        private final long[] batchAddrs;
        private volatile long gsoSends;
        private final VideoEncoder encoder;
        // two picture segments: the encoder fills one while the sender paces the other out (encoding and sending
        // in turn on one thread could not reach 60 fps at 1080p: sending alone spreads over the frame period)
        private final BlockingQueue<ByteBuffer> freeSegments = new ArrayBlockingQueue<>(2);
        private final BlockingQueue<ByteBuffer> fullSegments = new ArrayBlockingQueue<>(2);
        private ByteBuffer segment; // the one being sent (sender thread only)
        private final ByteBuffer header = ByteBuffer.allocateDirect(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER).order(ByteOrder.BIG_ENDIAN);
        private final ByteBuffer[] gather = new ByteBuffer[2];
        private final BlockingQueue<Frame> queue;
        private final St2110Counters counters = new St2110Counters();
        private final LongAdder encodeErrors = new LongAdder();
        private final LongAdder unitsUndelimited = new LongAdder();
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

        Tx(ConnectionSpec spec, TransportContext ctx, Settings s, Codec codec) throws TransportException {
            this.ctx = ctx;
            this.format = (VideoFormat) spec.format();
            checkFormat(codec, format);
            this.sliceMode = sliceMode(spec);
            this.codecThreads = codecThreads(spec);
            try {
                this.encoder = codec.encoder(format, encoderParams(spec));
            } catch (CodecException e) {
                throw new TransportException("st2110-22: " + e.getMessage(), e);
            }
            this.arena = DirectArena.of("st2110-22 session " + ctx.sessionId(), s);
            GsoSender g = null;
            try { // a constructor that fails gives back what it took
            for (int i = 0; i < 2; i++) {
                freeSegments.add(arena.allocate(Rfc9134.BOXES + encoder.maxEncodedSize())
                        .order(ByteOrder.BIG_ENDIAN));
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
                    Double.parseDouble(encoderParams(spec).get("bpp")), sliceMode);
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
            if (!running || f.length() < format.bufferSize() || !queue.offer(f)) {
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
                try {
                    f = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (f == null) {
                    continue;
                }
                ByteBuffer seg = null;
                try {
                    while (running && seg == null) {
                        seg = freeSegments.poll(100, TimeUnit.MILLISECONDS);
                    }
                    if (seg == null) {
                        break;
                    }
                    ByteBuffer raw = f.data().duplicate();
                    raw.position(0).limit((int) format.bufferSize());
                    ByteBuffer out = seg.duplicate();
                    out.clear().position(Rfc9134.BOXES);
                    long t0 = System.nanoTime();
                    int n = encoder.encode(raw, out);
                    lastEncodeNanos = System.nanoTime() - t0;
                    lastCodestream = n;
                    Rfc9134.writeBoxes(seg, 0, format, n);
                    seg.limit(Rfc9134.BOXES + n);
                    fullSegments.put(seg); // room: there are only two segments
                    seg = null;
                } catch (CodecException e) {
                    encodeErrors.increment();
                } catch (InterruptedException e) {
                    break;
                } finally {
                    f.release();
                    if (seg != null) {
                        seg.clear();
                        freeSegments.offer(seg);
                    }
                }
            }
        }

        /** Sends encoded segments, each spread over a frame period when paced. */
        private void sendLoop() {
            long nextStart = System.nanoTime();
            while (running) {
                ByteBuffer seg;
                try {
                    seg = fullSegments.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (seg == null) {
                    continue;
                }
                long now = System.nanoTime();
                if (now - nextStart > framePeriodNanos || !paced) {
                    nextStart = now;
                }
                try {
                    segment = seg;
                    send(seg.limit(), nextStart);
                    counters.framesComplete.increment();
                } catch (ClosedChannelException e) {
                    break;
                } catch (IOException e) {
                    counters.sendErrors.increment();
                    ctx.failed("ST 2110-22 send failed: " + e.getMessage());
                    break;
                } finally {
                    seg.clear();
                    freeSegments.offer(seg);
                }
                nextStart += framePeriodNanos;
            }
        }

        /**
         * The packetization units of a picture segment: codestream mode one (the whole segment), slice mode the
         * header segment then one per slice (undelimitable codestreams go as header plus one unit, counted).
         */
        private int[] units(int total) {
            if (!sliceMode) {
                return new int[] {0, total};
            }
            int[] u = Rfc9134.sliceUnits(segment, total);
            if (u == null) {
                unitsUndelimited.increment();
                int soc = Math.max(0, Rfc9134.codestreamStart(segment, total));
                u = soc > 0 ? new int[] {0, soc, total} : new int[] {0, total};
            }
            return u;
        }

        private void send(int total, long start) throws IOException {
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
            long active = framePeriodNanos * 1080 / 1125;
            int i = 0;
            for (int u = 0; u < nu; u++) {
                int unitLen = units[u + 1] - units[u];
                int inUnit = Math.max(1, (unitLen + maxData - 1) / maxData);
                if (gso != null) {
                    i = sendUnitGso(units[u], unitLen, u, inUnit, i, packets, fc, rtpTs, start, active);
                    continue;
                }
                for (int k = 0; k < inUnit; k++, i++) {
                    sendPacket(units[u], unitLen, u, k, inUnit, i, packets, fc, rtpTs, start, active);
                }
            }
        }

        /**
         * The packets of one packetization unit in GSO batches (all full but the unit's last packet, which ends its
         * batch); returns the frame's packet index after them.
         */
        private int sendUnitGso(int unitOff, int unitLen, int unit, int inUnit, int i, int packets, int fc,
                long rtpTs, long start, long active) throws IOException {
            final int hdr = Rtp.HEADER + Rfc9134.PAYLOAD_HEADER;
            final long base = NetNative.address(segment);
            final ByteBuffer h = gso.headers();
            int k = 0;
            while (k < inUnit) {
                int n = Math.min(gso.batch(), inUnit - k);
                if (paced && i > 0) {
                    VideoTxSession.parkUntil(start + active * i / packets);
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
                long rtpTs, long start, long active) throws IOException {
            {
                if (paced && i > 0 && i % 32 == 0) {
                    VideoTxSession.parkUntil(start + active * i / packets);
                }
                int off = unitOff + k * maxData;
                int len = Math.min(maxData, unitLen - k * maxData);
                boolean lastOfUnit = k == inUnit - 1;
                boolean last = i == packets - 1;
                header.clear();
                Rtp.write(header, 0, last, pt, seq, rtpTs, ssrc);
                header.putInt(Rtp.HEADER, sliceMode ? Rfc9134.sliceHeader(lastOfUnit, fc, Rfc9134.unitSep(unit), k)
                        : Rfc9134.header(last, fc, i));
                ByteBuffer data = segment.duplicate();
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
    }

    /**
     * Reassembles RFC 9134 packets into picture segments: a segment taken from {@code free} fills with the payloads
     * of one timestamp's packets in order and goes to {@code full} when its last packet (L, or the RTP marker in
     * slice mode) arrives complete; a gap, a mode change or an overrun spoils the frame (counted, the segment goes
     * back to {@code free}). Checks every header field before a byte is copied.
     */
    static final class Reassembly {
        private final int pt;
        private final St2110Counters counters;
        private final BlockingQueue<ByteBuffer> freeSegments;
        private final BlockingQueue<Unit> fullSegments;
        private long units;
        private ByteBuffer seg;
        private int segLen;
        private long ts = -1;
        private int expect;
        private boolean broken;
        private boolean frameSlice;
        /** Slice mode: the packetization unit expected next (0 the header unit, then one per slice). */
        private int unit;
        private int lastSeq = -1;

        Reassembly(int pt, St2110Counters counters, BlockingQueue<ByteBuffer> freeSegments, BlockingQueue<Unit> fullSegments) {
            this.pt = pt;
            this.counters = counters;
            this.freeSegments = freeSegments;
            this.fullSegments = fullSegments;
        }

        /** Handles one UDP payload held in {@code pkt} from 0 to {@code len}. */
        void accept(ByteBuffer pkt, int len) {
            counters.packets.increment();
            counters.bytes.add(len);
            int h = Rtp.headerLength(pkt, len);
            if (h < 0 || len < h + Rfc9134.PAYLOAD_HEADER || Rtp.version(pkt, 0) != 2
                    || (pt > 0 && Rtp.payloadType(pkt, 0) != pt)) {
                counters.badHeaders.increment();
                return;
            }
            int ph = pkt.getInt(h);
            if (!Rfc9134.t(ph) || Rfc9134.interlace(ph) != 0) {
                counters.badHeaders.increment(); // only progressive, sequential transmission is supported
                return;
            }
            boolean slice = Rfc9134.k(ph);
            int seq = Rtp.seq(pkt, 0);
            if (lastSeq >= 0) {
                int gap = (seq - lastSeq - 1) & 0xFFFF;
                if (gap > 0 && gap < 0x8000) {
                    counters.lost.add(gap);
                }
            }
            lastSeq = seq;
            long pts = Rtp.timestamp(pkt, 0);
            if (pts != ts) {
                if (seg != null) { // the previous frame never saw its last packet
                    counters.framesIncomplete.increment();
                    freeSegments.offer(seg);
                }
                seg = freeSegments.poll();
                if (seg == null) {
                    counters.framesDropped.increment();
                }
                ts = pts;
                segLen = 0;
                expect = 0;
                broken = false;
                frameSlice = slice;
                unit = 0;
            }
            if (seg == null) {
                return;
            }
            // codestream mode: SEP:P counts the packets of the frame; slice mode: P counts the packets of
            // each packetization unit (slice) and restarts after its last one (L), and SEP names the unit, so a
            // unit lost whole (P starts at 0 again in the next) shows as a SEP out of turn
            int idx = slice ? Rfc9134.p(ph) : Rfc9134.packetIndex(ph);
            int n = len - h - Rfc9134.PAYLOAD_HEADER;
            if (idx != expect || slice != frameSlice || segLen + n > seg.capacity()
                    || slice && Rfc9134.sep(ph) != Rfc9134.unitSep(unit)) {
                broken = true; // sequential mode: a gap, a mode change or an overrun spoils the frame
            } else {
                seg.put(segLen, pkt, h + Rfc9134.PAYLOAD_HEADER, n);
                segLen += n;
            }
            expect = slice && Rfc9134.l(ph) ? 0 : idx + 1;
            if (slice && Rfc9134.l(ph)) {
                unit++;
            }
            if (slice ? Rtp.marker(pkt, 0) : Rfc9134.l(ph) || Rtp.marker(pkt, 0)) {
                if (broken) {
                    counters.framesIncomplete.increment();
                    freeSegments.offer(seg);
                } else {
                    seg.limit(segLen).position(0);
                    fullSegments.offer(new Unit(seg, units++)); // room: every segment fits the queue
                }
                seg = null;
                ts = pts; // later packets of this timestamp are ignored until the next frame
            }
        }
    }

    /** A complete picture segment and its place in arrival order. */
    record Unit(ByteBuffer seg, long n) {
    }

    static final class Rx implements TransportSession {
        private final TransportContext ctx;
        private final VideoFormat format;
        private final DatagramChannel channel;
        // codec_threads decoders, one thread each, decode successive frames side by side (frames in parallel keep
        // both cores busy where threads inside one frame would wait for each other); frames reach the app in order
        private final VideoDecoder[] decoders;
        private final int pt;
        private final St2110Counters counters = new St2110Counters();
        private final LongAdder decodeErrors = new LongAdder();
        private final int codecThreads;
        // picture segments: one filling, one per decoder, one spare for a decode that runs late now and then
        private final BlockingQueue<ByteBuffer> freeSegments;
        private final BlockingQueue<Unit> fullSegments;
        private final Thread receiver;
        private final Thread[] decoderThreads;
        private final Object turn = new Object();
        private long nextTurn; // the unit whose frame goes to the app next (guarded by turn)
        private long frames; // frames given to the app (guarded by turn)

        private volatile boolean running = true;
        private final FrameSource source;
        private final DirectArena arena;
        private final FrameSink sink;

        Rx(ConnectionSpec spec, TransportContext ctx, Settings s, Codec codec) throws TransportException {
            this.ctx = ctx;
            this.format = (VideoFormat) spec.format();
            checkFormat(codec, format);
            this.codecThreads = codecThreads(spec);
            this.decoders = new VideoDecoder[codecThreads];
            try {
                for (int i = 0; i < codecThreads; i++) {
                    decoders[i] = codec.decoder(format, Map.of("threads", "1"));
                }
            } catch (CodecException e) {
                for (VideoDecoder d : decoders) {
                    if (d != null) {
                        d.close();
                    }
                }
                throw new TransportException("st2110-22: " + e.getMessage(), e);
            }
            this.pt = spec.payloadType();
            int capacity = Rfc9134.BOXES + (int) format.bufferSize();
            int segments = codecThreads + 2;
            freeSegments = new ArrayBlockingQueue<>(segments);
            fullSegments = new ArrayBlockingQueue<>(segments);
            this.arena = DirectArena.of("st2110-22 session " + ctx.sessionId(), s);
            try { // a constructor that fails gives back what it took
                for (int i = 0; i < segments; i++) {
                    freeSegments.add(arena.allocate(capacity).order(ByteOrder.BIG_ENDIAN));
                }
                this.channel = Udp.receiver(s.ip(), s.device(), spec.local(), spec.remote().host(), s.socketBuffer());
            } catch (TransportException | RuntimeException e) {
                for (VideoDecoder d : decoders) {
                    d.close();
                }
                arena.close();
                throw e;
            }
            this.source = ctx.frameSource() == null ? NoApp.SOURCE : ctx.frameSource();
            this.sink = ctx.output() == null ? NoApp.SINK : ctx.output();
            receiver = SessionThread.of("st2110-22-rx-" + ctx.sessionId(), ctx, () -> running, this::receive);
            decoderThreads = new Thread[codecThreads];
            for (int i = 0; i < codecThreads; i++) {
                final VideoDecoder d = decoders[i];
                decoderThreads[i] = SessionThread.of("st2110-22-decode-" + ctx.sessionId() + "-" + i, ctx, () -> running,
                        () -> decode(d));
            }
            receiver.start();
            for (Thread t : decoderThreads) {
                t.start();
            }
        }

        private void receive() {
            ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
            Reassembly r = new Reassembly(pt, counters, freeSegments, fullSegments);
            try {
                while (running) {
                    pkt.clear();
                    channel.receive(pkt);
                    r.accept(pkt, pkt.position());
                }
            } catch (ClosedChannelException e) {
                // closed
            } catch (IOException e) {
                if (running) {
                    ctx.failed("ST 2110-22 receive failed: " + e.getMessage());
                }
            }
        }

        /** One decoder's loop: the next complete segment into an app frame, handed over in arrival order. */
        private void decode(VideoDecoder decoder) {
            while (running) {
                Unit u;
                try {
                    u = fullSegments.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (u == null) {
                    continue;
                }
                ByteBuffer seg = u.seg();
                Frame out = null;
                try {
                    int start = Rfc9134.codestreamStart(seg, seg.limit());
                    if (start < 0) {
                        counters.badHeaders.increment();
                    } else if ((out = source.acquire(0, TimeUnit.NANOSECONDS)) == null) {
                        counters.noBuffer.increment();
                    } else {
                        ByteBuffer cs = seg.duplicate();
                        cs.position(start);
                        try {
                            ByteBuffer raw = out.data().duplicate();
                            raw.clear();
                            out.length(decoder.decode(cs, raw));
                        } catch (CodecException e) {
                            decodeErrors.increment();
                            out.release();
                            out = null;
                        }
                    }
                } catch (InterruptedException e) {
                    break;
                } finally {
                    seg.clear();
                    freeSegments.offer(seg);
                    if (!deliverInTurn(u.n(), out) && out != null) {
                        out.release();
                    }
                }
            }
        }

        /** Waits for unit n's turn, then hands its frame (or nothing) to the app; false if the session stopped. */
        private boolean deliverInTurn(long n, Frame out) {
            synchronized (turn) {
                while (nextTurn != n) {
                    if (!running) {
                        return false;
                    }
                    try {
                        turn.wait(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                if (out != null) {
                    out.sequence(frames++);
                    counters.framesComplete.increment();
                    sink.accept(out);
                }
                nextTurn = n + 1;
                turn.notifyAll();
                return true;
            }
        }

        @Override
        public FrameSink input() {
            return f -> {
                f.release();
                return false;
            };
        }

        @Override
        public Map<String, Long> stats() {
            Map<String, Long> m = counters.snapshot();
            m.put("decode_errors", decodeErrors.sum());
            m.put("codec_threads", (long) codecThreads);
            return m;
        }

        @Override
        public void close() {
            running = false;
            Closing.quietly(channel);
            for (Thread t : decoderThreads) {
                t.interrupt();
            }
            Closing.join(receiver, 2000);
            for (Thread t : decoderThreads) {
                Closing.join(t, 5000);
            }
            for (VideoDecoder d : decoders) {
                d.close();
            }
            boolean stopped = !receiver.isAlive();
            for (Thread t : decoderThreads) {
                stopped &= !t.isAlive();
            }
            if (stopped) {
                arena.close();
            } else {
                arena.release(); // a thread may still hold a segment: the collector frees them
            }
        }
    }
}
