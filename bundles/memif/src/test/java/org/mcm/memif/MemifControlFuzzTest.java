package org.mcm.memif;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.mcm.memif.internal.Msg;
import org.mcm.memif.internal.Native;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the memif server's control channel: each input is a connection from a raw peer
 * that sends a sequence of control messages (any bytes, any length up to 255, with a memfd region or an eventfd
 * attached as the input says) to a real {@link MemifSocket} server that also serves a well-behaved client. Seeds in
 * {@code MemifControlFuzzTestInputs/messages}: a full valid handshake, a wrong secret, a region without fd. Invariant:
 * the server never dies or stops serving its good client, and file descriptors do not pile up (every peer's fds are
 * given back). The build fuzzes for {@code maxDuration} (JAZZER_FUZZ); without it the seeds run as regression tests.
 *
 * <p>Input layout: chunks of {@code [op][len?][bytes]}: {@code op & 3} = what to attach (0 nothing, 1 a sealed memfd,
 * 2 an eventfd, 3 an unsealed memfd; a memfd is as large as the message's region size field, at most 1 MiB);
 * {@code op & 4} = the next byte is the datagram length (else 128); then the message bytes (zero padded).
 */
class MemifControlFuzzTest {

    static final long GOOD = 1;
    static final MemifSocket SERVER;
    static final MemifSocket CLIENT;
    static final MemifInterface CLIENT_GOOD;
    static final MemifAddress ADDR;
    static final int BASELINE_FDS;
    static long inputs;

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.println("MemifControlFuzzTest: " + inputs + " inputs, no finding");
    }

    static {
        try {
            Path dir = Files.createTempDirectory("memif-fuzz");
            ADDR = MemifAddress.path(dir.resolve("fuzz.sock"));
            SERVER = MemifSocket.server(ADDR);
            SERVER.createInterface(InterfaceConfig.builder(GOOD).build());
            SERVER.createInterface(InterfaceConfig.builder(3).build());
            SERVER.createInterface(InterfaceConfig.builder(4).secret("s3cret").build());
            CLIENT = MemifSocket.client(ADDR);
            CLIENT_GOOD = CLIENT.createInterface(InterfaceConfig.builder(GOOD).build());
            if (!CLIENT_GOOD.awaitConnected(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("good client did not connect");
            }
            BASELINE_FDS = openFds();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static int openFds() {
        try (var l = Files.list(Path.of("/proc/self/fd"))) {
            return (int) l.count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // every 500th input waits up to 20 s for the server to drain
    void messages(byte[] data) throws Exception {
        int fd = Native.mcm_seqpacket_socket();
        if (Native.mcm_connect(fd, ADDR.name(), 0) < 0) {
            Native.mcm_close(fd);
            throw new AssertionError("the server stopped accepting");
        }
        // a peer that never reads its replies must not block the harness: when the server stops reading it (its
        // replies fill our buffer), the send fails with EAGAIN and this input ends
        Native.mcm_set_nonblock(fd, 1);
        Msg out = new Msg();
        ByteBuffer b = out.buffer();
        try {
            int i = 0;
            while (i < data.length) {
                int op = data[i++] & 0xff;
                int len = Msg.SIZE;
                if ((op & 4) != 0 && i < data.length) {
                    len = Math.max(1, data[i++] & 0xff);
                }
                for (int k = 0; k < b.capacity(); k++) {
                    b.put(k, k < len && i + k < data.length ? data[i + k] : 0);
                }
                i += Math.min(len, data.length - i);
                int pass = attach(op & 3, out);
                int rc = Native.mcm_sendmsg(fd, b, len, pass);
                if (pass >= 0) {
                    Native.mcm_close(pass); // the server got its own copy
                }
                if (rc < 0) {
                    break; // the server disconnected this peer, as it should for most inputs (or EAGAIN, see above)
                }
            }
        } finally {
            Native.mcm_close(fd);
        }
        if (++inputs % 500 == 0) {
            check();
        }
    }

    private static int attach(int kind, Msg m) {
        switch (kind) {
            case 1, 3 -> {
                int fd = Native.mcm_memfd_create("fuzz", Native.MFD_ALLOW_SEALING);
                long size = m.regionSize();
                Native.mcm_ftruncate(fd, size > 0 && size <= (1 << 20) ? size : 4096);
                if (kind == 1) {
                    Native.mcm_add_seals(fd, Native.F_SEAL_SHRINK);
                }
                return fd;
            }
            case 2 -> {
                return Native.mcm_eventfd(0, Native.EFD_NONBLOCK);
            }
            default -> {
                return -1;
            }
        }
    }

    /** What the open fds are, counted by kind (socket, memfd, eventfd, file). */
    static String kinds() {
        java.util.Map<String, Integer> m = new java.util.TreeMap<>();
        try (var l = Files.list(Path.of("/proc/self/fd"))) {
            l.forEach(p -> {
                String t;
                try {
                    t = Files.readSymbolicLink(p).toString().replaceAll("[0-9]+", "N");
                } catch (java.io.IOException e) {
                    t = "?";
                }
                m.merge(t, 1, Integer::sum);
            });
        } catch (java.io.IOException e) {
            return e.toString();
        }
        return m.toString();
    }

    /** The server still serves its good client, and the fds of past peers were given back. */
    private static void check() throws InterruptedException {
        if (SERVER.isClosed() || !CLIENT_GOOD.isConnected()) {
            throw new AssertionError("the memif server stopped serving its good client");
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int n;
        while ((n = openFds()) > BASELINE_FDS + 64 && System.nanoTime() < end) {
            Thread.sleep(50); // the server (slowed down by the instrumentation) may still be dropping the last peers
        }
        if (n > BASELINE_FDS + 64) {
            throw new AssertionError("file descriptors pile up: " + BASELINE_FDS + " at start, " + n + " now: " + kinds());
        }
    }
}
