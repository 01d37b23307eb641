package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.mcm.api.frame.Frame;
import org.mcm.api.media.PixelFormat;

/**
 * What the ST 2110 fuzz tests share: the input shapes and golden packet streams. Video inputs come in two shapes,
 * picked by their first byte: raw datagrams ({@code [u16 length][bytes]}...), or edits (drop, duplicate, swap,
 * truncate, damage the RTP flags) of a golden packet stream of two frames sent by the production packetizers.
 * Seeds ({@code <Class>Inputs/fuzz}) are written by {@link FuzzSeeds}. Each fuzz test is one class: Jazzer fuzzes
 * one target per JVM, and surefire's fuzz execution gives each class a JVM of its own.
 */
final class FuzzInputs {

    private FuzzInputs() {
    }

    /** Frame geometry of the -20 target: small, yet several packets and several segments per packet. */
    static final int W = 48;
    static final int H = 6;
    static final PGroup PG = PGroup.of(PixelFormat.YUV422_10_PGROUP);
    static final int PT = 96;
    static final int MAX_PAYLOAD = 150;
    static final long[] TS = {90_000L, 91_500L};
    static final byte[][] VIDEO_FRAMES = {content((int) ((long) PG.lineBytes(W) * H), 3), content((int) ((long) PG.lineBytes(W) * H), 11)};
    static final List<byte[]> VIDEO_GOLDEN = rfc4175Golden();

    /** -22: two picture segments, codestream mode and slice mode, cut into packets of at most this many bytes. */
    static final int JXS_PACKET = 100;
    static final byte[][] JXS_FRAMES = {content(700, 5), content(650, 9)};
    static final List<byte[]> JXS_GOLDEN = rfc9134Golden();
    /**
     * The datagram buffer of the fuzz tests (one thread fuzzes): a direct buffer of 64 KiB allocated per input cost
     * more than the input itself and, freed only by the GC, made the JVM stall at its direct memory limit.
     */
    private static final ByteBuffer PACKET = ByteBuffer.allocateDirect(65_536).order(java.nio.ByteOrder.BIG_ENDIAN);

    /** The datagram p in the shared packet buffer (position 0, limit at its capacity), as a socket receive leaves it. */
    static ByteBuffer packet(byte[] p) {
        PACKET.clear();
        PACKET.put(0, p);
        return PACKET;
    }

