package org.mcm.sdk.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** mcm-sender and mcm-receiver: arguments, file in to file out bit-exact, stamps, separate JVM processes. */
@Timeout(180)
class SampleAppsTest {

    @TempDir
    Path dir;

    static final class Run {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;

        String out() {
            return out.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    static Run sender(String... args) {
        Run r = new Run();
        r.status = McmSender.run(args, new PrintStream(r.out, true), new PrintStream(r.err, true), Map.of());
        return r;
    }

    static Run receiver(String... args) {
        Run r = new Run();
        r.status = McmReceiver.run(args, new PrintStream(r.out, true), new PrintStream(r.err, true), Map.of());
        return r;
    }

    @Test
    void wrongArgumentsPrintUsageAndExit2() {
        String[][] bad = {{"--bogus"}, {"-w", "wide"}, {"-x", "yuv999"}, {"-t", "srt"}, {"-f", "fast"},
            {"--memif-server"}, {"--memif", "/tmp/x.sock", "--proxy-buffers"}, {"-l", "host:notaport"}, {"extra"}, {"-w", "1921", "-x", "yuv422p10le"}};
        for (String[] a : bad) {
            Run s = sender(a);
            assertEquals(2, s.status, String.join(" ", a) + ": " + s.err());
            assertTrue(s.err().contains("usage: mcm-sender"), s.err());
            Run r = receiver(a);
            assertEquals(2, r.status, String.join(" ", a));
            assertTrue(r.err().contains("usage: mcm-receiver"), r.err());
        }
        assertEquals(2, sender("--loop").status, "--loop without --input");
        assertEquals(2, receiver("--idle-timeout", "-1").status);
        Run help = sender("--help");
        assertEquals(0, help.status);
        assertTrue(help.out().contains("--input"), help.out());
        assertEquals(0, receiver("-?").status);
    }

    @Test
    void unreachableProxyIsExit1WithTheReason() {
        Run s = sender("-H", "127.0.0.1", "-P", "9", "-n", "1", "-q");
        assertEquals(1, s.status);
        assertTrue(s.err().contains("CONNECTION_FAILED"), s.err());
    }

    static void writeFrames(Path file, int frames, int frameSize, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer b = ByteBuffer.allocate(frameSize);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int f = 0; f < frames; f++) {
                b.clear();
                while (b.remaining() >= 8) {
                    b.putLong(rnd.nextLong());
                }
                b.flip();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
    }

    @Test
    void fileToFileBitExactInProcessDirectMode() throws Exception {
        int frames = 12;
        int frameSize = 8_294_400;
        Path in = dir.resolve("in.yuv");
        Path out = dir.resolve("out.yuv");
        writeFrames(in, frames, frameSize, 7);
        String sock = dir.resolve("direct.sock").toString();
        Run[] rx = new Run[1];
        Thread t = new Thread(() -> rx[0] = receiver("--memif", sock, "--memif-server", "-o", out.toString(),
                "-n", Integer.toString(frames), "-q"));
        t.start();
        Run tx = sender("--memif", sock, "-i", in.toString(), "-f", "120", "-q");
        assertEquals(0, tx.status, tx.err());
        assertTrue(tx.out().contains("sent " + frames + " frames"), tx.out());
        t.join(60_000);
        assertEquals(0, rx[0].status, rx[0].err());
        assertTrue(rx[0].out().contains("received " + frames + " frames"), rx[0].out());
        assertTrue(rx[0].out().contains("lost n/a"), rx[0].out());
        assertEquals(-1, Files.mismatch(in, out), "output file is bit-exact");
    }

    @Test
    void testPatternWithStampsShowsLatencyAndNoLoss() throws Exception {
        String sock = dir.resolve("stamp.sock").toString();
        Run[] rx = new Run[1];
        Thread t = new Thread(() -> rx[0] = receiver("--memif", sock, "--memif-server", "-w", "640", "-h", "360",
                "-n", "90"));
        t.start();
        Run tx = sender("--memif", sock, "-w", "640", "-h", "360", "-f", "60", "-n", "90");
        assertEquals(0, tx.status, tx.err());
        t.join(60_000);
        String o = rx[0].out();
        assertEquals(0, rx[0].status, rx[0].err());
        assertTrue(o.contains("received 90 frames"), o);
        assertTrue(o.contains("lost 0"), o);
        assertTrue(o.matches("(?s).*latency p50 \\d+ us p99 \\d+ us.*"), o);
        assertTrue(o.contains("\rmcm-receiver: "), "progress line: " + o);
        assertTrue(tx.out().contains("fps"), tx.out());
    }

    @Test
    void senderToReceiverThroughAProxyOverTheLocalTransport() throws Exception {
        try (org.mcm.sdk.ProxyDoubleAccess proxy = new org.mcm.sdk.ProxyDoubleAccess(dir, 1280 * 720 * 4)) {
            int frames = 40;
            Path out = dir.resolve("local.yuv");
            String port = Integer.toString(proxy.port());
            Run[] rx = new Run[1];
            Thread t = new Thread(() -> rx[0] = receiver("-P", port, "-t", "local", "-r", "studio-b:1", "-w", "1280",
                    "-h", "720", "-n", Integer.toString(frames), "-o", out.toString(), "-q"));
            t.start();
            proxy.awaitSessions(1);
            Run tx = sender("-P", port, "-t", "local", "-r", "studio-b:1", "-w", "1280", "-h", "720", "-f", "120",
                    "-n", Integer.toString(frames), "-q");
            assertEquals(0, tx.status, tx.err());
            assertTrue(tx.out().contains("session 2 at "), tx.out());
            t.join(60_000);
            assertEquals(0, rx[0].status, rx[0].err());
            String o = rx[0].out();
            assertTrue(o.contains("received " + frames + " frames"), o);
            assertTrue(o.contains("lost 0"), o);
            assertEquals((long) frames * 1280 * 720 * 4, Files.size(out));
        }
    }

    /**
     * Both apps as separate JVMs on a plain class path: memif and the native library load without OSGi; by default
     * each prints only its own lines (no INFO lines of the SDK or memif, whichever logging API they use).
     */
    @Test
    void separateProcessesExchangeAFileBitExact() throws Exception {
        int frames = 20;
        int frameSize = 1280 * 720 * 4; // yuv422p10le
        Path in = dir.resolve("in.yuv");
        Path out = dir.resolve("out.yuv");
        writeFrames(in, frames, frameSize, 11);
        String sock = dir.resolve("proc.sock").toString();
        App rx = java(McmReceiver.class, "--memif", sock, "--memif-server", "-w", "1280", "-h", "720",
                "-o", out.toString(), "-n", Integer.toString(frames));
        App tx = java(McmSender.class, "--memif", sock, "-w", "1280", "-h", "720", "-i", in.toString(),
                "-f", "60");
        String logs = tx.finish() + rx.finish();
        assertEquals(0, tx.status, logs);
        assertEquals(0, rx.status, logs);
        assertTrue(rx.out.contains("received " + frames + " frames"), rx.out);
        assertEquals(-1, Files.mismatch(in, out));
        assertOnlyOwnLines("mcm-receiver", rx);
        assertOnlyOwnLines("mcm-sender", tx);
    }

    /** -v/--verbose lets the library's log lines through (memif's connect and disconnect), on standard error. */
    @Test
    void verboseShowsTheLibraryLogLines() throws Exception {
        String sock = dir.resolve("verbose.sock").toString();
        App rx = java(McmReceiver.class, "--memif", sock, "--memif-server", "-w", "320", "-h", "240", "-n", "5",
                "-q", "--verbose");
        App tx = java(McmSender.class, "--memif", sock, "-w", "320", "-h", "240", "-n", "5", "-f", "60", "-q");
        String logs = tx.finish() + rx.finish();
        assertEquals(0, tx.status, logs);
        assertEquals(0, rx.status, logs);
        assertTrue(rx.err.lines().anyMatch(l -> l.contains(" DEBUG ") && l.contains("connected")),
                "memif's connection line with --verbose: " + logs);
        assertOnlyOwnLines("mcm-sender", tx);
        assertTrue(rx.out.lines().allMatch(l -> l.startsWith("mcm-receiver: ")), "log lines stay off stdout: " + logs);
    }

    /** Every line an app printed, on either stream, is one of its own ("name: ..."), progress lines included. */
    static void assertOnlyOwnLines(String name, App app) {
        for (String stream : new String[] {app.out, app.err}) {
            for (String line : stream.split("[\r\n]+")) {
                if (!line.isBlank()) {
                    assertTrue(line.startsWith(name + ": "), "a line not of " + name + ": '" + line + "' in\n"
                            + app.out + "\n--- stderr:\n" + app.err);
                }
            }
        }
    }

    private static final AtomicInteger PROCS = new AtomicInteger();

    /** A sample app in its own JVM; stderr goes to a file, read with stdout when it ends. */
    final class App {
        final Process process;
        final Path errFile;
        String out = "";
        String err = "";
        int status = -1;

        App(Process process, Path errFile) {
            this.process = process;
            this.errFile = errFile;
        }

        /** Waits (at most 60 s) and returns both streams for messages. */
        String finish() throws Exception {
            boolean ended = process.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            err = Files.readString(errFile);
            status = ended ? process.exitValue() : -1;
            return "\n" + errFile.getFileName() + (ended ? "" : " (did not end in 60 s)") + ": " + out
                    + "\n--- stderr: " + err;
        }
    }

    private App java(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx64m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Path log = dir.resolve("proc" + PROCS.incrementAndGet() + ".err");
        return new App(new ProcessBuilder(cmd).redirectError(log.toFile()).start(), log);
    }
}
