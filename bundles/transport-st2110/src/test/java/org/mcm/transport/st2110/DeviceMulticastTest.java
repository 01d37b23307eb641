package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.transport.TransportException;

/**
 * {@code -d kernel:<if>} picks the interface multicast is sent on and groups are joined on, whatever the media
 * address: a veth pair into a network namespace the test creates, with a small Java peer run inside it. Skipped with
 * a message where namespaces cannot be created.
 */
class DeviceMulticastTest {

    static final long PID = ProcessHandle.current().pid();
    static final String NS = "mcmd" + PID;
    static final String VA = "mcdA" + PID % 100000;
    static final String VB = "mcdB" + PID % 100000;
    static final int SUBNET = (int) (PID % 250) + 1;
    static final String IP_A = "10.214." + SUBNET + ".1";
    static final String GROUP = "239.214." + SUBNET + ".9";
    static boolean created;

    @TempDir
    static Path tmp;

    static final String PEER = """
            import java.net.*;
            public class Peer {
                public static void main(String[] a) throws Exception {
                    NetworkInterface nif = NetworkInterface.getByName(a[1]);
                    InetAddress g = InetAddress.getByName(a[2]);
                    int port = Integer.parseInt(a[3]);
                    if (a[0].equals("recv")) {
                        try (MulticastSocket s = new MulticastSocket(port)) {
                            s.joinGroup(new InetSocketAddress(g, 0), nif);
                            s.setSoTimeout(8000);
                            System.out.println("ready");
                            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
                            try {
                                s.receive(p);
                                System.out.println("got " + new String(p.getData(), 0, p.getLength(), "US-ASCII"));
                            } catch (SocketTimeoutException e) {
                                System.out.println("timeout");
                            }
                        }
                    } else {
                        try (MulticastSocket s = new MulticastSocket()) {
                            s.setNetworkInterface(nif);
                            byte[] b = "from-the-namespace".getBytes("US-ASCII");
                            for (int i = 0; i < 40; i++) {
                                s.send(new DatagramPacket(b, b.length, g, port));
                                Thread.sleep(100);
                            }
                        }
                    }
                }
            }
            """;

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @BeforeAll
    static void createNamespace() throws Exception {
        boolean ok = Files.isExecutable(Path.of("/usr/sbin/ip")) && sh("ip", "netns", "add", NS) == 0;
        Assumptions.assumeTrue(ok, "network namespaces cannot be created here (needs root and iproute2): device test skipped");
        created = true;
        int rc = 0;
        rc |= sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
        rc |= sh("ip", "link", "add", VA, "type", "veth", "peer", "name", VB);
        rc |= sh("ip", "link", "set", VB, "netns", NS);
        rc |= sh("ip", "addr", "add", IP_A + "/30", "dev", VA);
        rc |= sh("ip", "link", "set", VA, "up");
        rc |= sh("ip", "netns", "exec", NS, "ip", "addr", "add", "10.214." + SUBNET + ".2/30", "dev", VB);
        rc |= sh("ip", "netns", "exec", NS, "ip", "link", "set", VB, "up");
        rc |= sh("ip", "netns", "exec", NS, "ip", "route", "add", "224.0.0.0/4", "dev", VB);
        assertEquals(0, rc, "namespace and veth set up");
        Files.writeString(tmp.resolve("Peer.java"), PEER);
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (created) {
            sh("ip", "link", "del", VA);
            sh("ip", "netns", "del", NS);
        }
    }

    static Process peer(String mode, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder("ip", "netns", "exec", NS, java, tmp.resolve("Peer.java").toString(), mode, VB, GROUP,
                Integer.toString(port)).redirectErrorStream(true).start();
    }

