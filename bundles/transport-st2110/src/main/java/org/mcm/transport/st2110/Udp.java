package org.mcm.transport.st2110;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.mcm.api.connection.Endpoint;
import org.mcm.api.transport.TransportException;

/** Opens the kernel UDP sockets of a session: connected senders and bound (multicast-joined) receivers. */
final class Udp {

    private Udp() {
    }

    static InetAddress address(String host, String what) throws TransportException {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new TransportException(what + " '" + host + "' is not a valid address");
        }
    }

    /** A sender socket bound to the data-plane address (and source port, if given), connected to the destination. */
    static DatagramChannel sender(String localIp, String device, Endpoint local, Endpoint remote, int sndBuf, int ttl)
            throws TransportException {
        if (remote.host().isEmpty() || remote.port() == 0) {
            throw new TransportException("a sender needs a destination address and port (remote), got " + remote);
        }
        InetAddress dst = address(remote.host(), "destination");
        InetAddress src = address(local.host().isEmpty() ? localIp : local.host(), "local address");
        try {
            DatagramChannel ch = DatagramChannel.open(dst instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                ch.setOption(StandardSocketOptions.SO_SNDBUF, sndBuf);
                if (dst.isMulticastAddress()) {
                    ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, ttl);
                    NetworkInterface nif = multicastInterface(device, src);
                    if (nif != null) {
                        ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
                    }
                    ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
                }
                try {
                    ch.bind(new InetSocketAddress(src, local.port()));
                } catch (java.net.BindException e) {
                    if (local.port() == 0) {
                        throw e;
                    }
                    // the source port is taken, typically by a receiver on this host (upstream's default sample
                    // apps use one port for both ends; upstream's user-space stack never collides): send from an
                    // ephemeral port instead; receivers do not filter on the source port
                    ch.bind(new InetSocketAddress(src, 0));
                }
                ch.connect(new InetSocketAddress(dst, remote.port()));
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (DeviceException e) {
            throw new TransportException(e.getMessage(), e);
        } catch (IOException e) {
            throw new TransportException("cannot open a UDP sender " + src.getHostAddress() + ":" + local.port()
                    + " -> " + remote + ": " + e.getMessage(), e);
        }
    }

    /**
     * A receiver socket on {@code local.port}. With a multicast {@code group} it binds the port on all addresses and
     * joins the group on the data-plane interface; otherwise it binds the data-plane (or given local) address.
     */
    static DatagramChannel receiver(String localIp, String device, Endpoint local, String group, int rcvBuf)
            throws TransportException {
        if (local.port() == 0) {
            throw new TransportException("a receiver needs a local UDP port");
        }
        InetAddress ifAddr = address(local.host().isEmpty() || isMulticast(local.host()) ? localIp : local.host(), "local address");
        InetAddress mcast = null;
        if (!group.isEmpty() && isMulticast(group)) {
            mcast = address(group, "multicast group");
        } else if (!local.host().isEmpty() && isMulticast(local.host())) {
            mcast = address(local.host(), "multicast group");
        }
        try {
            DatagramChannel ch = DatagramChannel.open(ifAddr instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, rcvBuf);
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (mcast != null) {
                    ch.bind(new InetSocketAddress(local.port()));
                    NetworkInterface nif = multicastInterface(device, ifAddr);
                    if (nif == null) {
                        throw new IOException("no interface has the data-plane address " + ifAddr.getHostAddress());
                    }
                    ch.join(mcast, nif);
                } else {
                    ch.bind(new InetSocketAddress(ifAddr, local.port()));
                }
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (DeviceException e) {
            throw new TransportException(e.getMessage(), e);
        } catch (IOException e) {
            throw new TransportException("cannot open a UDP receiver on port " + local.port() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes one datagram on a connected sender. When the kernel reports ICMP port (or host) unreachable for an
     * earlier datagram (ECONNREFUSED, EHOSTUNREACH: a receiver that went away), it refuses this send and clears the
     * error: that is counted and the datagram written once more; a second refusal drops it (counted as unsent).
     *
     * @return bytes written, or -1 when the datagram was dropped after two refusals
     */
    static long write(DatagramChannel ch, ByteBuffer[] srcs, int offset, int length, St2110Counters c)
            throws IOException {
        for (int attempt = 0;; attempt++) {
            try {
                return ch.write(srcs, offset, length);
            } catch (PortUnreachableException | NoRouteToHostException e) {
                c.icmpUnreachable.increment();
                if (attempt > 0) {
                    c.unsent.increment();
                    return -1;
                }
            }
        }
    }

    /** As {@link #write(DatagramChannel, ByteBuffer[], int, int, St2110Counters)} for all of srcs. */
    static long write(DatagramChannel ch, ByteBuffer[] srcs, St2110Counters c) throws IOException {
        return write(ch, srcs, 0, srcs.length, c);
    }

    static boolean isMulticast(String host) {
        try {
            return InetAddress.getByName(host).isMulticastAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** The data-plane device names no interface of this machine. */
    static final class DeviceException extends IOException {
        private static final long serialVersionUID = 1L;

        DeviceException(String message) {
            super(message);
        }
    }

    /** The interface name of {@code kernel:<if>} / {@code native_af_xdp:<if>} / a bare name; null for none or a PCI address. */
    static String deviceInterface(String device) {
        if (device == null || device.isBlank() || device.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            return null;
        }
        return device.substring(device.indexOf(':') + 1);
    }

    /**
     * The interface multicast is sent on and groups are joined on: the data-plane device ({@code -d kernel:<if>})
     * when it names one, else the interface holding the media address (null when none does). A loopback device (the
     * default, {@code kernel:lo}) gives way to the interface of a media address that is not a loopback address:
     * {@code -i 10.0.0.5} alone keeps sending multicast where that address lives, as before {@code -d} was read.
     */
    static NetworkInterface multicastInterface(String device, InetAddress mediaAddress) throws IOException {
        String name = deviceInterface(device);
        if (name != null) {
            NetworkInterface nif = NetworkInterface.getByName(name);
            if (nif == null) {
                throw new DeviceException("data-plane device " + device + ": no network interface '" + name + "'");
            }
            if (nif.isLoopback() && !mediaAddress.isLoopbackAddress() && !mediaAddress.isAnyLocalAddress()) {
                NetworkInterface own = NetworkInterface.getByInetAddress(mediaAddress);
                if (own != null) {
                    return own;
                }
            }
            return nif;
        }
        return NetworkInterface.getByInetAddress(mediaAddress);
    }

    /**
     * For the native paths, which name the multicast interface by an IPv4 address: the media address when the
     * device has it (or no device is named), else the device's first IPv4 address.
     */
    static String multicastInterfaceIp(String device, String mediaIp) throws TransportException {
        try {
            NetworkInterface nif = multicastInterface(device, address(mediaIp, "media address"));
            if (nif == null || deviceInterface(device) == null) {
                return mediaIp;
            }
            String first = null;
            for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                if (a.getHostAddress().equals(mediaIp)) {
                    return mediaIp;
                }
                if (first == null && a instanceof java.net.Inet4Address) {
                    first = a.getHostAddress();
                }
            }
            return first != null ? first : mediaIp;
        } catch (IOException e) {
            throw new TransportException(e.getMessage(), e);
        }
    }

    /**
     * Whether the native sender (which picks the multicast interface by its source address) sends on the right
     * interface: always for unicast; for multicast when no device is named or the device holds the source address.
     */
    static boolean nativeMulticastOk(String device, String srcIp, String dst) {
        if (!isMulticast(dst) || deviceInterface(device) == null) {
            return true;
        }
        try {
            return srcIp.equals(multicastInterfaceIp(device, srcIp));
        } catch (TransportException e) {
            return false; // the plain path reports the missing interface
        }
    }
}
