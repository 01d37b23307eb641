package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * ST 2110-20 sender: each app frame (pgroup layout) is packetized straight from its buffer (gathering writes, no
 * frame copy) and sent at the frame rate; with wide pacing the packets of a frame are spread over the active
 * period (1080/1125 of the frame time) in batches. Paced senders on the kernel fast path are driven by a
 * {@link TxPacer} (one thread for all of them by default); the others have a thread of their own.
 */
final class VideoTxSession implements TransportSession {

    private static final int BATCH = 32;

    private final TransportContext ctx;
    private final VideoFormat format;
    private final DatagramChannel channel;
    private final Rfc4175Packetizer packetizer;
    private final BlockingQueue<Pending> queue;
    /** When each frame starts and which late ones are given up (no standing backlog). */
    private final TxSchedule schedule;
    private final St2110Counters counters = new St2110Counters();
    private final boolean paced;
    private final long framePeriodNanos;
    private final long packetsPerFrame;
    private final String sdp;
    /** The sender's own thread (plain sockets, or no pacing), or null: {@link #pacer} drives it. */
    private final Thread thread;
    /** The pacing thread that sends this session's groups (paced on the kernel fast path), or null. */
    private final TxPacer pacer;
    private final TxPacer.Member member = new PacedSends();
    /** The pacer found the queue empty: an offer wakes it. */
    private volatile boolean idle = true;
    /** The session's sending failed (FAILED): new frames are refused. */
    private volatile boolean stopped;
    private final long tsBase = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
    private volatile boolean running = true;
    private long frameIndex;
    private long extSeq = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
    private final FrameSink input = this::offer;
    private volatile long latencyNanos;
    private volatile long waitNanos;
    /** Per frame, last 1024 frames: app hand-over to start, start to last packet sent, and the pacer's worst lag. */
    private final StageTimes waitTimes = new StageTimes();
    private final StageTimes sendTimes = new StageTimes();
    private final StageTimes paceLagTimes = new StageTimes();
    /** Time between two frames' hand-overs (the app's and the memif path's jitter: ideally the frame period). */
    private final StageTimes gapTimes = new StageTimes();
    private long lastHandedOver;
    /** The current frame's largest lateness of a batch behind its send time. */
    private long paceLag;

    /** A queued frame and when the app handed it over. */
    private record Pending(Frame frame, long handedOver) {
    }
    /** Wire-layout copy of a planar frame; null when the app's frames are already in pgroup layout. */
    private final ByteBuffer staging;
    /** Line converter for planar app frames (fast path: each line is converted just before its packets go out). */
    private final PlanarLines lines;
    /** The staging frame's memory, within the limits of the settings; freed when the session ends. */
    private final DirectArena arena;
    /** Kernel fast path (UDP GSO through the native fragment), or null: plain Java gathering writes. */
    private final GsoSender gso;
    private final int chunksPerLine;
    private final int chunkBytes;
    private final long[] batchAddrs;
    /** Packets of each batch of the group being built, and the most batches a group may have. */
    private final int[] groupPackets;
    private final int groupBatches;
    /** Batches due within this time of a group's first go out with it (setting txPaceGranularityUs; 0: each alone). */
    private final long paceGranularityNanos;
    /** How much sooner than the end of the active period an on-time frame's last packet leaves (tx_lead_us). */
    private final long leadNanos;
    /** What the last frame's packets were spread over (the active period less the lead; shorter for a late frame). */
    private volatile long spanNanosLast;
    /** SCHED_FIFO priority asked for the sending thread (0: none), how to ask, and the outcome. */
    private final int realtimePriority;
    private final RealtimeScheduling.Policy realtimePolicy;
    private volatile int realtimeGranted;
    private volatile boolean realtimeRefused;
    private final PGroup pg;
    private final int lineBytes;
    /**
     * Lines of the staging buffer that the line-by-line conversion cycles through (line y at y % ringLines): about
     * two groups' worth, so what the kernel copies from stays in the cache instead of a whole wire frame
     * going through memory; a group that would outgrow it is sent early.
     */
    private volatile int ringLines;
    private final int pt;
    private final int ssrc;
    private long gsoSends;

    VideoTxSession(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
        this(spec, ctx, s, RealtimeScheduling.NATIVE);
    }

