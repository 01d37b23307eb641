package org.mcm.transport.rtsp;

import java.nio.ByteBuffer;
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
    final LongAdder clientsTimedOut = new LongAdder();
    final LongAdder receiverReports = new LongAdder();
    final LongAdder rtcpBad = new LongAdder();

    private volatile byte[] sps;
    private volatile byte[] pps;
    private final int[] offs = new int[MAX_NALS];
    private final int[] lens = new int[MAX_NALS];
    private final RtpBatch batch = new RtpBatch();
    private ByteBuffer staging;
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
        boolean anyone = false;
        for (RtspServer.Client c : clients) {
            anyone |= c.playing && (c.started || idr);
        }
        if (!anyone) {
            return;
        }
        // the packets of this access unit, once for every client: slices of the app's buffer (direct) or of one copy
        ByteBuffer data = b;
        int shift = 0;
        if (!b.isDirect()) {
            staging = staging != null && staging.capacity() >= end - from ? staging
                    : ByteBuffer.allocateDirect(Math.max(end - from, 1 << 16));
            staging.put(0, b, from, end - from);
            data = staging;
            shift = from;
        }
        batch.reset(data);
        for (int i = 0; i < n; i++) {
            batch.addNal(offs[i] - shift, lens[i], b.get(offs[i]) & 0xFF, maxPayload);
        }
        UdpRtpSender udp = null;
        for (RtspServer.Client c : clients) {
            if (!c.playing) {
                continue;
            }
            if (!c.started) {
                if (!idr) {
                    continue; // joins at the next IDR
                }
                c.tsOffset = (c.rtptimeBase - ts) & 0xFFFF_FFFFL;
                if ((!hasSps && sps != null) || (!hasPps && pps != null)) {
                    leadIn(c, hasSps ? null : sps, hasPps ? null : pps, ts);
                }
                c.started = true;
            }
            long t = (ts + c.tsOffset) & 0xFFFF_FFFFL;
            c.lastRtpTs = t;
            if (c.udp()) {
                int row = batch.addDest(c.rtpDest, c);
                c.seq = batch.writeHeaders(row, c.payloadType, c.seq, t, c.ssrc, true);
                udp = c.sender();
            } else {
                int row = batch.dests; // a scratch row: the next UDP client's row takes it over
                c.seq = batch.writeHeaders(row, c.payloadType, c.seq, t, c.ssrc, true);
                count(c, batch, c.offerInterleaved(batch, row) ? 0 : batch.packets);
            }
        }
        if (udp != null && batch.dests > 0) {
            int failed = udp.send(batch);
            for (int d = 0; d < batch.dests; d++) {
                count(batch.owner[d], batch, 0);
            }
            packetsSent.add(-failed);
            sendDrops.add(failed);
        }
    }

    /** The parameter sets a client joining at an IDR that lacks them gets first (same timestamp, no marker). */
    private void leadIn(RtspServer.Client c, byte[] s, byte[] p, long ts) {
        int total = (s == null ? 0 : s.length) + (p == null ? 0 : p.length);
        ByteBuffer d = ByteBuffer.allocateDirect(total);
        RtpBatch lead = new RtpBatch();
        lead.reset(d);
        if (s != null) {
            d.put(s);
            lead.add(0, s.length, -1);
        }
        if (p != null) {
            lead.add(d.position(), p.length, -1);
            d.put(p);
        }
        long t = (ts + c.tsOffset) & 0xFFFF_FFFFL;
        if (c.udp()) {
            int row = lead.addDest(c.rtpDest, c);
            c.seq = lead.writeHeaders(row, c.payloadType, c.seq, t, c.ssrc, false);
            int failed = c.sender().send(lead);
            count(c, lead, failed);
        } else {
            c.seq = lead.writeHeaders(0, c.payloadType, c.seq, t, c.ssrc, false);
            count(c, lead, c.offerInterleaved(lead, 0) ? 0 : lead.packets);
        }
    }

    /** Counts a batch's packets for one client (all of them less the failed ones, which the caller counts). */
    private void count(RtspServer.Client c, RtpBatch b, int failed) {
        int sent = b.packets - failed;
        if (c != null && sent > 0) {
            long payload = 0;
            for (int p = 0; p < b.packets; p++) {
                payload += b.size(p) - 12;
            }
            c.packets += sent;
            c.octets += failed == 0 ? payload : payload * sent / b.packets;
        }
        packetsSent.add(sent);
        sendDrops.add(failed);
    }

    private static byte[] copy(ByteBuffer b, int off, int len) {
        byte[] a = new byte[len];
        b.get(off, a);
        return a;
    }
}
