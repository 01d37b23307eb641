package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.BlockingQueue;

import org.mcm.api.codec.Codec;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportException;

/**
 * ST 2110-22 (JPEG XS, RFC 9134 codestream or slice packetization mode, sequential transmission) sessions. The app exchanges raw frames; the sender encodes each
 * with the {@code jpegxs} Codec service at the session's bits per pixel (option {@code bpp}, default 3 as
 * upstream MCM) and spreads the packets over the frame period; the receiver reassembles the picture segment,
 * skips the boxes and decodes into the app's buffers on decoder threads (successive frames side by side, handed to
 * the app in order). The sender is {@link JxsTxSession}, the receiver {@link JxsRxSession}; this class holds what
 * both read from the connection: the packetization mode, the codec's parameters and threads, the format check.
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

    static Map<String, String> encoderParams(ConnectionSpec spec, Codec codec) throws TransportException {
        return Map.of("bpp", bpp(spec), "threads", Integer.toString(codecThreads(spec, codec, true)));
    }

    static String bpp(ConnectionSpec spec) {
        return spec.options().getOrDefault("bpp", "3");
    }

    /**
     * Pixels per second one codec thread is taken to sustain when the codec cannot say (its
     * {@link Codec#encoderThreads}/{@link Codec#decoderThreads} answer 0): about 1080p at 40 fps.
     */
    static final long PIXELS_PER_THREAD = 1920L * 1080 * 40;

    /**
     * Option {@code codec_threads} (1..16): threads the encoder (TX, inside each frame) or the decoders (RX, one
     * frame each, side by side) of this session use. Default: what the codec says the format's frame rate needs
     * ({@link Codec#encoderThreads}, {@link Codec#decoderThreads}: the jpegxs codec with its native fragment 2 to
     * encode 1080p60 and 1 to decode it, so that the receiver decodes straight into the app's frame), or, from a
     * codec that cannot say, enough for the pixel rate at ~1080p40 per thread; at most the machine's processors.
     */
    static int codecThreads(ConnectionSpec spec, Codec codec, boolean encode) throws TransportException {
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
        int n = encode ? codec.encoderThreads(f, Map.of("bpp", bpp(spec))) : codec.decoderThreads(f, Map.of());
        if (n <= 0) { // the codec cannot say
            double pixelRate = (double) f.width() * f.height() * f.frameRate().numerator() / f.frameRate().denominator();
            n = (int) Math.ceil(pixelRate / PIXELS_PER_THREAD);
        }
        return Math.max(1, Math.min(n, Math.min(16, Runtime.getRuntime().availableProcessors())));
    }

    static void checkFormat(Codec codec, VideoFormat f) throws TransportException {
        if (!codec.pixelFormats().contains(f.pixelFormat())) {
            throw new TransportException("st2110-22: the jpegxs codec does not take " + f.pixelFormat().id()
                    + " frames (it takes " + codec.pixelFormats() + ")");
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
        // one unit per picture segment, made when the segment first completes and reused (no allocation a frame)
        private final java.util.IdentityHashMap<ByteBuffer, Unit> unitOf = new java.util.IdentityHashMap<>();

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
                    Unit u = unitOf.computeIfAbsent(seg, Unit::new);
                    u.n = units++;
                    fullSegments.offer(u); // room: every segment fits the queue
                }
                seg = null;
                ts = pts; // later packets of this timestamp are ignored until the next frame
            }
        }
    }

    /**
     * A complete picture segment and its place in arrival order; one per segment, reused: read {@link #n} before
     * the segment goes back to the free ones.
     */
    static final class Unit {
        private final ByteBuffer seg;
        private long n;

        Unit(ByteBuffer seg) {
            this.seg = seg;
        }

        ByteBuffer seg() {
            return seg;
        }

        long n() {
            return n;
        }
    }
}