    /** As above, asking for real-time scheduling through {@code policy} (tests: a process that may not). */
    VideoTxSession(ConnectionSpec spec, TransportContext ctx, Settings s, RealtimeScheduling.Policy policy)
            throws TransportException {
        this.ctx = ctx;
        this.format = (VideoFormat) spec.format();
        this.lines = PlanarLines.of(format.pixelFormat(), format.width(), format.height());
        PixelFormat wire = Pack422.wireFormat(format.pixelFormat());
        PGroup pg;
        try {
            pg = PGroup.of(wire);
        } catch (IllegalArgumentException e) {
            throw new TransportException(e.getMessage() + " (or planar yuv422p10le / yuv422p, converted on send)");
        }
        this.arena = DirectArena.of("st2110-20 session " + ctx.sessionId(), s);
        this.staging = wire == format.pixelFormat() ? null
                : arena.allocate((int) wire.frameSize(format.width(), format.height()));
        GsoSender g = null;
        try {
            int pt = spec.payloadType() == 0 ? 112 : spec.payloadType();
            int ssrc = ThreadLocalRandom.current().nextInt();
            try {
                packetizer = new Rfc4175Packetizer(format.width(), format.height(), pg, s.maxUdpPayload(), pt, ssrc,
                        ThreadLocalRandom.current().nextInt(0x10000));
            } catch (IllegalArgumentException e) {
                throw new TransportException(e.getMessage());
            }
            if (spec.remote().host().isEmpty() || spec.remote().port() == 0) {
                throw new TransportException("a sender needs a destination address and port (remote), got " + spec.remote());
            }
            this.pg = pg;
            this.lineBytes = pg.lineBytes(format.width());
            String srcIp = spec.local().host().isEmpty() ? s.ip() : spec.local().host();
            int pgPerLine = format.width() / pg.pixels();
            int maxPg = (s.maxUdpPayload() - GsoSender.HEADER) / pg.bytes();
            int chunks = 0;
            for (int d = Math.max(1, (pgPerLine + maxPg - 1) / maxPg); d <= Math.min(pgPerLine, 64); d++) {
                if (pgPerLine % d == 0) {
                    chunks = d;
                    break;
                }
            }
            g = null;
            if (chunks > 0 && !"off".equalsIgnoreCase(s.fastPath()) && isIpv4Literal(srcIp) && isIpv4Literal(spec.remote().host())
                    && Udp.nativeMulticastOk(s.device(), srcIp, spec.remote().host())) {
                g = GsoSender.open(srcIp, spec.local().port(), spec.remote().host(), spec.remote().port(), s.multicastTtl(),
                        s.socketBuffer(), GsoSender.HEADER + pgPerLine / chunks * pg.bytes());
            }
            this.gso = g == null ? null : g.countingIn(counters);
            this.chunksPerLine = g == null ? 0 : chunks;
            this.chunkBytes = g == null ? 0 : pgPerLine / chunks * pg.bytes();
            this.batchAddrs = new long[g == null ? 1 : g.batch() * g.groupMessages()];
            this.groupBatches = g == null ? 1 : g.groupMessages();
            this.groupPackets = new int[groupBatches];
            try {
                this.paceGranularityNanos = 1000L * paceGranularityUs(s.txPaceGranularityUs());
                this.realtimePriority = RealtimeScheduling.priority(s.txRealtimePriority());
            } catch (IllegalArgumentException e) {
                throw new TransportException(e.getMessage());
            }
            this.realtimePolicy = policy;
            this.pt = pt;
            this.ssrc = ssrc;
            this.channel = g != null ? null : Udp.sender(s.ip(), s.device(), spec.local(), spec.remote(), s.socketBuffer(), s.multicastTtl());
            this.queue = new ArrayBlockingQueue<>(Math.max(1, s.txQueueFrames()));
            this.paced = !"none".equalsIgnoreCase(s.pacing());
            this.framePeriodNanos = format.frameRate().denominator() * 1_000_000_000L / format.frameRate().numerator();
            try {
                this.leadNanos = 1000L * leadUs(spec.options().get("tx_lead_us"), s.txLeadUs());
                this.schedule = new TxSchedule(framePeriodNanos, TxSchedule.activeOf(framePeriodNanos) - leadNanos,
                        TxSchedule.mode(spec.options().getOrDefault("tx_late", s.txLate())),
                        TxSchedule.speedup(spec.options().get("tx_catchup"), s.txCatchupSpeedup()));
            } catch (IllegalArgumentException e) {
                throw new TransportException(e.getMessage());
            }
            int perPacket = (s.maxUdpPayload() - Rtp.HEADER - Rfc4175Packetizer.EXT_SEQ - Rfc4175Packetizer.SRD) / pg.bytes() * pg.bytes();
            this.packetsPerFrame = gso != null ? (long) chunksPerLine * format.height()
                    : (packetizer.frameBytes() + perPacket - 1) / perPacket;
            this.ringLines = ringLines(format.height(), chunksPerLine, g == null ? 1 : g.batch(), packetsPerFrame,
                    paceGranularityNanos, TxSchedule.activeOf(framePeriodNanos));
            if (paced && leadNanos > 0) {
                checkAhead(leadNanos, paceGranularityNanos, packetsPerFrame, g == null ? 1 : g.batch(), framePeriodNanos);
            }
            String src = spec.local().host().isEmpty() ? s.ip() : spec.local().host();
            this.sdp = Sdp.video(ctx.sessionId(), src, spec.remote().host(), spec.remote().port(), pt, format, pg, s.maxUdpPayload());
        } catch (TransportException | RuntimeException e) {
            // a constructor that fails gives back what it took: the fast-path socket, the staging memory
            if (g != null) {
                g.close();
            }
            arena.close(); // no thread started
            throw e;
        }
        if (paced && gso != null) {
            this.thread = null;
            this.pacer = s.txSharedPacer() ? TxPacer.shared() : new TxPacer("st2110-20-tx-" + ctx.sessionId());
            this.gridPhase = s.txSharedPacer() || paceGranularityNanos == 0 ? 0
                    : ThreadLocalRandom.current().nextLong(paceGranularityNanos);
            pacer.join(member);
        } else {
            this.pacer = null;
            this.thread = SessionThread.of("st2110-20-tx-" + ctx.sessionId(), ctx, () -> running, this::run);
            thread.start();
        }
    }

