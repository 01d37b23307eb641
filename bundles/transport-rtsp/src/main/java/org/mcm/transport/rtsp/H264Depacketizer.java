package org.mcm.transport.rtsp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;

/**
 * RTP/H.264 (RFC 6184, non-interleaved mode) to access units in the buffer layout of upstream MCM 24.09's payload
 * type 5: bytes 0-1 the RTP sequence number of the access unit's first packet and bytes 2-5 its RTP timestamp, both
 * as on the wire (network order); bytes 6-13 the length of what follows as a little-endian 64-bit number; then the
 * access unit in Annex-B form: one {@code 00} byte, then every NAL unit behind {@code 00 00 01} (so the first NAL
 * unit has a four-byte start code, the others three).
 *
 * <p>A strict superset of upstream's parser: single NAL unit packets, STAP-A and FU-A; CSRC list, header extension
 * and padding honoured; any payload type (or only the configured one); an access unit ends at the marker bit or
 * when the timestamp changes. Packets before the first access-unit boundary are dropped (as upstream does). An
 * access unit that lost a packet, whose fragmentation or aggregation is broken, or that does not fit the app's
 * buffer is dropped whole and counted, never delivered. Writes go straight into the app's buffer, bounds-checked;
 * nothing is allocated per packet.
 */
final class H264Depacketizer {

    static final int HEADER = 14;
    private static final int NAL_STAP_A = 24;
    private static final int NAL_FU_A = 28;

    private final int payloadType;
    private final FrameSource source;
    private final FrameSink sink;
    private final RtpCounters c;

    private boolean synced;
    private boolean havePrevious;
    private int lastSeq;
    private long prevTs;
    private long ssrc = -1;

    // the access unit being assembled
    private boolean open;
    private Frame frame;
    private ByteBuffer out;
    private int pos;
    private boolean damaged;
    private boolean tooLarge;
    private boolean inFu;
    private long auTs;
    private boolean auIdr;
    private boolean auSps;
    private boolean auPps;
    // RTSP client: parameter sets from the SDP, put in front of the first IDR that lacks them; nothing before it
    private byte[][] parameterSets;
    private boolean waitForIdr;

    /**
     * @param payloadType RTP payload type to take, or 0 for any
     */
    H264Depacketizer(int payloadType, FrameSource source, FrameSink sink, RtpCounters counters) {
        this.payloadType = payloadType;
        this.source = source;
        this.sink = sink;
        this.c = counters;
    }

    /**
     * For the RTSP client: access units are delivered from the first IDR on, and that IDR gets these parameter
     * sets (from the SDP's sprop-parameter-sets) in front when it lacks them.
     */
    void startAtIdr(byte[][] parameterSets) {
        this.parameterSets = parameterSets;
        this.waitForIdr = true;
    }

    /** One RTP packet: bytes 0..len of pkt (absolute indexes; position and limit are not used). */
    void accept(ByteBuffer pkt, int len) {
        c.packets.increment();
        if (len < 12 || (pkt.get(0) & 0xC0) != 0x80) {
            c.badHeaders.increment();
            return;
        }
        int b0 = pkt.get(0) & 0xFF;
        int b1 = pkt.get(1) & 0xFF;
        int off = 12 + 4 * (b0 & 0x0F);
        if ((b0 & 0x10) != 0) {
            if (off + 4 > len) {
                c.badHeaders.increment();
                return;
            }
            off += 4 + 4 * (pkt.getShort(off + 2) & 0xFFFF);
        }
        int end = len;
        if ((b0 & 0x20) != 0) {
            int pad = pkt.get(len - 1) & 0xFF;
            if (pad == 0 || len - pad < off) {
                c.badHeaders.increment();
                return;
            }
            end -= pad;
        }
        if (off > end) {
            c.badHeaders.increment();
            return;
        }
        if (payloadType != 0 && (b1 & 0x7F) != payloadType) {
            c.wrongPayloadType.increment();
            return;
        }
        boolean marker = (b1 & 0x80) != 0;
        int seq = pkt.getShort(2) & 0xFFFF;
        long ts = pkt.getInt(4) & 0xFFFF_FFFFL;
        long s = pkt.getInt(8) & 0xFFFF_FFFFL;

        if (ssrc != s) {
            if (ssrc >= 0) {
                c.ssrcChanges.increment(); // a new stream: what was open belongs to the old one
                abandon(true);
                synced = false;
            }
            ssrc = s;
            havePrevious = false;
        }
        boolean lostBefore = false;
        if (havePrevious) {
            int gap = (seq - lastSeq - 1) & 0xFFFF;
            if (gap >= 0x8000) {
                c.late.increment(); // older than the last packet: reordered or duplicated
                return;
            }
            if (gap > 0) {
                c.lost.add(gap);
                lostBefore = true;
                if (open) {
                    damaged = true;
                }
            }
        }
        boolean tsChanged = havePrevious && ts != prevTs;
        lastSeq = seq;
        prevTs = ts;
        boolean first = !havePrevious;
        havePrevious = true;

        if (open && ts != auTs) {
            finish(); // the timestamp changed: the previous access unit is over (its marker may have been lost)
        }
        if (!synced) {
            if (tsChanged && !first) {
                synced = true; // this packet starts a new access unit
            } else {
                c.beforeSync.increment();
                if (marker) {
                    synced = true; // the next packet starts one
                }
                return;
            }
        }
        if (!open) {
            begin(pkt, ts);
            // what was lost just before may have been this access unit's head (a STAP-A with SPS and PPS, the
            // first slices): it cannot be told from a whole lost access unit, so this one is not trusted either
            damaged = lostBefore;
        }
        payload(pkt, off, end);
        if (marker) {
            finish();
        }
    }

