package org.mcm.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One of the image's SDK sample apps ({@code bin/mcm-sender}, {@code bin/mcm-receiver}) as a process of its own, its
 * standard output and error kept line by line; the session id and memif socket path it prints once attached. Uses
 * the JDK only, so Pax Exam probes (Felix in the test JVM) and plain process tests can both use it.
 */
final class SampleApp implements AutoCloseable {

    private static final Pattern SESSION = Pattern.compile("mcm-(?:sender|receiver): session (\\d+) at (\\S+), ");

    final String name;
    final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private volatile long sessionId;
    private volatile String socketPath;

    private SampleApp(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    Matcher m = SESSION.matcher(line);
                    if (m.find()) {
                        socketPath = m.group(2);
                        sessionId = Long.parseLong(m.group(1));
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, name + "-output");
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code bin/<program>} of the image with these arguments (stdout and stderr together). */
    static SampleApp start(String name, Path image, String program, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(image.resolve("bin").resolve(program).toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new SampleApp(name, pb.start());
    }

    /** The proxy's session id, once the app printed it (0 before). */
    long sessionId() {
        return sessionId;
    }

    /** The memif socket path the proxy gave the app, once it printed it (null before). */
    String socketPath() {
        return socketPath;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Everything the app printed so far. */
    String output() {
        synchronized (lines) {
            return name + " (" + (process.isAlive() ? "running" : "exit " + process.exitValue()) + "): "
                    + String.join("\n  ", lines);
        }
    }

    /** SIGKILL (what {@link Process#destroyForcibly()} sends on Linux); returns {@link System#nanoTime()} after it. */
    long kill() {
        process.destroyForcibly();
        return System.nanoTime();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Open file descriptors of a process, from /proc. */
    static int fds(long pid) {
        try (Stream<Path> l = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) l.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Frames of 10-bit samples (in 16-bit little-endian words, as yuv422p10le) from a seeded generator. */
    static byte[] frames10(long seed, int frameBytes, int count) {
        byte[] all = new byte[frameBytes * count];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < all.length; i += 2) {
            int v = r.nextInt(1024);
            all[i] = (byte) v;
            all[i + 1] = (byte) (v >>> 8);
        }
        return all;
    }
}