    private boolean offer(Frame f) {
        long need = staging == null ? packetizer.frameBytes() : format.bufferSize();
        if (!running || stopped || f.data().capacity() < need) {
            counters.framesDropped.increment();
            f.release();
            return false;
        }
        Pending p = new Pending(f, System.nanoTime());
        if (!queue.offer(p)) {
            counters.framesDropped.increment();
            f.release();
            return false;
        }
        if (!running && queue.remove(p)) {
            // the session closed while this frame went in, perhaps after close() emptied the queue: given back here
            counters.framesDropped.increment();
            f.release();
            return false;
        }
        if (idle && pacer != null) {
            pacer.wake();
        }
        return true;
    }

    /** The own thread's loop (plain sockets, or no pacing): frames one after the other, each sent to its end. */
    private void run() {
        if (realtimePriority > 0 && paced) {
            if (RealtimeScheduling.apply(realtimePolicy, realtimePriority, "ST 2110-20 sender " + ctx.sessionId())) {
                realtimeGranted = realtimePriority;
            } else {
                realtimeRefused = true;
            }
        }
        while (running) {
            Pending p;
            try {
                p = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (p == null) {
                continue;
            }
            p = scheduled(p);
            long start = frameStart;
            long span = spanNanosLast;
            Frame f = p.frame();
            try {
                if (gso != null) {
                    // not paced: the groups go out one after the other
                    begin(p, start, span);
                    do {
                        buildGroup();
                        sendBuilt(0);
                    } while (cur != null);
                } else {
                    sendFrame(f, start, span);
                }
                recordFrame(p, start, System.nanoTime());
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                counters.sendErrors.increment();
                ctx.failed("ST 2110-20 send failed: " + e.getMessage());
                break;
            } finally {
                cur = null;
                f.release();
            }
        }
    }

    /** When the frame {@link #scheduled} last picked starts (its span: {@link #spanNanosLast}); sending thread only. */
    private long frameStart;

    /**
     * The frame to send now, {@code p} or (tx_late=drop) a newer one behind it when p would start over a period
     * late; sets its start and span by the schedule (paced) or now and the active period (not paced).
     */
    private Pending scheduled(Pending p) {
        long start = System.nanoTime();
        if (paced) {
            while (schedule.giveUp(p.handedOver(), !queue.isEmpty(), start)) {
                counters.framesDroppedLate.increment();
                frameIndex++; // its media time passes unsent: the receiver sees the gap in the RTP timestamps
                p.frame().release();
                p = queue.poll(); // not null: only the sending thread takes from the queue
                start = System.nanoTime();
            }
            start = schedule.earliestStart(start);
        }
        if (schedule.started(start, p.handedOver())) {
            counters.framesCaughtUp.increment();
        }
        // a late frame is spread over less than the active period so that it ends on time (at most 2x faster)
        spanNanosLast = paced ? schedule.lastSpan() : TxSchedule.activeOf(framePeriodNanos);
        frameStart = start;
        waitNanos = start - p.handedOver();
        paceLag = 0;
        return p;
    }

    /** After a frame's last packet left at {@code end}: its times, counted complete. */
    private void recordFrame(Pending p, long start, long end) {
        latencyNanos = end - p.handedOver(); // from the app's hand-over to the frame's last packet
        waitTimes.record(start - p.handedOver());
        if (lastHandedOver != 0) {
            gapTimes.record(p.handedOver() - lastHandedOver);
        }
        lastHandedOver = p.handedOver();
        sendTimes.record(end - start);
        paceLagTimes.record(paceLag);
        counters.framesComplete.increment();
    }

    /** Plain sockets: one packet a write (gathering, from the frame or the staging copy). */
    private void sendFrame(Frame f, long start, long active) throws IOException {
        long rtpTs = nextRtpTimestamp();
        ByteBuffer data = f.data();
        if (staging != null) {
            Pack422.toWire(format.pixelFormat(), data, staging, format.width(), format.height());
            data = staging;
        }
        if (paced) {
            pace(start);
        }
        packetizer.begin(data, rtpTs);
        long i = 0;
        while (packetizer.hasMore()) {
            if (paced && i % BATCH == 0 && i > 0) {
                pace(start + active * i / packetsPerFrame);
            }
            int len = packetizer.next();
            if (Udp.write(channel, packetizer.gather(), 0, packetizer.gatherCount(), counters) >= 0) {
                counters.packets.increment();
                counters.bytes.add(len);
            }
            i++;
        }
    }

    private long nextRtpTimestamp() {
        return (tsBase + Rtp.mediaTime(frameIndex++, 90_000, format.frameRate().numerator(),
                format.frameRate().denominator())) & 0xFFFF_FFFFL;
    }

    // ---- the kernel fast path: a frame as groups of segmentation batches, sent by the pacer or the own thread ----
    //
    // Single-line packing: every packet carries one equal chunk of one line, so batches go out with UDP GSO. A
    // planar frame's lines are converted from the app's planes into the staging ring when their first packet joins
    // a group, i.e. right after the previous group left and before this one waits for its time: the conversion
    // uses the pacing's slack. A group is the batches whose send times fall in one interval of the pacing grid
    // (multiples of the granularity), sent with one system call (sendmmsg) at the interval's start; fewer when it
    // would outgrow the ring or what one call carries.

    /** Offset of this sender's pacing grid (0: the shared pacer's common grid). */
    private long gridPhase;

    /** The frame being sent (null: none), where its packets are read from, and its timing. */
    private Pending cur;
    private ByteBuffer curData;
    private ByteBuffer curPlanar;
    private long curBase;
    private long curRtpTs;
    private long curStart;
    private long curSpan;
    private int curRing;
    /** The next packet to put in a group: its line, chunk of the line and index in the frame. */
    private int curY;
    private int curC;
    private long curI;
    /** The built group: batches (their packets in groupPackets), first line and its first batch's send time. */
    private int gBatches;
    private int gLine;
    private long gDue;

    /** Sets the cursor at the start of frame {@code p}, whose packets are spread over {@code span} from {@code start}. */
    private void begin(Pending p, long start, long span) throws IOException {
        ByteBuffer data = p.frame().data();
        curPlanar = null;
        if (staging != null && lines != null) {
            curPlanar = data.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN); // converted line by line
            data = staging;
        } else if (staging != null) {
            Pack422.toWire(format.pixelFormat(), data, staging, format.width(), format.height());
            data = staging;
        }
        if (!data.isDirect()) {
            throw new IOException("frame buffer is not direct memory: the kernel fast path cannot send it");
        }
        cur = p;
        curData = data;
        curBase = NetNative.address(data);
        curRtpTs = nextRtpTimestamp();
        curStart = start;
        curSpan = span;
        curRing = curPlanar != null ? ringLines : format.height(); // the app's pgroup frame is sent from where it is
        curY = 0;
        curC = 0;
        curI = 0;
        gBatches = 0;
    }

