package org.mcm.control.internal.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class SourceNetworksTest {

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void cidrMatching() throws Exception {
        SourceNetworks n = SourceNetworks.parse(new String[] {"127.0.0.0/8", "::1/128", "10.1.2.0/23, 192.168.7.9"});
        assertTrue(n.contains(ip("127.255.0.1")));
        assertTrue(n.contains(ip("::1")));
        assertTrue(n.contains(ip("::ffff:127.0.0.1")), "IPv4-mapped");
        assertTrue(n.contains(ip("10.1.3.255")));
        assertFalse(n.contains(ip("10.1.4.0")));
        assertTrue(n.contains(ip("192.168.7.9")));
        assertFalse(n.contains(ip("192.168.7.10")));
        assertFalse(n.contains(ip("128.0.0.1")));
        assertFalse(n.contains(ip("::2")));
        assertFalse(SourceNetworks.parse(new String[0]).contains(ip("127.0.0.1")));
    }

    @Test
    void malformedEntriesAreRejectedWithoutNameLookups() {
        for (String bad : new String[] {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/x", "example.org/8", "dead.beef", "1.2.3",
                "300.1.1.1", "300.1.1.1/8", "01.2.3.4", "010.0.0.0/8", "1.2.3.4.5", "1::2::3", "0x7f.0.0.1",
                "fe80::1%lo", "::ffff:01.2.3.4", "::ffff:1.2.3", "beef", "cafe:", ":", "1.2.3.4:80", "[::1]"}) {
            assertThrows(IllegalArgumentException.class, () -> SourceNetworks.parse(new String[] {bad}), bad);
        }
    }

    @Test
    void strictLiteralsKeepTheirMeaning() throws Exception {
        SourceNetworks n = SourceNetworks.parse(new String[] {"10.0.0.0/8", "fe80::/10", "::ffff:192.0.2.0/120"});
        assertTrue(n.contains(ip("10.200.0.1")));
        assertTrue(n.contains(ip("fe80::1")));
        assertTrue(n.contains(ip("192.0.2.7")), "an IPv4-mapped network is an IPv4 network");
        assertFalse(n.contains(ip("192.0.3.7")));
    }

    @Test
    void tokenSetMatchesPlainAndHashedEntriesOnly() {
        String hash = HexFormat.of().formatHex(TokenSet.sha256("hashed".getBytes(StandardCharsets.UTF_8)));
        TokenSet t = new TokenSet(new String[] {"alpha, beta", "sha256:" + hash.toUpperCase()}, "");
        assertTrue(t.matches("alpha"));
        assertTrue(t.matches("beta"));
        assertTrue(t.matches("hashed"));
        assertFalse(t.matches("sha256:" + hash), "a hash is not itself a token");
        assertFalse(t.matches("alph"));
        assertFalse(t.matches(""));
        assertFalse(t.matches((String) null));
        assertFalse(t.matches("x".repeat(TokenSet.MAX_TOKEN_BYTES + 1)));
        assertTrue(new TokenSet(null, null).isEmpty());
        assertTrue(new TokenSet(new String[0], "/nonexistent/tokens").isEmpty(), "an unreadable file admits nobody");
    }
}
