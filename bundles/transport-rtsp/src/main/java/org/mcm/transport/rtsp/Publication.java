package org.mcm.transport.rtsp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * One published H.264 stream: the access units of a TX session, packetized (RFC 6184: single NAL unit packets and
 * FU-A) once per access unit and sent to every playing client with the client's own sequence numbers and timestamp
 * base. A client that joins starts at the next IDR access unit, preceded by the parameter sets if that access unit
 * lacks them.
 */
final class Publication {

    private static final int MAX_NALS = 1024;

    final String name;
    final int maxPayload;
    final List<RtspServer.Client> clients = new CopyOnWriteArrayList<>();
    final LongAdder frames = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder packetsSent = new LongAdder();
    final LongAdder sendDrops = new LongAdder();
    final LongAdder badFrames = new LongAdder();
    final LongAdder clientsServed = new LongAdder();

    private volatile byte[] sps;
    private volatile byte[] pps;
    private final int[] offs = new int[MAX_NALS];
    private final int[] lens = new int[MAX_NALS];
    private final byte[] hdr = new byte[14];
    private final ByteBuffer hdrBuf = ByteBuffer.wrap(hdr).order(ByteOrder.BIG_ENDIAN);
    private volatile long lastTs;
    private volatile long lastTsNanos;

    Publication(String name, int maxPacket) {
        this.name = name;
        this.maxPayload = maxPacket - 12;
    }

    /** The SDP media description's format parameters, with the parameter sets seen so far. */
    String fmtp(int pt) {
        StringBuilder b = new StringBuilder("a=fmtp:").append(pt).append(" packetization-mode=1");
        byte[] s = sps;
        byte[] p = pps;
        if (s != null && s.length >= 4) {
            b.append(";profile-level-id=").append(HexFormat.of().formatHex(s, 1, 4));
        }
        if (s != null && p != null) {
            b.append(";sprop-parameter-sets=").append(Base64.getEncoder().encodeToString(s)).append(',')
                    .append(Base64.getEncoder().encodeToString(p));
        }
        return b.toString();
    }

    boolean hasParameterSets() {
        return sps != null && pps != null;
    }

    /** RTP timestamp now, extrapolated from the last access unit (for sender reports). */
    long rtpNow() {
        long t = lastTsNanos;
        return t == 0 ? lastTs : (lastTs + (System.nanoTime() - t) * 90_000 / 1_000_000_000L) & 0xFFFF_FFFFL;
    }

    /** One access unit, Annex-B, in b[from, end); called by the session's single input thread. */
    synchronized void publish(ByteBuffer b, int from, int end, long ts) {
        int n = H264Stream.nals(b, from, end, offs, lens);
        if (n <= 0) {
            badFrames.increment();
            return;
        }
        frames.increment();
        bytes.add(end - from);
        lastTs = ts;
        lastTsNanos = System.nanoTime();
        boolean idr = false;
        boolean hasSps = false;
        boolean hasPps = false;
        for (int i = 0; i < n; i++) {
            int t = b.get(offs[i]) & 0x1F;
            if (t == 7) {
                sps = copy(b, offs[i], lens[i]);
                hasSps = true;
            } else if (t == 8) {
                pps = copy(b, offs[i], lens[i]);
                hasPps = true;
            } else if (t == 5) {
                idr = true;
            }
        }
        for (RtspServer.Client c : clients) {
            if (!c.playing) {
                continue;
            }
            if (!c.started) {
                if (!idr) {
                    continue; // joins at the next IDR
                }
                c.started = true;
                c.tsOffset = (c.rtptimeBase - ts) & 0xFFFF_FFFFL;
                byte[] s = sps;
                byte[] p = pps;
                if (!hasSps && s != null) {
                    sendSingle(c, ByteBuffer.wrap(s), 0, s.length, ts, false);
                }
                if (!hasPps && p != null) {
                    sendSingle(c, ByteBuffer.wrap(p), 0, p.length, ts, false);
                }
            }
            for (int i = 0; i < n; i++) {
                boolean last = i == n - 1;
                if (lens[i] <= maxPayload) {
                    sendSingle(c, b, offs[i], lens[i], ts, last);
                } else {
                    sendFragments(c, b, offs[i], lens[i], ts, last);
                }
            }
        }
    }

    private static byte[] copy(ByteBuffer b, int off, int len) {
        byte[] a = new byte[len];
        b.get(off, a);
        return a;
    }

    private void header(RtspServer.Client c, long ts, boolean marker) {
        hdrBuf.put(0, (byte) 0x80);
        hdrBuf.put(1, (byte) ((marker ? 0x80 : 0) | c.payloadType));
        hdrBuf.putShort(2, (short) c.seq);
        c.seq = (c.seq + 1) & 0xFFFF;
        long t = (ts + c.tsOffset) & 0xFFFF_FFFFL;
        c.lastRtpTs = t;
        hdrBuf.putInt(4, (int) t);
        hdrBuf.putInt(8, c.ssrc);
    }

    private void sendSingle(RtspServer.Client c, ByteBuffer b, int off, int len, long ts, boolean marker) {
        header(c, ts, marker);
        send(c, 12, b, off, len);
    }

    private void sendFragments(RtspServer.Client c, ByteBuffer b, int off, int len, long ts, boolean lastNal) {
        int nalHeader = b.get(off) & 0xFF;
        int p = off + 1;
        int end = off + len;
        int chunk = maxPayload - 2;
        boolean first = true;
        while (p < end) {
            int k = Math.min(chunk, end - p);
            boolean last = p + k == end;
            header(c, ts, last && lastNal);
            hdr[12] = (byte) ((nalHeader & 0xE0) | 28);
            hdr[13] = (byte) ((first ? 0x80 : 0) | (last ? 0x40 : 0) | (nalHeader & 0x1F));
            send(c, 14, b, p, k);
            p += k;
            first = false;
        }
    }

    private void send(RtspServer.Client c, int hdrLen, ByteBuffer b, int off, int len) {
        try {
            if (c.sendRtp(hdr, hdrLen, b, off, len)) {
                packetsSent.increment();
                c.packets++;
                c.octets += hdrLen - 12 + len;
            } else {
                sendDrops.increment();
            }
        } catch (IOException e) {
            sendDrops.increment();
            c.sendFailed(e);
        }
    }
}
