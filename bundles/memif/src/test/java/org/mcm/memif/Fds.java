package org.mcm.memif;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** The file descriptors of this JVM, from /proc/self/fd: how many, and of which kind. */
final class Fds {

    private Fds() {
    }

    static int open() {
        try (var l = Files.list(Path.of("/proc/self/fd"))) {
            return (int) l.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The open fds counted by kind (socket, memfd, eventfd, file; numbers folded to N). */
    static String kinds() {
        Map<String, Integer> m = new TreeMap<>();
        try (var l = Files.list(Path.of("/proc/self/fd"))) {
            l.forEach(p -> {
                String t;
                try {
                    t = Files.readSymbolicLink(p).toString().replaceAll("[0-9]+", "N");
                } catch (IOException e) {
                    t = "?";
                }
                if (!t.endsWith(".jar")) { // the class path: not interesting
                    m.merge(t, 1, Integer::sum);
                }
            });
        } catch (IOException e) {
            return e.toString();
        }
        return m.toString();
    }

    /**
     * Waits up to 20 s for the count to come back within slack of the baseline (a server slowed down by the
     * fuzzer's instrumentation may still be dropping its last peers); an AssertionError naming the kinds if not.
     */
    static void assertBackTo(int baseline, int slack) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        int n;
        while ((n = open()) > baseline + slack && System.nanoTime() < end) {
            Thread.sleep(50); // a bounded poll, plain on purpose: the fuzzers call it between inputs
        }
        if (n > baseline + slack) {
            throw new AssertionError("file descriptors pile up: " + baseline + " at start, " + n + " now: " + kinds());
        }
    }
}
