package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * The ST 2110-22 receiver (see {@link JxsSessions}): reassembles the picture segment from RFC 9134 packets, skips the
 * boxes and decodes into the app's buffers on decoder threads, frames handed to the app in order.
 */
final class JxsRxSession implements TransportSession {
    private final TransportContext ctx;
    private final VideoFormat format;
    private final DatagramChannel channel; // without the fast path
    private final BatchReceiver batch; // the kernel fast path (recvmmsg, UDP GRO), or null
    // codec_threads decoders, one thread each, decode successive frames side by side (frames in parallel keep
    // both cores busy where threads inside one frame would wait for each other); frames reach the app in order
    private final VideoDecoder[] decoders;
    private final int pt;
    private final St2110Counters counters = new St2110Counters();
    private final LongAdder decodeErrors = new LongAdder();
    private final LongAdder framesCopied = new LongAdder(); // staged frames copied into the app's (several decoders)
    private final int codecThreads;
    // picture segments (see the constructor)
    private final BlockingQueue<ByteBuffer> freeSegments;
    private final BlockingQueue<JxsSessions.Unit> fullSegments;
    private final Thread receiver;
    private final Thread[] decoderThreads;
    private final Object turn = new Object();
    private long nextTurn; // the unit whose frame goes to the app next (guarded by turn)
    private long frames; // frames given to the app (guarded by turn)

    private volatile boolean running = true;
    private final FrameSource source;
    private final DirectArena arena;
    private final FrameSink sink;
    private final boolean primed; // the decoders decoded a frame at the opening (see prime)
    private final HeapFrame[] stagings; // per decoder when there are several (see the constructor), else none

    JxsRxSession(ConnectionSpec spec, TransportContext ctx, Settings s, Codec codec) throws TransportException {
        this.ctx = ctx;
        this.format = (VideoFormat) spec.format();
        JxsSessions.checkFormat(codec, format);
        this.codecThreads = JxsSessions.codecThreads(spec, codec, false);
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
        // one filling, one per decoder and spares for a decode that runs late now and then; one decoder (no
        // staging frames) gets four spares: ~67 ms at 60 fps for a decoder thread that gets less than its share of
        // a busy machine, the memory two decoders took with their staging frames
        int segments = codecThreads == 1 ? 6 : codecThreads + 2;
        freeSegments = new ArrayBlockingQueue<>(segments);
        fullSegments = new ArrayBlockingQueue<>(segments);
        this.arena = DirectArena.of("st2110-22 session " + ctx.sessionId(), s);
        this.stagings = new HeapFrame[codecThreads > 1 ? codecThreads : 0];
        BatchReceiver fast = null;
        try { // a constructor that fails gives back what it took
            for (int i = 0; i < segments; i++) {
                freeSegments.add(arena.allocate(capacity).order(ByteOrder.BIG_ENDIAN));
            }
            for (int i = 0; i < stagings.length; i++) {
                stagings[i] = new HeapFrame(arena.allocate((int) format.bufferSize()), null);
            }
            primed = PRIME && prime(codec, spec);
            // ~650 datagrams a 1080p60 frame at 3 bpp: up to 64 a system call, or the sender's whole GSO batches
            // with receive offload, instead of one receive (and often one wake-up) each
            fast = VideoRxSession.openFastPath(spec, s);
            this.channel = fast != null ? null
                    : Udp.receiver(s.ip(), s.device(), spec.local(), spec.remote().host(), s.socketBuffer());
        } catch (TransportException | RuntimeException e) {
            if (fast != null) {
                fast.close();
            }
            for (VideoDecoder d : decoders) {
                d.close();
            }
            arena.close();
            throw e;
        }
        this.batch = fast;
        this.source = ctx.frameSource() == null ? NoApp.SOURCE : ctx.frameSource();
        this.sink = ctx.output() == null ? NoApp.SINK : ctx.output();
        receiver = SessionThread.of("st2110-22-rx-" + ctx.sessionId(), ctx, () -> running, this::receive);
        decoderThreads = new Thread[codecThreads];
        for (int i = 0; i < codecThreads; i++) {
            final VideoDecoder d = decoders[i];
            // with more than one decoder, each decodes into a frame of its own and the app's frame is taken in turn
            // (the frame is copied): an app's memif queue lends one frame at a time, so decoders side by side cannot
            // each hold one of its frames (the second acquire failed the session)
            final HeapFrame staging = stagings.length > 0 ? stagings[i] : null;
            decoderThreads[i] = SessionThread.of("st2110-22-decode-" + ctx.sessionId() + "-" + i, ctx, () -> running,
                    () -> decode(d, staging));
        }
        receiver.start();
        for (Thread t : decoderThreads) {
            t.start();
        }
    }

    /** -Dorg.mcm.st2110.jxsPrime=false: the decoders' first frame is the first received one. */
    static final boolean PRIME = Boolean.parseBoolean(System.getProperty("org.mcm.st2110.jxsPrime", "true"));

