package org.mcm.transport.st2110;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.testing.NetNamespace;
import org.mcm.api.transport.TransportException;

/**
 * {@code -d kernel:<if>} picks the interface multicast is sent on and groups are joined on, whatever the media
 * address: a veth pair into a network namespace the test creates, with a small Java peer run inside it. Skipped with
 * a message where namespaces cannot be created.
 */
class DeviceMulticastTest {

    static NetNamespace ns;
    static String VA;
    static String VB;
    static int SUBNET;
    static String IP_A;
    static String GROUP;

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
                                Thread.sleep(100); // a paced source: the receiver sees a few of them
                            }
                        }
                    }
                }
            }
            """;

    @BeforeAll
    static void createNamespace() throws Exception {
        ns = NetNamespace.create("mcmd", 214);
        Assumptions.assumeTrue(ns != null, NetNamespace.UNAVAILABLE + ": device test skipped");
        ns.routeMulticast();
        VA = ns.hostIf;
        VB = ns.nsIf;
        SUBNET = ns.subnet;
        IP_A = ns.hostIp;
        GROUP = "239.214." + SUBNET + ".9";
        Files.writeString(tmp.resolve("Peer.java"), PEER);
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    static Process peer(String mode, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(ns.command(java, tmp.resolve("Peer.java").toString(), mode, VB, GROUP,
                Integer.toString(port))).redirectErrorStream(true).start();
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
                // sent again until the peer has one (it ends after the first it gets)
                await("the peer in the namespace receiving a datagram").atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            ch.write(ByteBuffer.wrap("from-the-proxy".getBytes(StandardCharsets.US_ASCII)));
                            return !p.isAlive();
                        });
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
                await("a datagram from the namespace through the group joined on " + VA).atMost(Duration.ofSeconds(8))
                        .pollInterval(Duration.ofMillis(20)).until(() -> rx.receive(b) != null);
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
