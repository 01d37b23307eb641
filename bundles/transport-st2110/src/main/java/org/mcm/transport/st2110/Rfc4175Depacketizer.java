package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;

/**
 * Reassembles RFC 4175 packets into frames written straight into buffers from a {@link FrameSource}. Every
 * header field is checked before a byte is written: a packet with an impossible line, offset or length, or one
 * that would write past the frame, is dropped whole and counted. Does not require the extended sequence number
 * (common senders leave it 0). A frame is delivered when its marker arrives with every byte present; otherwise
 * it is counted incomplete and its buffer reused. "Present" is kept per pixel group in a bitmap: a duplicated
 * packet (or one whose header repeats another's place) covers nothing new, so it cannot stand in for a lost one.
 */
final class Rfc4175Depacketizer {

    private static final int MAX_SRD = 64;

    private final int width;
    private final int height;
    private final PGroup pg;
    private final int lineBytes;
    private final long frameBytes;
    private final int payloadType;
    private final FrameSource source;
    private final FrameSink sink;
    final St2110Counters counters;
    private final int[] srdLen = new int[MAX_SRD];
    private final int[] srdStart = new int[MAX_SRD];
    private final int[] srdRow = new int[MAX_SRD];
    private final int[] srdPixel = new int[MAX_SRD];
    /** Converts segments straight into the app's planar frame as they arrive; null: the app takes the wire layout. */
    private final PlanarLines planar;
    /** Bytes of a delivered frame in the app's layout. */
    private final long appFrameBytes;
    /** The current frame's buffer in little-endian order (planar samples), made once per frame. */
    private ByteBuffer planarView;
    /** Pixel groups of the current frame written so far, one bit each. */
    private final long[] covered;
    /**
     * Slack for a slow app when converting inline: staging frames in wire layout that a converter thread turns into
     * the app's frames later. A frame goes there when the app has no free buffer as it starts, or while earlier
     * frames still wait there (so frames reach the app in order). Null: no slack.
     */
    private final ConvertingStage slack;
    /** Whether the current frame is converted inline into an app buffer (else it is reassembled in wire layout). */
    private boolean inline;

    private Frame current;
    private boolean skipping;
    private long currentTs = -1;
    private long finishedTs = -1;
    private long bytesInFrame;
    private int lastSeq = -1;
    private long frameSeq;
    private long firstArrival;
    private long lastArrival;
    /** When the receive batch being handled arrived (0: none given, each packet reads the clock). */
    private long batchArrival;
    /** Complete frames: first packet in to frame handed on (mostly the sender's spread over the frame period). */
    final StageTimes frameTimes = new StageTimes();
    /** Complete frames: last packet in to frame handed on (the receiver's own delay: the last segment, the hand-over). */
    final StageTimes handOverTimes = new StageTimes();

    Rfc4175Depacketizer(int width, int height, PGroup pg, int payloadType, FrameSource source, FrameSink sink,
            St2110Counters counters) {
        this(width, height, pg, payloadType, source, sink, counters, null, 0, null);
    }

    /**
     * With {@code planar} set, every segment is converted into the app's planar frame of {@code appFrameBytes}
     * while the packets arrive: no staging frame, and the frame is ready right after its last packet.
     */
    Rfc4175Depacketizer(int width, int height, PGroup pg, int payloadType, FrameSource source, FrameSink sink,
            St2110Counters counters, PlanarLines planar, long appFrameBytes) {
        this(width, height, pg, payloadType, source, sink, counters, planar, appFrameBytes, null);
    }

    /**
     * Inline conversion ({@code planar}) with {@code slack}: when the app has no free buffer as a frame starts, or
     * frames still wait in the stage, the frame is reassembled into one of the stage's wire-layout frames instead and
     * converted by its thread when the app frees a buffer.
     */
    Rfc4175Depacketizer(int width, int height, PGroup pg, int payloadType, FrameSource source, FrameSink sink,
            St2110Counters counters, PlanarLines planar, long appFrameBytes, ConvertingStage slack) {
        this.slack = planar == null ? null : slack;
        this.planar = planar;
        this.width = width;
        this.height = height;
        this.pg = pg;
        this.lineBytes = pg.lineBytes(width);
        this.frameBytes = (long) lineBytes * height;
        this.payloadType = payloadType;
        this.source = source;
        this.sink = sink;
        this.counters = counters;
        this.appFrameBytes = planar == null ? frameBytes : appFrameBytes;
        this.covered = new long[(int) ((frameBytes / pg.bytes() + 63) >>> 6)];
    }