    /** The session ends: an access unit in progress is given back unfinished. */
    void abort() {
        abandon(false);
    }

    private void begin(ByteBuffer pkt, long ts) {
        open = true;
        auIdr = false;
        auSps = false;
        auPps = false;
        damaged = false;
        tooLarge = false;
        inFu = false;
        auTs = ts;
        try {
            frame = source.acquire(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            frame = null;
        }
        if (frame == null) {
            out = null;
            return;
        }
        out = frame.data().order(ByteOrder.LITTLE_ENDIAN);
        if (out.capacity() < HEADER + 1) {
            tooLarge = true;
            return;
        }
        out.put(0, pkt.get(2)).put(1, pkt.get(3));
        out.put(2, pkt.get(4)).put(3, pkt.get(5)).put(4, pkt.get(6)).put(5, pkt.get(7));
        out.put(HEADER, (byte) 0);
        pos = HEADER + 1;
    }

    private void payload(ByteBuffer pkt, int off, int end) {
        if (off >= end) {
            return; // an empty payload (e.g. only a marker) adds nothing
        }
        int h = pkt.get(off) & 0xFF;
        int type = h & 0x1F;
        if (type >= 1 && type <= 23) {
            if (inFu) {
                c.fuErrors.increment(); // a fragmented NAL unit never ended
                damaged = true;
                inFu = false;
            }
            saw(type);
            startCode();
            copy(pkt, off, end - off);
        } else if (type == NAL_STAP_A) {
            if (inFu) {
                c.fuErrors.increment();
                damaged = true;
                inFu = false;
            }
            int p = off + 1;
            boolean any = false;
            while (p < end) {
                if (p + 2 > end) {
                    c.stapErrors.increment();
                    damaged = true;
                    return;
                }
                int size = pkt.getShort(p) & 0xFFFF;
                p += 2;
                if (size == 0 || p + size > end || !singleNalType(pkt.get(p) & 0x1F)) {
                    c.stapErrors.increment();
                    damaged = true;
                    return;
                }
                saw(pkt.get(p) & 0x1F);
                startCode();
                copy(pkt, p, size);
                p += size;
                any = true;
            }
            if (!any) {
                c.stapErrors.increment();
                damaged = true;
            }
        } else if (type == NAL_FU_A) {
            if (end - off < 2) {
                c.fuErrors.increment();
                damaged = true;
                return;
            }
            int fu = pkt.get(off + 1) & 0xFF;
            boolean start = (fu & 0x80) != 0;
            boolean last = (fu & 0x40) != 0;
            if (start) {
                if (inFu) {
                    c.fuErrors.increment(); // the previous fragmented NAL unit never ended
                    damaged = true;
                }
                if (!singleNalType(fu & 0x1F)) {
                    c.fuErrors.increment(); // only a NAL unit of type 1..23 can be fragmented
                    damaged = true;
                    inFu = false;
                    return;
                }
                saw(fu & 0x1F);
                startCode();
                put((byte) ((h & 0xE0) | (fu & 0x1F)));
                copy(pkt, off + 2, end - off - 2);
                inFu = !last;
            } else if (!inFu) {
                c.fuErrors.increment(); // a middle or end fragment without its start
                damaged = true;
            } else {
                copy(pkt, off + 2, end - off - 2);
                if (last) {
                    inFu = false;
                }
            }
        } else {
            c.unsupportedNal.increment(); // STAP-B, MTAP16/24, FU-B (interleaved mode) or reserved types
            damaged = true;
        }
    }

    /** NAL unit types that stand for themselves (RFC 6184: 1-23); 0 and 24-31 never sit inside an access unit. */
    private static boolean singleNalType(int type) {
        return type >= 1 && type <= 23;
    }

    private void saw(int type) {
        if (type == 5) {
            auIdr = true;
        } else if (type == 7) {
            auSps = true;
        } else if (type == 8) {
            auPps = true;
        }
    }

    private void startCode() {
        put((byte) 0);
        put((byte) 0);
        put((byte) 1);
    }

    private void put(byte b) {
        if (out == null || tooLarge) {
            return;
        }
        if (pos >= out.capacity()) {
            tooLarge = true;
            return;
        }
        out.put(pos++, b);
    }

    private void copy(ByteBuffer pkt, int off, int n) {
        if (out == null || tooLarge) {
            return;
        }
        if (n > out.capacity() - pos) {
            tooLarge = true;
            return;
        }
        out.put(pos, pkt, off, n);
        pos += n;
    }

    private void finish() {
        open = false;
        if (inFu) {
            c.fuErrors.increment(); // the access unit ended inside a fragmented NAL unit
            damaged = true;
            inFu = false;
        }
        Frame f = frame;
        ByteBuffer o = out;
        frame = null;
        out = null;
        if (damaged) {
            c.framesDamaged.increment();
        } else if (f == null) {
            c.framesDropped.increment(); // no free app buffer when it began
        } else if (tooLarge) {
            c.framesTooLarge.increment();
        } else if (pos == HEADER + 1) {
            c.framesDamaged.increment(); // no NAL unit at all
        } else if (waitForIdr && !auIdr) {
            c.beforeSync.increment(); // the RTSP client starts at an IDR
        } else if (waitForIdr && !insertParameterSets(o)) {
            c.framesTooLarge.increment();
        } else {
            waitForIdr = false;
            o.putLong(6, pos - HEADER);
            f.length(pos);
            f.timestamp(auTs);
            f.sequence(((o.get(0) & 0xFF) << 8) | (o.get(1) & 0xFF));
            if (sink.accept(f)) {
                c.frames.increment();
            } else {
                c.framesDropped.increment();
            }
            return;
        }
        if (f != null) {
            f.release();
        }
    }

    /** Puts the SDP's parameter sets the IDR access unit lacks in front of its first NAL unit (behind an AUD). */
    private boolean insertParameterSets(ByteBuffer o) {
        if (parameterSets == null) {
            return true;
        }
        int extra = 0;
        for (byte[] ps : parameterSets) {
            int t = ps.length > 0 ? ps[0] & 0x1F : 0;
            if (t == 7 && !auSps || t == 8 && !auPps) {
                extra += 3 + ps.length;
            }
        }
        if (extra == 0) {
            return true;
        }
        if (pos + extra > o.capacity()) {
            return false;
        }
        int at = HEADER + 1; // behind the leading 00 byte, or behind an access unit delimiter, which comes first
        if (pos > HEADER + 4 && (o.get(HEADER + 4) & 0x1F) == 9) {
            int i = HEADER + 5;
            while (i + 2 < pos && !(o.get(i) == 0 && o.get(i + 1) == 0 && o.get(i + 2) == 1)) {
                i++;
            }
            at = i + 2 < pos ? i : pos;
        }
        byte[] tail = new byte[pos - at];
        o.get(at, tail);
        int w = at;
        for (byte[] ps : parameterSets) {
            int t = ps.length > 0 ? ps[0] & 0x1F : 0;
            if (t == 7 && !auSps || t == 8 && !auPps) {
                o.put(w, (byte) 0).put(w + 1, (byte) 0).put(w + 2, (byte) 1);
                o.put(w + 3, ps);
                w += 3 + ps.length;
            }
        }
        o.put(w, tail);
        pos += extra;
        return true;
    }

    private void abandon(boolean count) {
        if (open && count) {
            c.framesDamaged.increment();
        }
        open = false;
        inFu = false;
        if (frame != null) {
            frame.release();
            frame = null;
        }
        out = null;
    }
}