    /**
     * The grid interval that a send time falls in: its start (the granularity 0: the time itself). The shared
     * pacer's senders are on one grid; a sender with a thread of its own on a grid of a random phase, so that the
     * senders' wake-ups do not all fall at once.
     */
    private long tick(long due) {
        long g = paceGranularityNanos;
        return g > 0 ? Math.floorDiv(due - gridPhase, g) * g + gridPhase : due;
    }

    /**
     * Builds the frame's next group (at least one packet): from the next packet on, the batches due in the grid
     * interval of the first (paced), at most a system call's worth, and no line that would overwrite one of the
     * group's own in the ring.
     */
    private void buildGroup() {
        ByteBuffer h = gso.headers();
        int batch = gso.batch();
        long total = packetsPerFrame;
        long limit = Long.MAX_VALUE;
        int batches = 0;
        int inGroup = 0;
        int inBatch = 0;
        while (curI < total) {
            if (inBatch == 0) {
                // a batch is due when its first packet is
                long due = curStart + curSpan * curI / total;
                if (batches == 0) {
                    gDue = due;
                    if (paced) {
                        limit = tick(due) + Math.max(1, paceGranularityNanos);
                    }
                } else if (due - limit >= 0 || batches == groupBatches) {
                    break;
                }
            }
            int y = curY;
            if (curC == 0 && curPlanar != null) {
                if (inGroup > 0 && y - curRing >= gLine) {
                    // the line would overwrite one the group still needs: the group goes as it is
                    break;
                }
                lines.lineToWire(curPlanar, y, curData, (y % curRing) * lineBytes);
            }
            if (inGroup == 0) {
                gLine = y;
            }
            int c = curC;
            int off = inGroup * GsoSender.HEADER;
            boolean last = curI == total - 1;
            Rtp.write(h, off, last, pt, (int) extSeq, curRtpTs, ssrc);
            h.putShort(off + Rtp.HEADER, (short) (extSeq >>> 16));
            h.putShort(off + 14, (short) chunkBytes);
            h.putShort(off + 16, (short) (y & 0x7FFF));
            h.putShort(off + 18, (short) ((c * chunkBytes / pg.bytes() * pg.pixels()) & 0x7FFF));
            batchAddrs[inGroup] = curBase + (long) (y % curRing) * lineBytes + (long) c * chunkBytes;
            extSeq = (extSeq + 1) & 0xFFFF_FFFFL;
            inGroup++;
            inBatch++;
            curI++;
            if (++curC == chunksPerLine) {
                curC = 0;
                curY++;
            }
            if (inBatch == batch) {
                groupPackets[batches++] = inBatch;
                inBatch = 0;
            }
        }
        if (inBatch > 0) {
            groupPackets[batches++] = inBatch;
        }
        gBatches = batches;
    }