    /**
     * Receive batches (one thread): packets are added to the session's counter once per batch by
     * {@link #publishCounts} instead of one atomic update each.
     */
    private boolean deferCounts;
    private long packetsUncounted;

    /** From now on packets are counted by {@link #publishCounts}, which the receiving thread calls after each batch. */
    void deferCounts() {
        deferCounts = true;
    }

    /** Adds the packets handled since the last call to the session's counter (receiving thread). */
    void publishCounts() {
        if (packetsUncounted != 0) {
            counters.packets.add(packetsUncounted);
            packetsUncounted = 0;
        }
    }

    /** Handles one UDP payload held in {@code p} from 0 to {@code len}. */
    void accept(ByteBuffer p, int len) {
        accept(p, len, 0);
    }

    /**
     * As {@link #accept(ByteBuffer, int)}, where {@code p} starts at native address {@code addr} (0: unknown) and stays
     * valid until {@link #flush}: planar conversion of its segments may wait for one native call per batch.
     */
    void accept(ByteBuffer p, int len, long addr) {
        if (deferCounts) {
            packetsUncounted++;
        } else {
            counters.packets.increment();
        }
        int h = Rtp.headerLength(p, len);
        if (h < 0 || Rtp.version(p, 0) != 2 || (payloadType > 0 && Rtp.payloadType(p, 0) != payloadType)) {
            counters.badHeaders.increment();
            return;
        }
        if (Rtp.padding(p, 0)) {
            int pad = Byte.toUnsignedInt(p.get(len - 1));
            if (pad == 0 || pad > len - h) {
                counters.badHeaders.increment();
                return;
            }
            len -= pad;
        }
        // sample row data headers
        int off = h + Rfc4175Packetizer.EXT_SEQ;
        int n = 0;
        long dataTotal = 0;
        boolean more = true;
        while (more) {
            if (n == MAX_SRD || off + Rfc4175Packetizer.SRD > len) {
                counters.badHeaders.increment();
                return;
            }
            int slen = Short.toUnsignedInt(p.getShort(off));
            int row = Short.toUnsignedInt(p.getShort(off + 2)) & 0x7FFF;
            int co = Short.toUnsignedInt(p.getShort(off + 4));
            more = (co & 0x8000) != 0;
            int pixelOffset = co & 0x7FFF;
            if (row >= height || pixelOffset >= width || pixelOffset % pg.pixels() != 0 || slen % pg.bytes() != 0
                    || (long) pixelOffset / pg.pixels() * pg.bytes() + slen > lineBytes) {
                counters.badHeaders.increment();
                return;
            }
            srdLen[n] = slen;
            srdStart[n] = row * lineBytes + pixelOffset / pg.pixels() * pg.bytes();
            srdRow[n] = row;
            srdPixel[n] = pixelOffset;
            dataTotal += slen;
            n++;
            off += Rfc4175Packetizer.SRD;
        }
        if (off + dataTotal > len) {
            counters.badHeaders.increment();
            return;
        }
        int seq = Rtp.seq(p, 0);
        long ts = Rtp.timestamp(p, 0);
        trackSequence(seq);
        long reference = currentTs >= 0 ? currentTs : finishedTs;
        if (reference >= 0 && ts != reference && (int) (ts - reference) < 0 || currentTs < 0 && ts == finishedTs) {
            counters.late.increment(); // belongs to a frame already finished
            return;
        }
        if (currentTs >= 0 && ts != currentTs) {
            finishFrame(false);
        }
        if (currentTs < 0) {
            startFrame(ts);
        }
        lastArrival = arrivalNow();
        if (!skipping && inline) {
            for (int i = 0; i < n; i++) {
                if (addr == 0 || !planar.queueFromWire(addr + off, srdLen[i], planarView, srdRow[i], srdPixel[i])) {
                    planar.segmentFromWire(p, off, srdLen[i], planarView, srdRow[i], srdPixel[i]);
                }
                off += srdLen[i];
                bytesInFrame += cover(srdStart[i], srdLen[i]);
            }
        } else if (!skipping) {
            ByteBuffer dst = current.data();
            for (int i = 0; i < n; i++) {
                dst.put(srdStart[i], p, off, srdLen[i]);
                off += srdLen[i];
                bytesInFrame += cover(srdStart[i], srdLen[i]);
            }
        }
        if (Rtp.marker(p, 0)) {
            finishFrame(true);
        }
    }

