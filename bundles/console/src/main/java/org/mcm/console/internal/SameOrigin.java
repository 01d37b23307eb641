package org.mcm.console.internal;

import java.net.URI;
import java.util.Locale;

/**
 * Cross-site request check for the console's mutating requests. The console authenticates with HTTP Basic, which a
 * browser sends along with any request to the console's origin, so a page from elsewhere could make the browser
 * POST to it: such a request carries an {@code Origin} (or at least a {@code Referer}) naming the other site and is
 * refused. A request with neither header does not come from a browser page (e.g. curl) and is allowed.
 */
final class SameOrigin {

    private SameOrigin() {
    }

    /**
     * @param origin  the Origin header or null
     * @param referer the Referer header or null
     * @param host    the Host header of the request (authority the browser addressed)
     */
    static boolean allowed(String origin, String referer, String host) {
        String source = origin != null ? origin : referer;
        if (source == null) {
            return true;
        }
        if (host == null || source.equals("null")) {
            return false;
        }
        try {
            URI u = new URI(source.trim());
            String authority = u.getRawAuthority();
            String scheme = u.getScheme();
            if (authority == null || scheme == null) {
                return false;
            }
            scheme = scheme.toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return false;
            }
            return normalize(authority, scheme).equals(normalize(host, scheme));
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static String normalize(String authority, String scheme) {
        String a = authority.toLowerCase(Locale.ROOT);
        int at = a.lastIndexOf('@');
        if (at >= 0) {
            a = a.substring(at + 1);
        }
        String defaultPort = scheme.equals("https") ? ":443" : ":80";
        if (a.endsWith(defaultPort)) {
            a = a.substring(0, a.length() - defaultPort.length());
        }
        return a;
    }
}