    /** Sends the built group ({@code lag}: how late after its time); after the frame's last one the cursor is free. */
    private void sendBuilt(long lag) throws IOException {
        if (lag > paceLag) {
            paceLag = lag;
        }
        gsoSends++;
        int sent = gso.sendGroup(batchAddrs, groupPackets, gBatches, chunkBytes);
        counters.packets.add(sent);
        counters.bytes.add((long) sent * (GsoSender.HEADER + chunkBytes));
        gBatches = 0;
        if (curI == packetsPerFrame) {
            cur = null;
        }
    }

    /** What the pacer calls: this session's frames, group by group at their times. */
    private final class PacedSends implements TxPacer.Member {

        @Override
        public long work(long now) throws IOException {
            while (running) {
                if (cur == null) {
                    if (!startNext()) {
                        return Long.MAX_VALUE;
                    }
                    buildGroup();
                }
                long at = tick(gDue);
                long t = System.nanoTime();
                if (at - t > 0) {
                    return at;
                }
                Pending p = cur;
                sendBuilt(t - at);
                if (cur == null) {
                    recordFrame(p, curStart, System.nanoTime());
                    p.frame().release();
                } else {
                    buildGroup();
                }
            }
            return Long.MAX_VALUE;
        }

        /** Takes the next frame from the queue and sets its start by the schedule; false when none is there. */
        private boolean startNext() throws IOException {
            Pending p = queue.poll();
            if (p == null) {
                idle = true; // an offer from now on wakes the pacer
                p = queue.poll();
                if (p == null) {
                    return false;
                }
            }
            idle = false;
            p = scheduled(p);
            try {
                begin(p, frameStart, spanNanosLast);
            } catch (IOException | RuntimeException e) {
                p.frame().release();
                throw e;
            }
            return true;
        }