    /**
     * Each decoder decodes one frame of the session's format before the first packet: a black picture the codec
     * encodes (in two of the picture segments, which are free then). A decoder's first frame takes 150-450 ms (its
     * buffers made and first touched, its code cold), 10-25 frame periods at 60 fps, and the frames arriving
     * meanwhile found no free segment; a session's opening is the time for it (~0.3 s more at 1080p). Best effort:
     * a codec that cannot encode this format leaves the decoders as they are (false).
     */
    private boolean prime(Codec codec, ConnectionSpec spec) {
        ByteBuffer raw = freeSegments.poll();
        ByteBuffer cs = freeSegments.poll();
        try (VideoEncoder enc = codec.encoder(format, Map.of("bpp", JxsSessions.bpp(spec)))) {
            raw.clear().limit((int) format.bufferSize()); // new direct memory: zeros, a black picture
            cs.clear();
            int n = enc.encode(raw, cs);
            for (VideoDecoder d : decoders) {
                cs.limit(n).position(0);
                raw.clear();
                d.decode(cs, raw);
            }
            return true;
        } catch (CodecException | RuntimeException e) {
            return false;
        } finally {
            raw.clear();
            cs.clear();
            freeSegments.add(raw);
            freeSegments.add(cs);
        }
    }

    private void receive() {
        if (batch != null) {
            receiveBatched();
            return;
        }
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        JxsSessions.Reassembly r = new JxsSessions.Reassembly(pt, counters, freeSegments, fullSegments);
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

    /** Kernel fast path: the datagrams of each batch reassembled straight from their slots. */
    private void receiveBatched() {
        JxsSessions.Reassembly r = new JxsSessions.Reassembly(pt, counters, freeSegments, fullSegments);
        BatchReceiver.Datagrams each = (view, len, address) -> r.accept(view, len);
        try {
            while (running) {
                batch.receiveEach(100, counters, each);
            }
        } catch (ClosedChannelException e) {
            // closed
        } catch (IOException | RuntimeException e) {
            if (running) {
                ctx.failed("ST 2110-22 receive failed: " + e); // a bug must not leave a silent, dead session
            }
        }
    }

    /**
     * One decoder's loop: the next complete segment into an app frame (or, with staging, into the decoder's own
     * frame, copied into an app frame in turn), handed over in arrival order.
     */
    private void decode(VideoDecoder decoder, HeapFrame staging) {
        while (running) {
            JxsSessions.Unit u;
            try {
                u = fullSegments.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (u == null) {
                continue;
            }
            ByteBuffer seg = u.seg();
            long n = u.n(); // before the segment (and its unit) goes back
            Frame out = null;
            try {
                int start = Rfc9134.codestreamStart(seg, seg.limit());
                if (start < 0) {
                    counters.badHeaders.increment();
                } else if ((out = staging != null ? staging : source.acquire(0, TimeUnit.NANOSECONDS)) == null) {
                    counters.noBuffer.increment();
                } else {
                    seg.position(start); // the codestream (the decoder moves the position past it)
                    try {
                        // the app buffer's own view when it starts at 0 (as pooled buffers do): the codec then
                        // keeps its sink for it from frame to frame; otherwise a view of the whole buffer
                        ByteBuffer raw = out.data();
                        if (raw.position() != 0 || raw.limit() != raw.capacity()) {
                            raw = raw.duplicate().clear();
                        }
                        out.length(decoder.decode(seg, raw));
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
                if (!deliverInTurn(n, out, staging != null) && out != null) {
                    out.release();
                }
            }
        }
    }

    /**
     * Waits for unit n's turn, then hands its frame (or nothing) to the app, a staged frame copied into an app frame
     * taken now; false if the session stopped.
     */
    private boolean deliverInTurn(long n, Frame out, boolean staged) {
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
            if (out != null && staged) {
                out = copyToApp(out);
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

    /** An app frame holding the staged frame's bytes, or null (counted) when the app has none free or too small. */
    private Frame copyToApp(Frame staged) {
        Frame app;
        try {
            app = source.acquire(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        int len = staged.length();
        if (app == null || app.data().capacity() < len) {
            counters.noBuffer.increment();
            if (app != null) {
                app.release();
            }
            return null;
        }
        app.data().put(0, staged.data(), 0, len); // absolute: no position moves
        app.length(len);
        framesCopied.increment();
        return app;
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
        m.put("frames_copied", framesCopied.sum());
        m.put("decoders_primed", primed ? 1L : 0L);
        m.put("fast_path", batch == null ? 0L : 1L);
        m.put("receive_offload", batch != null && batch.offload() ? 1L : 0L);
        if (batch != null) {
            m.put("rx_wake_interval_us", batch.wakeIntervalNanos() / 1000);
            m.put("socket_reads", batch.reads());
        }
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
        if (batch != null) {
            batch.close(); // after the thread ended: it polls with a timeout and checks running
        }
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
