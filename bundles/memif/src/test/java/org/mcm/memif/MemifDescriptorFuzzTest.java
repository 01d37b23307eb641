package org.mcm.memif;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.mcm.memif.internal.Native;
import org.mcm.memif.internal.Ring;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of what a memif peer writes into shared memory: each input is a peer that makes a
 * valid handshake with a real server interface (1+1 rings of 16 slots, region 0 rings, region 1 buffers, see
 * {@link RawPeer}) and then writes hostile descriptors (any region, offset, length and flags, chains), moves the
 * heads of both rings anywhere (wrapping, backwards, beyond the ring), scribbles on the tail it does not own and
 * rings the doorbell, interleaved with the server receiving (reading every byte of what it hands out) and sending.
 * Invariants: no exception from the server's API (a frame it hands out lies inside the peer's memory, its length is
 * the sum of its segments); a peer the server disconnects is counted as a protocol error; the server keeps serving
 * (the next input connects again) and its fds come back. Seeds in {@code MemifDescriptorFuzzTestInputs/descriptors}.
 *
 * <p>A handshake costs far more than an input, so a peer the server did not drop serves the next inputs too (up to
 * {@value #MAX_INPUTS_PER_PEER}): each then starts as after a handshake (nothing offered or pending on either ring,
 * every descriptor zero, a tail the input wrote over put back), only the ring positions differ; an assertion names
 * them. A peer the server dropped leaves at once and the next input makes a new handshake.
 *
 * <p>Input: ops of one byte each followed by their fields (little endian, zero when the input ends):
 * {@code op % 8} = 0 C2S descriptor (slot u8, region u16, offset u32, length u32, flags u16), 1 C2S head (u16),
 * 2 S2C descriptor (as 0), 3 S2C head (u16), 4 server receives (all ready frames), 5 server sends (length u16),
 * 6 the peer writes a tail (ring u8, value u16), 7 doorbell.
 */
class MemifDescriptorFuzzTest {

    static final long TARGET = 2;
    static final MemifSocket SERVER;
    static final MemifInterface TARGET_IF;
    static final MemifAddress ADDR;
    static final int BASELINE_FDS;
    static final int SLACK_FDS = 16;
    static long inputs;
    static long framesReceived;
    static long disconnects;

    static {
        try {
            Path dir = Files.createTempDirectory("memif-desc-fuzz");
            ADDR = MemifAddress.path(dir.resolve("desc.sock"));
            SERVER = MemifSocket.server(ADDR);
            TARGET_IF = SERVER.createInterface(InterfaceConfig.builder(TARGET).rings(1, 1).build());
            BASELINE_FDS = Fds.open();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @AfterAll
    static void report() throws InterruptedException {
        leave();
        checkFds();
        System.out.println("MemifDescriptorFuzzTest: " + inputs + " inputs, " + framesReceived + " frames received, "
                + disconnects + " peers disconnected for a protocol error, no finding");
    }

    /** Reads the input's fields little endian; zero once it is used up. */
    private static final class In {
        final byte[] d;
        int i;

        In(byte[] d) {
            this.d = d;
        }

        boolean more() {
            return i < d.length;
        }

        int u8() {
            return i < d.length ? d[i++] & 0xff : 0;
        }

        int u16() {
            return u8() | u8() << 8;
        }

        long u32() {
            return u16() | (long) u16() << 16;
        }
    }

    /** The server's own positions (its tails; it never reads them back from the rings). */
    static final Field RX_RETURNED;
    static final Field TX_POS;

    static {
        try {
            RX_RETURNED = RxQueue.class.getDeclaredField("ret");
            RX_RETURNED.setAccessible(true);
            TX_POS = TxQueue.class.getDeclaredField("pos");
            TX_POS.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The peer kept from one input to the next (null: the next input makes a new handshake). */
    static RawPeer peer;
    /** Inputs the current peer has served, and inputs since the last fd check. */
    static int peerInputs;
    static int sinceFdCheck;
    /** A peer serves at most this many inputs, so that leaving (and the server letting go) stays exercised. */
    static final int MAX_INPUTS_PER_PEER = 256;

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void descriptors(byte[] data) throws Exception {
        long errorsBefore = SERVER.protocolErrors();
        RawPeer p = peer();
        Ring c2s = p.c2s();
        Ring s2c = p.s2c();
        // the ring positions this input starts from: part of a finding on a kept peer
        String start = "peer's input " + peerInputs + ", rings at c2s " + c2s.tailAcquire() + " s2c " + s2c.tailAcquire();
        try {
            In in = new In(data);
            int ops = 0;
            while (in.more() && ops++ < 256) {
                int op = in.u8() & 7;
                switch (op) {
                    case 0, 2 -> {
                        Ring r = op == 0 ? c2s : s2c;
                        int slot = in.u8();
                        r.descRegion(slot, in.u16());
                        r.descOffset(slot, in.u32());
                        r.descLength(slot, in.u32());
                        r.descFlags(slot, in.u16());
                    }
                    case 1 -> c2s.headRelease(in.u16());
                    case 3 -> s2c.headRelease(in.u16());
                    case 4 -> receiveAll();
                    case 5 -> {
                        int len = in.u16();
                        ByteBuffer b = ByteBuffer.allocate(len);
                        TARGET_IF.send(b, 0, TimeUnit.NANOSECONDS); // true or false: both fine, never a throw
                    }
                    case 6 -> (in.u8() % 2 == 0 ? c2s : s2c).tailRelease(in.u16());
                    default -> Native.mcm_eventfd_write(p.c2sEvent, 1);
                }
            }
            receiveAll();
        } catch (RuntimeException | AssertionError e) {
            leave();
            throw new AssertionError(e.getMessage() + " (" + start + ")", e);
        }
        peerInputs++;
        boolean dropped = !TARGET_IF.isConnected();
        Connection c = TARGET_IF.active;
        if (dropped || c == null || peerInputs >= MAX_INPUTS_PER_PEER) {
            leave(); // dropped: the peer leaves at once, as a hostile one would
        } else {
            // kept: the next input starts as after a handshake, nothing offered or pending on either ring (both
            // tails back at the server's positions, in case the input wrote over them, the heads there too) and
            // every descriptor zero; only the ring positions differ
            c2s.tailRelease(RX_RETURNED.getInt(c.rx[0]));
            s2c.tailRelease(TX_POS.getInt(c.tx[0]));
            for (int slot = 0; slot < c2s.size(); slot++) {
                for (Ring r : new Ring[] {c2s, s2c}) {
                    r.descRegion(slot, 0);
                    r.descOffset(slot, 0);
                    r.descLength(slot, 0);
                    r.descFlags(slot, 0);
                }
            }
            c2s.headRelease(c2s.tailAcquire());
            s2c.headRelease(s2c.tailAcquire());
        }
        if (dropped) { // while the peer was still there: only a violation does that, and it is counted first
            disconnects++;
            if (SERVER.protocolErrors() <= errorsBefore) {
                throw new AssertionError("dropped without counting a protocol error: " + TARGET_IF.lastDisconnectReason()
                        + " (" + start + ")");
            }
        }
        inputs++;
        if (++sinceFdCheck >= 500 && peer == null) {
            sinceFdCheck = 0;
            checkFds();
        }
    }

    /** The kept peer, or a new one after a valid handshake. */
    private static RawPeer peer() throws Exception {
        if (peer == null) {
            RawPeer p = new RawPeer(ADDR);
            try {
                p.connect(TARGET);
                if (!TARGET_IF.awaitConnected(2, TimeUnit.SECONDS)) {
                    throw new AssertionError("the server did not take a valid peer");
                }
            } catch (Exception | AssertionError e) {
                p.close();
                throw e;
            }
            peer = p;
            peerInputs = 0;
        }
        return peer;
    }

    /** The peer goes away; the server lets go of it (or had already dropped it for a violation). */
    private static void leave() throws InterruptedException {
        if (peer == null) {
            return;
        }
        peer.close();
        peer = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (TARGET_IF.active != null && System.nanoTime() < end) {
            Thread.yield(); // the server's loop lets go within microseconds: a 1-ms sleep here cost more than an input
        }
        if (TARGET_IF.active != null) {
            throw new AssertionError("the server did not let go of a peer that left");
        }
    }

    /** Takes every ready frame, reads all of its bytes and checks its length is its segments'. */
    private static void receiveAll() throws InterruptedException {
        for (int k = 0; k < 64; k++) {
            MemifFrame f = TARGET_IF.receive(0, TimeUnit.NANOSECONDS);
            if (f == null) {
                return;
            }
            try {
                long sum = 0;
                long x = 0;
                for (int s = 0; s < f.segmentCount(); s++) {
                    ByteBuffer seg = f.segment(s).duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    sum += seg.remaining();
                    for (int b = seg.position(); b < seg.limit(); b++) {
                        x += seg.get(b);
                    }
                }
                if (sum != f.length()) {
                    throw new AssertionError("frame of length " + f.length() + " has segments of " + sum + " bytes");
                }
                ByteBuffer all = f.data();
                if (all.remaining() != f.length()) {
                    throw new AssertionError("frame data of " + all.remaining() + " bytes, length " + f.length());
                }
                framesReceived += 1 + (x & 0); // x keeps the reads
            } finally {
                f.release();
            }
        }
    }

    private static void checkFds() throws InterruptedException {
        Fds.assertBackTo(BASELINE_FDS, SLACK_FDS);
    }
}
