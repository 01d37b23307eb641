package org.mcm.transport.st2110;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * ST 2110-30 sessions. One app buffer is one packet's worth of big-endian interleaved PCM (L16/L24/L8), as the
 * MCM SDK defines audio buffers; the sender sends it as one RTP packet (the app paces at the packet time).
 */
final class AudioSessions {

    private AudioSessions() {
    }

    static int bytesPerSampleFrame(AudioFormat f) {
        return f.channels() * (f.bitDepth() / 8);
    }

    /** Sender: the app's buffer is the RTP payload, sent with one gathering write. */
    static final class Tx implements TransportSession {
        private final DatagramChannel channel;
        private final AudioFormat format;
        private final St2110Counters counters = new St2110Counters();
        private final ByteBuffer header = ByteBuffer.allocateDirect(Rtp.HEADER).order(ByteOrder.BIG_ENDIAN);
        private final ByteBuffer[] gather = new ByteBuffer[2];
        private final int pt;
        private final int ssrc = ThreadLocalRandom.current().nextInt();
        private final String sdp;
        private int seq = ThreadLocalRandom.current().nextInt(0x10000);
        private long ts = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
        private boolean first = true;
        private volatile boolean open = true;
        private final FrameSink input = this::send;

        Tx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            format = (AudioFormat) spec.format();
            pt = spec.payloadType() == 0 ? 111 : spec.payloadType();
            channel = Udp.sender(s.ip(), s.device(), spec.local(), spec.remote(), s.socketBuffer(), s.multicastTtl());
            String src = spec.local().host().isEmpty() ? s.ip() : spec.local().host();
            sdp = Sdp.audio(ctx.sessionId(), src, spec.remote().host(), spec.remote().port(), pt, format);
            gather[0] = header;
        }

        private synchronized boolean send(Frame f) {
            try {
                int unit = bytesPerSampleFrame(format);
                int len = f.length();
                if (!open || len <= 0 || len % unit != 0 || len > format.bufferSize()) {
                    counters.framesDropped.increment();
                    return false;
                }
                Rtp.write(header, 0, first, pt, seq, ts, ssrc);
                header.clear();
                ByteBuffer payload = f.data().duplicate();
                payload.position(0).limit(len);
                gather[1] = payload;
                boolean sent = Udp.write(channel, gather, counters) >= 0;
                first = false;
                seq = (seq + 1) & 0xFFFF;
                ts = (ts + len / unit) & 0xFFFF_FFFFL;
                if (!sent) {
                    return true; // the app's buffer was taken; the receiver left (counted)
                }
                counters.packets.increment();
                counters.bytes.add(Rtp.HEADER + len);
                counters.framesComplete.increment();
                return true;
            } catch (IOException e) {
                counters.sendErrors.increment();
                return false;
            } finally {
                f.release();
            }
        }

        @Override
        public FrameSink input() {
            return input;
        }

        @Override
        public Map<String, Long> stats() {
            return counters.snapshot();
        }

        @Override
        public String description() {
            return sdp;
        }

        @Override
        public synchronized void close() {
            open = false;
            Closing.quietly(channel);
        }
    }

    /** Receiver: each valid packet's payload becomes one app buffer. */
    static final class Rx implements TransportSession {
        private final DatagramChannel channel;
        private final AudioFormat format;
        private final TransportContext ctx;
        private final int pt;
        private final St2110Counters counters = new St2110Counters();
        private final Thread thread;
        private volatile boolean running = true;
        private int lastSeq = -1;
        private long frames;
        private final int unit;

        Rx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            this.ctx = ctx;
            format = (AudioFormat) spec.format();
            unit = bytesPerSampleFrame(format);
            pt = spec.payloadType();
            channel = Udp.receiver(s.ip(), s.device(), spec.local(), spec.remote().host(), s.socketBuffer());
            thread = SessionThread.of("st2110-30-rx-" + ctx.sessionId(), ctx, () -> running, this::run);
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
                    ctx.failed("ST 2110-30 receive failed: " + e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Checks one datagram of len bytes; a valid one's payload goes to the app as one buffer. */
        void handle(ByteBuffer pkt, int len) throws InterruptedException {
            counters.packets.increment();
            counters.bytes.add(len);
            int h = Rtp.headerLength(pkt, len);
            if (h < 0 || Rtp.version(pkt, 0) != 2 || (pt > 0 && Rtp.payloadType(pkt, 0) != pt)) {
                counters.badHeaders.increment();
                return;
            }
            int payload = len - h;
            if (Rtp.padding(pkt, 0)) {
                int pad = Byte.toUnsignedInt(pkt.get(len - 1));
                if (pad == 0 || pad > payload) {
                    counters.badHeaders.increment();
                    return;
                }
                payload -= pad;
            }
            if (payload <= 0 || payload % unit != 0) {
                counters.badHeaders.increment();
                return;
            }
            trackSequence(Rtp.seq(pkt, 0));
            Frame f = ctx.frameSource() == null ? null : ctx.frameSource().acquire(0, TimeUnit.NANOSECONDS);
            if (f == null) {
                counters.noBuffer.increment();
                return;
            }
            if (payload > f.data().capacity()) {
                counters.badHeaders.increment();
                f.release();
                return;
            }
            f.data().put(0, pkt, h, payload);
            f.length(payload);
            f.timestamp(Rtp.timestamp(pkt, 0));
            f.sequence(frames++);
            counters.framesComplete.increment();
            ctx.output().accept(f);
        }

        private void trackSequence(int seq) {
            if (lastSeq >= 0) {
                int diff = (seq - lastSeq - 1) & 0xFFFF;
                if (diff == 0xFFFF) {
                    counters.duplicates.increment();
                    return;
                } else if (diff >= 0x8000) {
                    counters.reordered.increment();
                    return;
                } else if (diff > 0) {
                    counters.lost.add(diff);
                }
            }
            lastSeq = seq;
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