    /** Marks the pixel groups of a segment written; returns the bytes of those not written before in this frame. */
    private long cover(int start, int len) {
        int from = start / pg.bytes();
        int to = from + len / pg.bytes();
        long fresh = 0;
        for (int w = from >>> 6; w <= (to - 1) >>> 6 && from < to; w++) {
            int lo = Math.max(from, w << 6) & 63;
            int hi = Math.min(to, (w + 1) << 6) - (w << 6); // 1..64
            long mask = (hi == 64 ? -1L : (1L << hi) - 1) & (-1L << lo);
            fresh += Long.bitCount(mask & ~covered[w]);
            covered[w] |= mask;
        }
        return fresh * pg.bytes();
    }

    private void trackSequence(int seq) {
        if (lastSeq >= 0) {
            int diff = (seq - lastSeq - 1) & 0xFFFF;
            if (diff == 0xFFFF) {
                counters.duplicates.increment();
            } else if (diff >= 0x8000) {
                counters.reordered.increment();
                return;
            } else if (diff > 0) {
                counters.lost.add(diff);
            }
        }
        lastSeq = seq;
    }

    private void startFrame(long ts) {
        currentTs = ts;
        firstArrival = arrivalNow();
        bytesInFrame = 0;
        java.util.Arrays.fill(covered, 0L);
        inline = false;
        long need = appFrameBytes;
        try {
            current = null;
            if (slack == null || slack.idle()) {
                current = source.acquire(0, TimeUnit.NANOSECONDS);
                inline = planar != null;
            }
            if (current == null && slack != null) {
                current = slack.acquire(0, TimeUnit.NANOSECONDS); // the app is behind: a staging frame takes it
                inline = false;
                need = frameBytes;
                if (current != null) {
                    counters.framesStaged.increment();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            current = null;
        }
        skipping = current == null || current.data().capacity() < need;
        if (current == null) {
            counters.noBuffer.increment();
        } else if (skipping) {
            counters.noBuffer.increment();
            current.release();
            current = null;
        } else if (inline) {
            planarView = current.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * The packets accepted from now on arrived at this System.nanoTime() (a receive batch: one clock read for all of
     * it instead of one per packet); 0: each packet reads the clock.
     */
    void arrivedAt(long nanos) {
        batchArrival = nanos;
    }

    private long arrivalNow() {
        return batchArrival != 0 ? batchArrival : System.nanoTime();
    }

    /** Converts the segments still queued (call before the memory of the datagrams given to accept is reused). */
    void flush() {
        if (planar != null) {
            planar.flush();
        }
    }

    private void finishFrame(boolean marker) {
        flush();
        long ts = currentTs;
        finishedTs = ts;
        currentTs = -1;
        if (current == null) {
            counters.framesDropped.increment();
            return;
        }
        Frame f = current;
        current = null;
        if (marker && bytesInFrame >= frameBytes) {
            f.length((int) (inline || slack == null ? appFrameBytes : frameBytes));
            f.timestamp(ts);
            f.sequence(frameSeq++);
            counters.framesComplete.increment();
            long spread = lastArrival - firstArrival;
            counters.spreadLastNanos = spread;
            counters.spreadMaxNanos.accumulate(spread);
            if (slack != null && !inline) {
                slack.accept(f);
            } else {
                sink.accept(f);
            }
            long handed = System.nanoTime();
            counters.latencyLastNanos = handed - firstArrival; // first packet in to frame handed on
            frameTimes.record(handed - firstArrival);
            handOverTimes.record(handed - lastArrival);
        } else {
            counters.incompleteMissingLast = frameBytes - bytesInFrame;
            counters.incompleteAfterFramesLast = counters.framesComplete.sum();
            if (!marker) {
                counters.incompleteNoMarker.increment();
            }
            counters.framesIncomplete.increment();
            f.release();
        }
    }

    /** Bytes of the wire frame (pixel groups). */
    long frameBytes() {
        return frameBytes;
    }

    /**
     * Bytes of the frame in progress not received yet: -1 between frames, {@link Long#MAX_VALUE} for a frame being
     * skipped (no buffer: nothing hurries).
     */
    long bytesMissing() {
        if (currentTs < 0) {
            return -1;
        }
        return skipping ? Long.MAX_VALUE : frameBytes - bytesInFrame;
    }

    /** Drops a frame in progress (on close). */
    void abort() {
        if (planar != null) {
            planar.discard();
        }
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