        @Override
        public void joined(TxPacer by) {
            if (realtimePriority > 0) {
                if (by.realtime(realtimePolicy, realtimePriority, "ST 2110-20 sender " + ctx.sessionId())) {
                    realtimeGranted = realtimePriority;
                } else {
                    realtimeRefused = true;
                }
            }
        }

        @Override
        public void failed(Throwable e) {
            stopped = true;
            Pending p = cur;
            cur = null;
            if (p != null) {
                p.frame().release();
            }
            if (!running) {
                return; // closing: the socket went first
            }
            if (e instanceof IOException) {
                counters.sendErrors.increment();
                ctx.failed("ST 2110-20 send failed: " + e.getMessage());
            } else {
                ctx.failed("st2110-20-tx-" + ctx.sessionId() + " stopped: " + e);
            }
        }
    }

    /** Tests: a ring of this many lines from the next frame on (1 or more; smaller than a group: sent in parts). */
    void ringLines(int lines) {
        if (lines < 1) {
            throw new IllegalArgumentException("a ring needs a line");
        }
        ringLines = lines;
    }

    /**
     * Lines of the conversion ring: twice a group's packets at the on-time rate (one segmentation batch, or the
     * pacing granularity's worth and a batch) and two lines, at most the frame's height.
     */
    static int ringLines(int height, int chunksPerLine, int batch, long packetsPerFrame, long granularityNanos,
            long activeNanos) {
        if (chunksPerLine <= 0) {
            return height;
        }
        long group = batch + (granularityNanos > 0 ? (packetsPerFrame * granularityNanos + activeNanos - 1) / activeNanos : 0);
        long lines = (2 * group + chunksPerLine - 1) / chunksPerLine + 2;
        return (int) Math.min(height, lines);
    }

    /** Largest {@code txPaceGranularityUs}: 2 ms of packets in one burst (~560 at 1080p60, ~2,250 at 2160p60). */
    static final int MAX_PACE_GRANULARITY_US = 2000;

    /** Checks the {@code txPaceGranularityUs} setting: 0 (a wake-up per batch) to {@link #MAX_PACE_GRANULARITY_US}. */
    static int paceGranularityUs(int us) {
        if (us < 0 || us > MAX_PACE_GRANULARITY_US) {
            throw new IllegalArgumentException("txPaceGranularityUs must be 0 to " + MAX_PACE_GRANULARITY_US
                    + " (microseconds), got " + us);
        }
        return us;
    }

    /** Largest {@code txLeadUs}: 2 ms (~540 packets at 1080p60, within a wide receiver's 720-packet buffer). */
    static final int MAX_LEAD_US = 2000;

    /** The {@code tx_lead_us} connection option if given, else the {@code txLeadUs} setting; 0 to {@link #MAX_LEAD_US}. */
    static int leadUs(String option, int setting) {
        return microsOption("tx_lead_us", option, "txLeadUs", setting, MAX_LEAD_US);
    }

