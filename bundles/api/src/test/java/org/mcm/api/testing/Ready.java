package org.mcm.api.testing;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * Readiness conditions for the tests' polls (Awaitility's {@code until}) instead of fixed sleeps: what a peer process
 * (GStreamer, FFmpeg, a proxy) has done, read from the kernel's socket tables of the network namespace it runs in
 * ({@code /proc/<pid>/net/...}; a process started with {@code ip netns exec} keeps its pid, so this works across
 * namespaces). Shared as {@code mcm-api:tests}; plain JDK, so JUnit 4 and 5 tests alike can use it.
 */
public final class Ready {

    private Ready() {
    }

    /** The pid of this JVM, for sockets of its own network namespace. */
    public static long self() {
        return ProcessHandle.current().pid();
    }

    /** A UDP socket bound to {@code port} exists in the network namespace of {@code pid}. */
    public static boolean udpBound(long pid, int port) {
        return udpReceiveQueue(pid, port) >= 0;
    }

    /**
     * A UDP socket bound to {@code port} exists in the namespace of {@code pid} and nothing waits in its receive
     * queue: its reader has taken every datagram that arrived (the peer has read all we sent).
     */
    public static boolean udpDrained(long pid, int port) {
        return udpReceiveQueue(pid, port) == 0;
    }

    /** A TCP socket listens on {@code port} in the network namespace of {@code pid}. */
    public static boolean tcpListening(long pid, int port) {
        for (String table : List.of("tcp", "tcp6")) {
            for (String[] row : rows(pid, table)) {
                if (localPort(row[1]) == port && "0A".equals(row[3])) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Some socket of the namespace of {@code pid} has joined the IPv4 multicast group {@code group} on an interface. */
    public static boolean joined(long pid, String group) {
        byte[] a;
        try {
            InetAddress g = InetAddress.getByName(group);
            if (!(g instanceof Inet4Address)) {
                throw new IllegalArgumentException(group + ": not an IPv4 group");
            }
            a = g.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(group, e);
        }
        // the kernel prints the group as a host-order (little-endian here) 32-bit number
        String hex = String.format(Locale.ROOT, "%02X%02X%02X%02X", a[3], a[2], a[1], a[0]);
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", "igmp"))) {
                String t = line.trim();
                if (t.startsWith(hex + " ") || t.startsWith(hex + "\t")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * A condition that holds once {@code value} has stayed the same over {@code polls} consecutive calls (e.g. a
     * receiver's packet counter after its source has ended: the last datagrams have been taken in).
     */
    public static Callable<Boolean> settled(LongSupplier value, int polls) {
        long[] last = {Long.MIN_VALUE};
        int[] same = {0};
        return () -> {
            long v = value.getAsLong();
            same[0] = v == last[0] ? same[0] + 1 : 0;
            last[0] = v;
            return same[0] >= polls;
        };
    }

    /** Bytes in the receive queue of the UDP socket bound to {@code port} in the namespace of {@code pid}, -1 if none. */
    static long udpReceiveQueue(long pid, int port) {
        long found = -1;
        for (String table : List.of("udp", "udp6")) {
            for (String[] row : rows(pid, table)) {
                if (localPort(row[1]) == port) {
                    // tx_queue:rx_queue, hexadecimal
                    long rx = Long.parseLong(row[4].substring(row[4].indexOf(':') + 1), 16);
                    found = Math.max(found, rx);
                }
            }
        }
        return found;
    }

    private static int localPort(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
    }

    private static List<String[]> rows(long pid, String table) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table)).stream().skip(1)
                    .map(l -> l.trim().split("\\s+")).filter(r -> r.length > 4).toList();
        } catch (IOException e) {
            return List.of(); // the process has gone, or no such table
        }
    }
}
