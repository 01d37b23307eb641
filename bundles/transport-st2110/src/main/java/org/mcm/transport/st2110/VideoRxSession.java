package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/** ST 2110-20 receiver: one thread per session reading the socket and reassembling into the app's buffers. */
final class VideoRxSession implements TransportSession {

    private final DatagramChannel channel;
    private final Rfc4175Depacketizer depacketizer;
    private final St2110Counters counters = new St2110Counters();
    private final TransportContext ctx;
    private final Thread thread;
    private volatile boolean running = true;
    private final ConvertingStage stage;
    /** Kernel fast path (recvmmsg through the native fragment), or null: one Java receive per packet. */
    private final BatchReceiver batch;
    /** The staging frames' memory, within the limits of the settings; freed when the session ends. */
    private final DirectArena arena;
    /** The format's frame period. */
    private final long framePeriodNanos;
    /** Whether the wake interval was chosen by the session (setting -1 or option auto), see {@link #autoWakeUs}. */
    private boolean wakeAuto;
    /** The granted receive buffer holds less than a frame (see {@link #bufferShort(long, long)}); warned once. */
    private boolean bufferShort;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VideoRxSession.class);

    VideoRxSession(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
        this.ctx = ctx;
        VideoFormat f = (VideoFormat) spec.format();
        this.framePeriodNanos = Math.max(1, f.frameRate().denominator() * 1_000_000_000L / Math.max(1, f.frameRate().numerator()));
        PixelFormat wire = Pack422.wireFormat(f.pixelFormat());
        PGroup pg;
        try {
            pg = PGroup.of(wire);
        } catch (IllegalArgumentException e) {
            throw new TransportException(e.getMessage() + " (or planar yuv422p10le / yuv422p, converted on receive)");
        }
        if (spec.local().port() == 0) { // before anything is taken
            throw new TransportException("a receiver needs a local UDP port");
        }
        // without an app (e.g. created by a controller) the receiver still runs and counts; frames are dropped
        FrameSource source = ctx.frameSource() == null ? NoApp.SOURCE : ctx.frameSource();
        FrameSink sink = ctx.output() == null ? NoApp.SINK : ctx.output();
        arena = DirectArena.of("st2110-20 session " + ctx.sessionId(), s);
        ConvertingStage st = null;
        BatchReceiver fast = null;
        PlanarLines fused = null;
        try {
            fast = openFastPath(spec, s);
            if (fast != null) {
                int us;
                try {
                    us = wakeUs(spec.options().get("rx_wake_us"), s.rxWakeIntervalUs());
                } catch (IllegalArgumentException e) {
                    throw new TransportException(e.getMessage());
                }
                wakeAuto = us == AUTO;
                long frameBytes = (long) pg.lineBytes(f.width()) * f.height();
                if (wakeAuto) {
                    long bytesPerSecond = frameBytes * f.frameRate().numerator() / Math.max(1, f.frameRate().denominator());
                    us = autoWakeUs(fast.receiveBuffer(), bytesPerSecond);
                }
                fast.wakeInterval(1000L * us);
                bufferShort = bufferShort(fast.receiveBuffer(), frameBytes);
                if (bufferShort) {
                    LOG.warn("session {}: ST 2110-20 receiver on port {}: the kernel granted a receive buffer of {} KiB, less "
                            + "than one frame of this stream ({} KiB as the kernel counts it); datagrams are lost whenever "
                            + "the receiving thread falls behind by more than ~{} ms: {}",
                            ctx.sessionId(), spec.local().port(), fast.receiveBuffer() / 1024, 2 * frameBytes / 1024,
                            Math.max(1, fast.receiveBuffer() * framePeriodNanos / (2 * frameBytes) / 1_000_000),
                            fast.receiveBuffer() < 2L * s.socketBuffer()
                                    ? "the kernel capped what socketBuffer asks (" + s.socketBuffer() + " bytes): raise "
                                            + "net.core.rmem_max (sysctl -w net.core.rmem_max=67108864; the .deb does) or "
                                            + "give the proxy CAP_NET_ADMIN"
                                    : "raise the setting socketBuffer (" + s.socketBuffer() + " bytes)");
                }
            }
            if (wire != f.pixelFormat()) {
                String convert = spec.options().getOrDefault("rx_convert", "inline");
                if (!"inline".equalsIgnoreCase(convert) && !"staged".equalsIgnoreCase(convert)) {
                    throw new TransportException("rx_convert must be inline or staged, got '" + convert + "'");
                }
                // reassemble into wire-layout staging frames that a converter thread turns into the app's buffers:
                // with rx_convert=staged (or without the fast path) always, otherwise only while the app is behind
                if (fast != null && "inline".equalsIgnoreCase(convert)) {
                    // the default: each datagram's segments go straight into the app's planes as they arrive, the
                    // frame is the app's right after its last packet; the staging frames are the slack for a slow app
                    fused = PlanarLines.of(f.pixelFormat(), f.width(), f.height());
                }
                st = new ConvertingStage(f, wire, source, sink, counters, "st2110-20-convert-" + ctx.sessionId(), arena, ctx);
                if (fused == null) {
                    source = st;
                    sink = st;
                }
            }
        } catch (TransportException | RuntimeException | OutOfMemoryError e) {
            if (fast != null) {
                fast.close();
            }
            arena.close(); // no thread started
            throw e;
        }
        stage = st;
        batch = fast;
        try {
            depacketizer = new Rfc4175Depacketizer(f.width(), f.height(), pg, spec.payloadType(), source, sink, counters,
                    fused, f.bufferSize(), fused != null ? st : null);
            channel = batch != null ? null : Udp.receiver(s.ip(), s.device(), spec.local(), spec.remote().host(), s.socketBuffer());
        } catch (TransportException | RuntimeException e) {
            // every failure after the stage started gives back its thread and memory
            if (batch != null) {
                batch.close();
            }
            if (stage != null) {
                stage.close();
            }
            endMemory();
            throw e;
        }
        thread = SessionThread.of("st2110-20-rx-" + ctx.sessionId(), ctx, () -> running, this::run);
        thread.start();
    }

    /** The kernel fast path's receiver for spec (recvmmsg, with receive offload if set), or null (fast path off). */
    static BatchReceiver openFastPath(ConnectionSpec spec, Settings s) throws TransportException {
        BatchReceiver fast = null;
        String group = spec.remote().host();
        boolean mcast = !group.isEmpty() && Udp.isMulticast(group);
        String bindIp = spec.local().host().isEmpty() ? s.ip() : spec.local().host();
        if (!"off".equalsIgnoreCase(s.fastPath()) && spec.local().port() != 0) {
            try {
                fast = BatchReceiver.open(bindIp, spec.local().port(), mcast ? group : "", mcast ? Udp.multicastInterfaceIp(s.device(), s.ip()) : s.ip(), s.socketBuffer(),
                        s.receiveOffload());
            } catch (IOException e) {
                throw new TransportException(e.getMessage(), e);
            }
        }
        return fast;
    }

    /** Largest {@code rxWakeIntervalUs}: 2 ms (~650 KB of a 1080p60 10-bit stream waiting in the socket). */
    static final int MAX_WAKE_US = 2000;

    /** {@code rxWakeIntervalUs} -1 and {@code rx_wake_us=auto}: the session picks, see {@link #autoWakeUs}. */
    static final int AUTO = -1;

    /** The interval auto takes when the socket's buffer allows it: ~20 reads a 1080p60 frame instead of ~45. */
    static final int AUTO_WAKE_US = 1000;

    /**
     * How much of the stream the granted receive buffer must hold for auto to take {@link #AUTO_WAKE_US}: 40 ms
     * (forty intervals), counted at twice the payload since the kernel charges each buffered datagram its
     * bookkeeping too (what Linux reports as the buffer is twice the size set for the same reason).
     */
    static final int AUTO_BUFFER_MS = 40;

    /**
     * The {@code rx_wake_us} connection option if given, else the {@code rxWakeIntervalUs} setting: 0 to
     * {@link #MAX_WAKE_US}, or {@link #AUTO} for {@code auto} (option) or -1 (setting).
     */
    static int wakeUs(String option, int setting) {
        if (option != null && !option.isBlank()) {
            String o = option.trim();
            if ("auto".equalsIgnoreCase(o)) {
                return AUTO;
            }
            int us;
            try {
                us = Integer.parseInt(o);
            } catch (NumberFormatException e) {
                us = Integer.MIN_VALUE;
            }
            if (us < 0 || us > MAX_WAKE_US) {
                throw new IllegalArgumentException("rx_wake_us must be auto or a whole number of microseconds from 0 to "
                        + MAX_WAKE_US + ", got '" + option + "'");
            }
            return us;
        }
        if (setting != AUTO && (setting < 0 || setting > MAX_WAKE_US)) {
            throw new IllegalArgumentException("rxWakeIntervalUs must be -1 (auto) or 0 to " + MAX_WAKE_US
                    + " (microseconds), got " + setting);
        }
        return setting;
    }

    /**
     * What auto takes: {@link #AUTO_WAKE_US} when the receive buffer the kernel granted (as it reports it, -1 if
     * unknown) holds {@link #AUTO_BUFFER_MS} of a stream of bytesPerSecond at twice its size, else 0 (read as
     * datagrams arrive). A reader that sleeps leaves up to an interval more of the stream in the socket, so it is
     * only taken where that is a small part of what the buffer holds: a proxy that may force its buffers (root or
     * CAP_NET_ADMIN, the default 32 MiB asked, 64 MiB granted) or a raised {@code net.core.rmem_max}, not Debian's
     * default 208 KiB.
     */
    /**
     * Whether a granted receive buffer (as Linux reports it, twice the size set; -1 unknown) is short of one frame of
     * frameBytes on the wire counted as the kernel counts buffered datagrams (about twice their payload).
     */
    static boolean bufferShort(long grantedBuffer, long frameBytes) {
        return grantedBuffer > 0 && grantedBuffer < 2 * frameBytes;
    }

    static int autoWakeUs(long grantedBuffer, long bytesPerSecond) {
        if (grantedBuffer <= 0 || bytesPerSecond <= 0) {
            return 0;
        }
        return grantedBuffer >= 2 * bytesPerSecond * AUTO_BUFFER_MS / 1000 ? AUTO_WAKE_US : 0;
    }

    /** Frees the staging memory once no thread can touch it; otherwise only gives back its account. */
    private void endMemory() {
        if (stage == null || stage.stopped()) {
            arena.close();
        } else {
            arena.release();
        }
    }

    private void run() {
        if (batch != null) {
            runBatched();
            return;
        }
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        try {
            while (running) {
                pkt.clear();
                channel.receive(pkt);
                counters.bytes.add(pkt.position());
                depacketizer.accept(pkt, pkt.position());
            }
        } catch (ClosedChannelException e) {
            // closed
        } catch (IOException | RuntimeException e) {
            if (running) {
                ctx.failed("ST 2110-20 receive failed: " + e); // a bug must not leave a silent, dead session
            }
        } finally {
            depacketizer.abort();
        }
    }

    /** Set before each receive batch: its first datagram reads the clock for all of them (receive thread only). */
    private boolean batchStart;
    /** Bytes of the current receive batch, added to the counter after it (receive thread only). */
    private long batchBytes;

    /** Kernel fast path: up to 64 datagrams per system call, depacketized straight from their slots. */
    private void runBatched() {
        BatchReceiver.Datagrams each = (view, len, address) -> {
            if (batchStart) { // one clock read for the whole receive batch
                batchStart = false;
                depacketizer.arrivedAt(System.nanoTime());
            }
            batchBytes += len;
            depacketizer.accept(view, len, address);
        };
        depacketizer.deferCounts(); // packets and bytes go to the counters once per batch, not one atomic add each
        long wake = batch.wakeIntervalNanos();
        // with a wake interval: the last stretch of a frame (what arrives in 1.5 intervals at the frame's pace over its
        // period) is read as it comes, so that the frame is handed on right after its last packet, not up to an
        // interval later
        long tail = wake == 0 ? 0 : (long) (depacketizer.frameBytes() * 1.5 * wake / framePeriodNanos);
        try {
            while (running) {
                if (wake > 0) {
                    long missing = depacketizer.bytesMissing();
                    batch.coalesceNext(missing > tail); // between frames (-1): the next frame's first packet at once
                }
                batchStart = true;
                batch.receiveEach(100, counters, each);
                depacketizer.flush(); // the slots are reused by the next receive
                depacketizer.publishCounts();
                if (batchBytes != 0) {
                    counters.bytes.add(batchBytes);
                    batchBytes = 0;
                }
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // closed
        } catch (IOException | RuntimeException e) {
            if (running) {
                ctx.failed("ST 2110-20 receive failed: " + e); // a bug must not leave a silent, dead session
            }
        } finally {
            depacketizer.publishCounts(); // what a failed batch had handled still shows
            counters.bytes.add(batchBytes);
            batchBytes = 0;
            depacketizer.abort();
        }
    }

    @Override
    public FrameSink input() {
        return (Frame f) -> {
            f.release();
            return false;
        };
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = counters.snapshot();
        m.put("fast_path", batch == null ? 0L : 1L);
        m.put("receive_offload", batch != null && batch.offload() ? 1L : 0L);
        if (batch != null) {
            m.put("rx_wake_interval_us", batch.wakeIntervalNanos() / 1000);
            m.put("rx_wake_auto", wakeAuto ? 1L : 0L); // chosen by the session from the granted buffer
            m.put("socket_receive_buffer", (long) batch.receiveBuffer()); // as the kernel reports it (2x the size set)
            m.put("socket_receive_buffer_short", bufferShort ? 1L : 0L); // less than a frame: warned at the start
            m.put("socket_reads", batch.reads()); // the receiving thread's wake-ups (and the reads right after a full one)
        }
        depacketizer.frameTimes.putInto(m, "frame"); // first packet in to frame handed on, last 1024 frames
        depacketizer.handOverTimes.putInto(m, "handover"); // last packet in to frame handed on
        return m;
    }

    /** The bound local port (useful when 0 was... never: a receiver needs a port). */


    @Override
    public void close() {
        running = false;
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        Closing.join(thread, 2000);
        if (batch != null) {
            batch.close(); // after the thread ended: it polls with a timeout and checks running
        }
        if (stage != null) {
            stage.close();
        }
        if (thread.isAlive()) {
            arena.release();
        } else {
            endMemory();
        }
    }
}