    /**
     * A time in microseconds from 0 to max: the connection option (named optionName) if given, else the setting
     * (named settingName); either out of range, or an option that is not a whole number, is refused by name.
     */
    static int microsOption(String optionName, String option, String settingName, int setting, int max) {
        int us = setting;
        String name = settingName;
        if (option != null && !option.isBlank()) {
            name = optionName;
            try {
                us = Integer.parseInt(option.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(optionName + " must be a whole number of microseconds from 0 to "
                        + max + ", got '" + option + "'");
            }
        }
        if (us < 0 || us > max) {
            throw new IllegalArgumentException(name + " must be 0 to " + max + " (microseconds), got " + us);
        }
        return us;
    }

    /**
     * ST 2110-21's virtual receive buffer of a wide (TPW) receiver, in packets: max(720, N / (300 T)) for N packets a
     * frame and a frame period of T seconds.
     */
    static long wideReceiverBuffer(long packetsPerFrame, long framePeriodNanos) {
        return Math.max(720, packetsPerFrame * 1_000_000_000L / (300 * framePeriodNanos));
    }

    /**
     * Refuses a lead that, with the pacing granularity (groups leave when their first batch is due) and one
     * segmentation batch sent at once, would put the sender more packets ahead of the gapped schedule than a wide
     * receiver buffers for this format, or that would leave less than half the active period to spread a frame over.
     */
    static void checkAhead(long leadNanos, long granularityNanos, long packetsPerFrame, int batch, long framePeriodNanos)
            throws TransportException {
        long active = TxSchedule.activeOf(framePeriodNanos);
        long ahead = ((leadNanos + granularityNanos) * packetsPerFrame + active - 1) / active + batch;
        long buffer = wideReceiverBuffer(packetsPerFrame, framePeriodNanos);
        if (leadNanos > active / 2 || ahead > buffer) {
            throw new TransportException(String.format(java.util.Locale.ROOT,
                    "tx_lead_us %d with a pacing granularity of %d us would put this sender up to %d packets ahead of the"
                            + " ST 2110-21 schedule (%d packets a frame, %.1f ms active period), more than a wide receiver"
                            + " buffers (%d packets); use a smaller lead or granularity",
                    leadNanos / 1000, granularityNanos / 1000, ahead, packetsPerFrame, active / 1e6, buffer));
        }
    }

    static boolean isIpv4Literal(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** Sleeps until the System.nanoTime() deadline (shared by the ST 2110 senders' pacing); returns how late it woke. */
    static long parkUntil(long deadline) {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        return -wait;
    }

    private void pace(long deadline) {
        paceLag = Math.max(paceLag, parkUntil(deadline));
    }

    @Override
    public FrameSink input() {
        return input;
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = counters.snapshot();
        m.put("packets_per_frame", packetsPerFrame);
        m.put("fast_path", gso == null ? 0L : 1L);
        m.put("latency_us_last", latencyNanos / 1000);
        m.put("wait_us_last", waitNanos / 1000);
        m.put("gso_sends", gsoSends); // system calls sending batches (one per group of batches)
        m.put("pace_granularity_us", paceGranularityNanos / 1000);
        m.put("tx_lead_us", leadNanos / 1000);
        m.put("tx_ring_lines", (long) ringLines);
        m.put("span_us_last", spanNanosLast / 1000);
        m.put("tx_realtime_priority", (long) realtimeGranted); // the SCHED_FIFO priority the thread got, 0: none
        m.put("tx_realtime_refused", realtimeRefused ? 1L : 0L); // asked for and not permitted
        m.put("queued", (long) queue.size());
        m.put("tx_pacer_shared", pacer == TxPacer.shared() ? 1L : 0L); // sent by the one pacing thread of all senders
        m.put("tx_pacer_senders", pacer == null ? 0L : (long) pacer.size()); // senders that its pacing thread drives
        m.put("tx_pacer_wakeups", pacer == null ? 0L : pacer.passes()); // that thread's wake-ups (all its senders')
        waitTimes.putInto(m, "wait"); // app hand-over to the frame's start, last 1024 frames
        sendTimes.putInto(m, "send"); // start to last packet sent
        paceLagTimes.putInto(m, "pace_lag"); // per frame: the latest a batch left behind its send time
        gapTimes.putInto(m, "handover_gap"); // between two hand-overs
        return m;
    }

    @Override
    public String description() {
        return sdp;
    }

    @Override
    public void close() {
        running = false;
        if (pacer != null) {
            // out of the pacer first: once it has let go, nothing reads the frame, the ring or the socket
            boolean out = pacer.leave(member, 2000);
            Pending p;
            while ((p = queue.poll()) != null) {
                p.frame().release();
            }
            if (out) {
                p = cur;
                cur = null;
                if (p != null) {
                    p.frame().release();
                }
                gso.close();
                arena.close();
            } else {
                gso.close();
                arena.release(); // the pacer may still read the staging frame: the collector frees it
            }
            return;
        }
        thread.interrupt();
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        Closing.join(thread, 2000);
        Pending p;
        while ((p = queue.poll()) != null) {
            p.frame().release();
        }
        if (gso != null) {
            gso.close();
        }
        if (thread.isAlive()) {
            arena.release(); // it may still read the staging frame: the collector frees it
        } else {
            arena.close();
        }
    }
}
