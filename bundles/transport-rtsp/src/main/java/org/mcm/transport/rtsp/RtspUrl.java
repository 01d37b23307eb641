package org.mcm.transport.rtsp;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * An {@code rtsp://[user:pass@]host[:port]/path} URL split into its parts. {@link #toString()} and {@link #plain()}
 * never contain the credentials (for requests, logs and stats).
 */
final class RtspUrl {
    final String host;
    final int port;
    final String plain;
    final String user;
    final String password;

    private RtspUrl(String host, int port, String plain, String user, String password) {
        this.host = host;
        this.port = port;
        this.plain = plain;
        this.user = user;
        this.password = password;
    }

    /** @throws IllegalArgumentException naming what is wrong (never echoing credentials) */
    static RtspUrl parse(String url) {
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url is not a valid rtsp:// URL (" + e.getReason() + ")");
        }
        if (u.getScheme() == null || !u.getScheme().equalsIgnoreCase("rtsp")) {
            throw new IllegalArgumentException("url must start with rtsp://");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("url has no host");
        }
        int port = u.getPort() < 0 ? 554 : u.getPort();
        String user = "";
        String pass = "";
        String ui = u.getRawUserInfo();
        if (ui != null) {
            int colon = ui.indexOf(':');
            user = URLDecoder.decode(colon >= 0 ? ui.substring(0, colon) : ui, StandardCharsets.UTF_8);
            pass = colon >= 0 ? URLDecoder.decode(ui.substring(colon + 1), StandardCharsets.UTF_8) : "";
        }
        String host = u.getHost();
        String hostPart = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
        String plain = "rtsp://" + hostPart + ":" + port + path + query;
        return new RtspUrl(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port, plain, user, pass);
    }

    String plain() {
        return plain;
    }

    boolean hasCredentials() {
        return !user.isEmpty();
    }

    @Override
    public String toString() {
        return plain;
    }
}
