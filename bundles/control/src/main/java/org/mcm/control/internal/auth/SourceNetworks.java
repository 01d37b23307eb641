package org.mcm.control.internal.auth;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of networks in CIDR notation ({@code 127.0.0.0/8}, {@code ::1/128}, {@code 10.1.2.3} = one host), for
 * "is this peer address one of ours". IPv4-mapped IPv6 peers ({@code ::ffff:a.b.c.d}) match IPv4 networks.
 */
public final class SourceNetworks {

    private record Net(byte[] prefix, int bits) {
    }

    private final List<Net> nets;
    private final String text;

    private SourceNetworks(List<Net> nets, String text) {
        this.nets = nets;
        this.text = text;
    }

    /** Parses the entries (each may itself be a comma/space separated list); throws on a malformed one. */
    public static SourceNetworks parse(String[] entries) {
        List<Net> l = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        if (entries != null) {
            for (String e : entries) {
                if (e == null) {
                    continue;
                }
                for (String s : e.split("[,\\s]+")) {
                    if (!s.isEmpty()) {
                        l.add(parseOne(s));
                        shown.add(s);
                    }
                }
            }
        }
        return new SourceNetworks(List.copyOf(l), String.join(", ", shown));
    }

    /**
     * One entry, parsed strictly: an IPv4 dotted quad (no leading zeros, each part at most 255) or an IPv6 literal
     * (no zone), optionally /prefix. Never a name: nothing here asks a resolver.
     */
    private static Net parseOne(String s) {
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        InetAddress addr = literal(host);
        if (addr == null) {
            throw new IllegalArgumentException("not an IP address or CIDR network: " + s);
        }
        byte[] a = addr.getAddress();
        // ::ffff:a.b.c.d comes back as the IPv4 address: its prefix counts the 96 bits in front
        int offset = host.contains(":") && a.length == 4 ? 96 : 0;
        int bits = a.length * 8;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("bad prefix length in " + s);
            }
            bits = Integer.parseInt(p) - offset;
            if (bits < 0 || bits > a.length * 8) {
                throw new IllegalArgumentException("prefix length out of range in " + s);
            }
        }
        return new Net(a, bits);
    }

    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final java.util.regex.Pattern IPV6_CHARS = java.util.regex.Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    /**
     * The address a literal names, or null. IPv4 is matched here in full; text that can only be an IPv6 literal
     * (hex digits, colons and dots, starting with a hex digit or a colon, with at least one colon) is handed to
     * {@link InetAddress#getByName}, which for such text checks the literal's form and never asks a resolver.
     */
    static InetAddress literal(String host) {
        try {
            if (IPV4.matcher(host).matches()) {
                return InetAddress.getByName(host);
            }
            if (host.indexOf(':') >= 0 && IPV6_CHARS.matcher(host).matches()) {
                InetAddress a = InetAddress.getByName(host);
                // an embedded IPv4 part (::ffff:a.b.c.d) follows the same strict rules as a plain one
                if (host.indexOf('.') >= 0 && !IPV4.matcher(host.substring(host.lastIndexOf(':') + 1)).matches()) {
                    return null;
                }
                return a;
            }
        } catch (java.net.UnknownHostException e) {
            return null;
        }
        return null;
    }

    public boolean isEmpty() {
        return nets.isEmpty();
    }

    public boolean contains(InetAddress peer) {
        if (peer == null) {
            return false;
        }
        byte[] a = peer.getAddress();
        if (a.length == 16 && isV4Mapped(a)) {
            a = new byte[] {a[12], a[13], a[14], a[15]};
        }
        for (Net n : nets) {
            if (n.prefix.length == a.length && prefixEquals(n.prefix, a, n.bits)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    private static boolean prefixEquals(byte[] p, byte[] a, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (p[i] != a[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (p[full] & mask) == (a[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
