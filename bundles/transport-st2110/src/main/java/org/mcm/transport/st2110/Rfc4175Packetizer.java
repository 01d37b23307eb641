package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Splits one raw frame (pgroup layout, lines back to back) into RFC 4175 / ST 2110-20 packets in General Packing
 * Mode: packets of at most {@code maxPayload} UDP bytes, a line may continue in the next packet and a packet may
 * carry segments of several lines. The pixel data is never copied here: for every packet the caller gets the
 * header bytes and up to {@link #MAX_SEGMENTS} views of the frame buffer to send with one gathering write.
 */
final class Rfc4175Packetizer {

    static final int MAX_SEGMENTS = 8;
    static final int EXT_SEQ = 2;
    static final int SRD = 6;

    private final int width;
    private final int height;
    private final PGroup pg;
    private final int lineBytes;
    private final int maxPayload;
    private final int payloadType;
    private final int ssrc;
    private final ByteBuffer header = ByteBuffer.allocateDirect(Rtp.HEADER + EXT_SEQ + SRD * MAX_SEGMENTS).order(ByteOrder.BIG_ENDIAN);
    private final ByteBuffer[] views = new ByteBuffer[MAX_SEGMENTS];
    private final ByteBuffer[] gather = new ByteBuffer[MAX_SEGMENTS + 1];
    private final int[] segLen = new int[MAX_SEGMENTS];
    private final int[] segLine = new int[MAX_SEGMENTS];
    private final int[] segPixel = new int[MAX_SEGMENTS];
    private ByteBuffer frame;
    private int line;
    private int pixel;
    private long seq; // 32-bit extended sequence counter
    private long timestamp;
    private int gatherCount;

    Rfc4175Packetizer(int width, int height, PGroup pg, int maxPayload, int payloadType, int ssrc, int firstSeq) {
        if (width % pg.pixels() != 0) {
            throw new IllegalArgumentException("width " + width + " is not a multiple of the pgroup's " + pg.pixels() + " pixels");
        }
        if (maxPayload < Rtp.HEADER + EXT_SEQ + SRD + pg.bytes() || maxPayload > 65_507) {
            throw new IllegalArgumentException("UDP payload size " + maxPayload + " out of range");
        }
        this.width = width;
        this.height = height;
        this.pg = pg;
        this.lineBytes = pg.lineBytes(width);
        this.maxPayload = maxPayload;
        this.payloadType = payloadType;
        this.ssrc = ssrc;
        this.seq = Integer.toUnsignedLong(firstSeq);
        gather[0] = header;
    }

    long frameBytes() {
        return (long) lineBytes * height;
    }

    /** Starts a frame; {@code frameData} must hold at least {@link #frameBytes()} from position 0. */
    void begin(ByteBuffer frameData, long rtpTimestamp) {
        if (frameData.capacity() < frameBytes()) {
            throw new IllegalArgumentException("frame buffer of " + frameData.capacity() + " bytes, need " + frameBytes());
        }
        if (frame != frameData) {
            frame = frameData;
            for (int i = 0; i < MAX_SEGMENTS; i++) {
                views[i] = frameData.duplicate();
                gather[i + 1] = views[i];
            }
        }
        timestamp = rtpTimestamp;
        line = 0;
        pixel = 0;
    }

    boolean hasMore() {
        return line < height;
    }

    /**
     * Prepares the next packet; afterwards {@link #gather()} elements 0..{@link #gatherCount()}-1 make it up.
     *
     * @return the packet's UDP payload length
     */
    int next() {
        int budget = maxPayload - Rtp.HEADER - EXT_SEQ;
        int n = 0;
        int total = 0;
        while (n < MAX_SEGMENTS && line < height && budget >= SRD + pg.bytes()) {
            int room = (budget - SRD) / pg.bytes() * pg.bytes();
            int leftInLine = (width - pixel) / pg.pixels() * pg.bytes();
            int len = Math.min(room, leftInLine);
            segLen[n] = len;
            segLine[n] = line;
            segPixel[n] = pixel;
            n++;
            budget -= SRD + len;
            total += len;
            pixel += len / pg.bytes() * pg.pixels();
            if (pixel >= width) {
                pixel = 0;
                line++;
            }
        }
        boolean last = line >= height;
        header.clear();
        Rtp.write(header, 0, last, payloadType, (int) seq, timestamp, ssrc);
        header.putShort(Rtp.HEADER, (short) (seq >>> 16));
        int off = Rtp.HEADER + EXT_SEQ;
        for (int i = 0; i < n; i++) {
            header.putShort(off, (short) segLen[i]);
            header.putShort(off + 2, (short) (segLine[i] & 0x7FFF));
            header.putShort(off + 4, (short) ((i < n - 1 ? 0x8000 : 0) | (segPixel[i] & 0x7FFF)));
            off += SRD;
            int start = segLine[i] * lineBytes + segPixel[i] / pg.pixels() * pg.bytes();
            ByteBuffer v = views[i];
            v.limit(start + segLen[i]).position(start);
        }
        header.limit(off).position(0);
        gatherCount = n + 1;
        seq = (seq + 1) & 0xFFFF_FFFFL;
        return off + total;
    }

    ByteBuffer[] gather() {
        return gather;
    }

    int gatherCount() {
        return gatherCount;
    }

    /** Copies the prepared packet into {@code out} (for tests and batching paths that need one buffer). */
    int copyTo(ByteBuffer out) {
        int start = out.position();
        for (int i = 0; i < gatherCount; i++) {
            out.put(gather[i].duplicate());
        }
        return out.position() - start;
    }
}