    static String readLine(Process p) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void multicastIsSentOnTheDeviceEvenWithALoopbackMediaAddressForTheGroup() throws Exception {
        int port = 23000 + SUBNET;
        Process p = peer("recv", port);
        try {
            assertEquals("ready", readLine(p));
            // the media address is the device's (as -d without -i gives); the device picks the interface
            try (DatagramChannel ch = Udp.sender(IP_A, "kernel:" + VA, new Endpoint("", 0), new Endpoint(GROUP, port),
                    1 << 20, 4)) {
                assertEquals(NetworkInterface.getByName(VA), ch.getOption(StandardSocketOptions.IP_MULTICAST_IF));
                for (int i = 0; i < 20 && p.isAlive(); i++) {
                    ch.write(ByteBuffer.wrap("from-the-proxy".getBytes(StandardCharsets.US_ASCII)));
                    Thread.sleep(100);
                }
            }
            assertEquals("got from-the-proxy", readLine(p));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void groupsAreJoinedOnTheDeviceNotOnTheMediaAddressInterface() throws Exception {
        int port = 24000 + SUBNET;
        // media address loopback (the default -i), device the veth: the join must go to the veth
        try (DatagramChannel rx = Udp.receiver("127.0.0.1", "kernel:" + VA, new Endpoint("", port), GROUP, 1 << 20)) {
            rx.configureBlocking(false);
            Process p = peer("send", port);
            try {
                ByteBuffer b = ByteBuffer.allocate(1500);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                InetSocketAddress from = null;
                while (from == null && System.nanoTime() < end) {
                    from = (InetSocketAddress) rx.receive(b);
                    if (from == null) {
                        Thread.sleep(20);
                    }
                }
                assertNotNull(from, "a datagram from the namespace arrived through the group joined on " + VA);
                assertEquals("from-the-namespace", new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void anUnknownDeviceIsAClearErrorAndNativePathsFollowTheDevice() throws Exception {
        TransportException e = org.junit.jupiter.api.Assertions.assertThrows(TransportException.class,
                () -> Udp.sender(IP_A, "kernel:nosuch9", new Endpoint("", 0), new Endpoint(GROUP, 25000), 1 << 20, 4));
        assertTrue(e.getMessage().contains("no network interface 'nosuch9'"), e.getMessage());
        assertThrows(() -> Udp.receiver(IP_A, "kernel:nosuch9", new Endpoint("", 25000), GROUP, 1 << 20));
        assertEquals(IP_A, Udp.multicastInterfaceIp("kernel:" + VA, "127.0.0.1"), "the device's address for the native join");
        assertEquals(IP_A, Udp.multicastInterfaceIp("kernel:" + VA, IP_A));
        assertEquals("127.0.0.1", Udp.multicastInterfaceIp("", "127.0.0.1"), "no device: the media address");
        // the default device (kernel:lo) gives way to the interface of a media address that is not loopback
        assertEquals(VA, Udp.multicastInterface("kernel:lo", java.net.InetAddress.getByName(IP_A)).getName());
        assertEquals(IP_A, Udp.multicastInterfaceIp("kernel:lo", IP_A));
        assertTrue(Udp.nativeMulticastOk("kernel:lo", IP_A, GROUP));
        assertTrue(Udp.multicastInterface("kernel:lo", java.net.InetAddress.getByName("127.0.0.1")).isLoopback());
        assertTrue(Udp.nativeMulticastOk("kernel:" + VA, IP_A, GROUP));
        assertFalse(Udp.nativeMulticastOk("kernel:" + VA, "127.0.0.1", GROUP), "the native sender would pick lo");
        assertTrue(Udp.nativeMulticastOk("kernel:" + VA, "127.0.0.1", "127.0.0.1"), "unicast: routing decides");
        assertEquals(null, Udp.deviceInterface("0000:31:00.0"));
        assertEquals("eth0", Udp.deviceInterface("kernel:eth0"));
    }

    private static void assertThrows(org.junit.jupiter.api.function.Executable ex) {
        TransportException e = org.junit.jupiter.api.Assertions.assertThrows(TransportException.class, ex);
        assertTrue(e.getMessage().contains("no network interface"), e.getMessage());
    }
}
