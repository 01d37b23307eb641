package org.mcm.memif;

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

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void descriptors(byte[] data) throws Exception {
        long errorsBefore = SERVER.protocolErrors();
        boolean dropped;
        try (RawPeer p = new RawPeer(ADDR)) {
            p.connect(TARGET);
            if (!TARGET_IF.awaitConnected(2, TimeUnit.SECONDS)) {
                throw new AssertionError("the server did not take a valid peer");
            }
            Ring c2s = p.c2s();
            Ring s2c = p.s2c();
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
            dropped = !TARGET_IF.isConnected();
        }
        // the peer is gone: the server lets go of it (or had already dropped it for a violation)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (TARGET_IF.active != null && System.nanoTime() < end) {
            Thread.sleep(1); // a bounded poll, plain on purpose: it runs once per fuzz input (Awaitility costs a thread)
        }
        if (TARGET_IF.active != null) {
            throw new AssertionError("the server did not let go of a peer that left");
        }
        if (dropped) { // while the peer was still there: only a violation does that, and it is counted first
            disconnects++;
            if (SERVER.protocolErrors() <= errorsBefore) {
                throw new AssertionError("dropped without counting a protocol error: " + TARGET_IF.lastDisconnectReason());
            }
        }
        if (++inputs % 500 == 0) {
            checkFds();
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
