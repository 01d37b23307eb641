package org.mcm.api.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates, joined to this (root) one by a veth pair on a /30 of its own:
 * {@code 10.<net>.<subnet>.1} on {@link #hostIf} here, {@code .2} on {@link #nsIf} inside, loopback up inside.
 * Names and subnet derive from this JVM's pid, so tests in other JVMs do not meet. Traffic stays on the pair.
 * Shared as {@code mcm-api:tests} (plain JDK: JUnit 4 and 5 tests alike). Needs root and iproute2: {@link #create}
 * returns null where a namespace cannot be made, and the test skips with {@link #UNAVAILABLE}.
 */
public final class NetNamespace implements AutoCloseable {

    /** The reason a test gives when it skips because {@link #create} returned null. */
    public static final String UNAVAILABLE = "network namespaces cannot be created here (needs root and iproute2)";

    static final long PID = ProcessHandle.current().pid();

    public final String name;
    public final String hostIf;
    public final String nsIf;
    /** The third octet of this pair's addresses (and of the test's groups), 1..250. */
    public final int subnet;
    public final String hostIp;
    public final String nsIp;

    private NetNamespace(String tag, int net) {
        name = tag + PID;
        hostIf = tag + (PID % 100000) + "a";
        nsIf = tag + (PID % 100000) + "b";
        subnet = (int) (PID % 250) + 1;
        hostIp = "10." + net + "." + subnet + ".1";
        nsIp = "10." + net + "." + subnet + ".2";
    }

    /**
     * Creates namespace {@code <tag><pid>} with its veth pair on {@code 10.<net>.<subnet>.0/30} ({@code tag}: at most
     * four characters, so interface names fit), or returns null where namespaces cannot be created. Throws when the
     * namespace was made but a step after it failed (the half-made namespace is removed).
     */
    public static NetNamespace create(String tag, int net) throws IOException, InterruptedException {
        if (tag.length() > 4) {
            throw new IllegalArgumentException("tag longer than 4 characters: " + tag);
        }
        NetNamespace n = new NetNamespace(tag, net);
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) || sh("ip", "netns", "add", n.name) != 0) {
            return null;
        }
        int rc = 0;
        rc |= n.exec("ip", "link", "set", "lo", "up");
        rc |= sh("ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf);
        rc |= sh("ip", "link", "set", n.nsIf, "netns", n.name);
        rc |= sh("ip", "addr", "add", n.hostIp + "/30", "dev", n.hostIf);
        rc |= sh("ip", "link", "set", n.hostIf, "up");
        rc |= n.exec("ip", "addr", "add", n.nsIp + "/30", "dev", n.nsIf);
        rc |= n.exec("ip", "link", "set", n.nsIf, "up");
        if (rc != 0) {
            n.close();
            throw new IOException("namespace " + n.name + " made, but its veth pair could not be set up");
        }
        return n;
    }

    /** Multicast sent from inside the namespace leaves on its end of the pair. */
    public NetNamespace routeMulticast() throws IOException, InterruptedException {
        check(exec("ip", "route", "add", "224.0.0.0/4", "dev", nsIf), "multicast route");
        return this;
    }

    /** Runs {@code cmd} inside the namespace and waits (20 s at most); its exit status, -1 when it did not end. */
    public int exec(String... cmd) throws IOException, InterruptedException {
        return sh(command(cmd).toArray(String[]::new));
    }

    /** Fails with {@code what} when {@code rc}, the exit status of {@link #exec}, is not 0. */
    public void check(int rc, String what) throws IOException {
        if (rc != 0) {
            throw new IOException(what + " in namespace " + name + ": exit " + rc);
        }
    }

    /** {@code cmd} prefixed to run inside the namespace (for a ProcessBuilder); keeps the pid of {@code cmd}. */
    public List<String> command(String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(cmd));
        return full;
    }

    /** Removes the veth pair and the namespace. */
    @Override
    public void close() throws IOException, InterruptedException {
        sh("ip", "link", "del", hostIf);
        sh("ip", "netns", "del", name);
    }

    /** Runs {@code cmd} here and waits (20 s at most); its exit status, -1 when it did not end. */
    public static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