    /** Throws when a thread of an ST 2110 session is still alive (after its session closed). */
    static void assertNoSessionThreads() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("st2110-")) {
                throw new AssertionError("thread left behind after close: " + t.getName());
            }
        }
    }

    /** A delivered frame: complete, of a known timestamp (edits: equal to its golden frame, once), then given back. */
    static void checkVideoFrame(PoisonPool app, Frame f, boolean edits, Map<Long, Integer> seen, byte[][] golden, String what) {
        try {
            app.assertNoHole(f, what);
            if (edits) {
                int i = Arrays.binarySearch(TS, f.timestamp());
                if (i < 0) {
                    throw new AssertionError(what + ": a frame of timestamp " + f.timestamp() + " that was never sent");
                }
                if (seen.merge(f.timestamp(), 1, Integer::sum) > 1) {
                    throw new AssertionError(what + ": frame " + f.timestamp() + " delivered twice");
                }
                byte[] got = new byte[f.length()];
                f.data().get(0, got);
                if (!Arrays.equals(got, golden[i])) {
                    throw new AssertionError(what + ": frame " + f.timestamp() + " delivered as good but differs from what was sent");
                }
            }
        } finally {
            f.release();
        }
    }

    /** Raw datagrams: {@code [u16 length][bytes]}..., the last one whatever is left. */
    static List<byte[]> datagrams(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        int i = 1;
        while (i < data.length && out.size() < 64) {
            if (i + 2 > data.length) {
                break;
            }
            int n = Math.min(((data[i] & 0xFF) << 8 | (data[i + 1] & 0xFF)), data.length - i - 2);
            out.add(Arrays.copyOfRange(data, i + 2, i + 2 + n));
            i += 2 + n;
        }
        return out;
    }

    /**
     * The golden packets with the input's edits, one op a byte after the first: 0 pass the next packet, 1 drop it,
     * 2 send it twice, 3 swap it with the one after, 4 cut it short (only where the format says how long a packet's
     * data is: {@code cut}; else pass), 5 damage its version/flags/payload type byte; the rest pass as they are.
     * Edits never touch the media data or the fields that place it: a receiver cannot tell such damage from a real
     * picture, so a frame delivered from these packets must equal the golden one.
     */
    static List<byte[]> edit(List<byte[]> golden, byte[] data, boolean cut) {
        List<byte[]> out = new ArrayList<>();
        int g = 0;
        int i = 1;
        while (g < golden.size() && i < data.length) {
            int op = (data[i++] & 0xFF) % 6;
            int arg = i < data.length ? data[i] & 0xFF : 0;
            byte[] p = golden.get(g);
            switch (op) {
                case 0 -> out.add(p);
                case 1 -> { }
                case 2 -> {
                    out.add(p);
                    out.add(p);
                }
                case 3 -> {
                    if (g + 1 < golden.size()) {
                        out.add(golden.get(++g));
                    }
                    out.add(p);
                }
                case 4 -> {
                    out.add(cut ? Arrays.copyOf(p, arg % p.length) : p);
                    i++;
                }
                default -> {
                    byte[] q = p.clone();
                    q[arg & 1] ^= (byte) (arg | 1);
                    out.add(q);
                    i++;
                }
            }
            g++;
        }
        while (g < golden.size()) {
            out.add(golden.get(g++));
        }
        return out;
    }

    static byte[] content(int n, int k) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * k + 1);
        }
        return b;
    }

    /** Two frames as the production packetizer sends them. */
    static List<byte[]> rfc4175Golden() {
        List<byte[]> out = new ArrayList<>();
        Rfc4175Packetizer p = new Rfc4175Packetizer(W, H, PG, MAX_PAYLOAD, PT, 0x1234, 100);
        for (int f = 0; f < 2; f++) {
            ByteBuffer frame = ByteBuffer.allocateDirect(VIDEO_FRAMES[f].length);
            frame.put(0, VIDEO_FRAMES[f]);
            p.begin(frame, TS[f]);
            while (p.hasMore()) {
                int n = p.next();
                ByteBuffer b = ByteBuffer.allocate(n);
                p.copyTo(b);
                out.add(b.array());
            }
        }
        return out;
    }

    /** Frame 0 in codestream mode, frame 1 in slice mode (a header unit and two slice units). */
    static List<byte[]> rfc9134Golden() {
        List<byte[]> out = new ArrayList<>();
        int seq = 500;
        byte[] a = JXS_FRAMES[0];
        int packets = (a.length + JXS_PACKET - 1) / JXS_PACKET;
        for (int k = 0; k < packets; k++) {
            int from = k * JXS_PACKET;
            int to = Math.min(a.length, from + JXS_PACKET);
            boolean last = k == packets - 1;
            out.add(jxsPacket(seq++, TS[0], last, Rfc9134.header(last, 0, k), a, from, to));
        }
        byte[] b = JXS_FRAMES[1];
        int[] units = {0, 120, 400, b.length};
        for (int u = 0; u < 3; u++) {
            int p = 0;
            for (int from = units[u]; from < units[u + 1]; from += JXS_PACKET, p++) {
                int to = Math.min(units[u + 1], from + JXS_PACKET);
                boolean lastOfUnit = to == units[u + 1];
                out.add(jxsPacket(seq++, TS[1], lastOfUnit && u == 2,
                        Rfc9134.sliceHeader(lastOfUnit, 1, Rfc9134.unitSep(u), p), b, from, to));
            }
        }
        return out;
    }

    static byte[] jxsPacket(int seq, long ts, boolean marker, int header, byte[] src, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER + to - from);
        Rtp.write(b, 0, marker, PT, seq, ts, 0x4321);
        b.putInt(Rtp.HEADER, header);
        b.put(Rtp.HEADER + Rfc9134.PAYLOAD_HEADER, src, from, to - from);
        return b.array();
    }

    /** The -30 and -40 receive sessions, opened once on loopback ports of this run (closed after all inputs). */
}
