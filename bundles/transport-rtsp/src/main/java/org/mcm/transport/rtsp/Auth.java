package org.mcm.transport.rtsp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** RTSP authentication as HTTP's (RFC 2617): Basic, and Digest with MD5 (with or without qop=auth). */
final class Auth {

    private Auth() {
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String newNonce() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Parameters of a Digest challenge or answer: {@code k=v, k="v", ...}. */
    static Map<String, String> params(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ',' || s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            String value;
            if (i < n && s.charAt(i) == '"') {
                StringBuilder v = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                i++;
                value = v.toString();
            } else {
                int end = s.indexOf(',', i);
                if (end < 0) {
                    end = n;
                }
                value = s.substring(i, end).trim();
                i = end;
            }
            m.put(key, value);
        }
        return m;
    }

    /** The Authorization header answering a Digest challenge (its parameters, without the "Digest " word). */
    static String digest(Map<String, String> challenge, String user, String password, String method, String uri,
            int nc) {
        String realm = challenge.getOrDefault("realm", "");
        String nonce = challenge.getOrDefault("nonce", "");
        String ha1 = md5(user + ":" + realm + ":" + password);
        String ha2 = md5(method + ":" + uri);
        String qop = challenge.get("qop");
        StringBuilder b = new StringBuilder("Digest username=\"").append(user).append("\", realm=\"").append(realm)
                .append("\", nonce=\"").append(nonce).append("\", uri=\"").append(uri).append('"');
        if (qop != null && java.util.Arrays.stream(qop.split(",")).anyMatch(q -> q.trim().equals("auth"))) {
            String cnonce = newNonce().substring(0, 16);
            String ncs = String.format("%08x", nc);
            String resp = md5(ha1 + ":" + nonce + ":" + ncs + ":" + cnonce + ":auth:" + ha2);
            b.append(", qop=auth, nc=").append(ncs).append(", cnonce=\"").append(cnonce).append("\", response=\"")
                    .append(resp).append('"');
        } else {
            b.append(", response=\"").append(md5(ha1 + ":" + nonce + ":" + ha2)).append('"');
        }
        if (challenge.containsKey("opaque")) {
            b.append(", opaque=\"").append(challenge.get("opaque")).append('"');
        }
        b.append(", algorithm=MD5");
        return b.toString();
    }

    /** Server side: credentials a request must carry, and its check. */
    static final class Verifier {
        private final String user;
        private final String password;
        private final String realm;
        private final String nonce = newNonce();

        Verifier(String user, String password, String realm) {
            this.user = user;
            this.password = password;
            this.realm = realm;
        }

        boolean enabled() {
            return !user.isEmpty() && !password.isEmpty();
        }

        String[][] challenges() {
            return new String[][] {
                {"WWW-Authenticate", "Digest realm=\"" + realm + "\", nonce=\"" + nonce + "\", algorithm=MD5"},
                {"WWW-Authenticate", "Basic realm=\"" + realm + "\""}};
        }

        /** Whether the Authorization header (may be null) proves the credentials for this method. */
        boolean check(String authorization, String method) {
            if (!enabled()) {
                return true;
            }
            if (authorization == null) {
                return false;
            }
            String a = authorization.trim();
            if (a.regionMatches(true, 0, "Basic ", 0, 6)) {
                return MessageDigest.isEqual(basic(user, password).substring(6).getBytes(StandardCharsets.UTF_8),
                        a.substring(6).trim().getBytes(StandardCharsets.UTF_8));
            }
            if (a.regionMatches(true, 0, "Digest ", 0, 7)) {
                Map<String, String> p = params(a.substring(7));
                if (!user.equals(p.get("username")) || !nonce.equals(p.get("nonce")) || !realm.equals(p.get("realm"))) {
                    return false;
                }
                String uri = p.getOrDefault("uri", "");
                String ha1 = md5(user + ":" + realm + ":" + password);
                String ha2 = md5(method + ":" + uri);
                String expect = p.containsKey("qop")
                        ? md5(ha1 + ":" + nonce + ":" + p.getOrDefault("nc", "") + ":" + p.getOrDefault("cnonce", "")
                                + ":" + p.get("qop") + ":" + ha2)
                        : md5(ha1 + ":" + nonce + ":" + ha2);
                return MessageDigest.isEqual(expect.getBytes(StandardCharsets.UTF_8),
                        p.getOrDefault("response", "").toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            }
            return false;
        }
    }
}
