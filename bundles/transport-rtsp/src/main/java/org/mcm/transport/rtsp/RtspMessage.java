package org.mcm.transport.rtsp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One RTSP 1.0 message (RFC 2326): a request or a response, its headers and body; or, on a connection carrying
 * interleaved RTP, one {@code $}-framed binary packet. Reading is bounded: the start line and headers together at
 * most {@link #MAX_HEAD} bytes, a body at most {@link #MAX_BODY}; anything else is a {@link RtspException} naming
 * what was wrong.
 */
final class RtspMessage {

    static final int MAX_HEAD = 64 * 1024;
    static final int MAX_BODY = 64 * 1024;

    /** Request: method; response: null. */
    final String method;
    /** Request: URI; response: null. */
    final String uri;
    /** Response: status code; request: 0. */
    final int status;
    final String reason;
    final List<String[]> headers;
    final byte[] body;
    /** Interleaved binary packet: its channel (else -1) and bytes in {@link #body}. */
    final int channel;

    private RtspMessage(String method, String uri, int status, String reason, List<String[]> headers, byte[] body,
            int channel) {
        this.method = method;
        this.uri = uri;
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.body = body;
        this.channel = channel;
    }

    static RtspMessage interleaved(int channel, byte[] data) {
        return new RtspMessage(null, null, 0, null, List.of(), data, channel);
    }

    boolean isInterleaved() {
        return channel >= 0;
    }

    boolean isResponse() {
        return method == null && channel < 0;
    }

    /** The first value of a header (case-insensitive name), or null. */
    String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    List<String> headers(String name) {
        List<String> l = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                l.add(h[1]);
            }
        }
        return l;
    }

    /** CSeq as a number, or -1 when missing or not a number. */
    int cseq() {
        String v = header("CSeq");
        if (v == null) {
            return -1;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Reads the next message. Returns null at a clean end of stream before any byte of a message.
     *
     * @throws RtspException malformed, oversized or truncated input
     */
    static RtspMessage read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        if (first == '$') {
            int ch = in.read();
            int hi = in.read();
            int lo = in.read();
            if (lo < 0) {
                throw new RtspException("truncated interleaved frame header");
            }
            int len = hi << 8 | lo;
            byte[] data = in.readNBytes(len);
            if (data.length != len) {
                throw new RtspException("truncated interleaved frame: " + data.length + " of " + len + " bytes");
            }
            return interleaved(ch, data);
        }
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        List<String> lines = new ArrayList<>();
        int total = 0;
        int c = first;
        while (true) {
            if (c < 0) {
                throw new RtspException("connection closed inside a message head");
            }
            if (++total > MAX_HEAD) {
                throw new RtspException("message head longer than " + MAX_HEAD + " bytes");
            }
            if (c == '\n') {
                String l = line.toString(StandardCharsets.UTF_8);
                if (l.endsWith("\r")) {
                    l = l.substring(0, l.length() - 1);
                }
                line.reset();
                if (l.isEmpty()) {
                    if (lines.isEmpty()) {
                        c = in.read(); // stray empty line between messages
                        continue;
                    }
                    break;
                }
                lines.add(l);
            } else if (c == 0) {
                throw new RtspException("NUL byte in a message head");
            } else {
                line.write(c);
            }
            c = in.read();
        }
        String start = lines.get(0);
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String l = lines.get(i);
            if ((l.startsWith(" ") || l.startsWith("\t")) && !headers.isEmpty()) {
                String[] last = headers.get(headers.size() - 1); // folded continuation
                last[1] = last[1] + " " + l.trim();
                continue;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new RtspException("header line without a name: '" + clip(l) + "'");
            }
            headers.add(new String[] {l.substring(0, colon).trim(), l.substring(colon + 1).trim()});
        }
        byte[] body = new byte[0];
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase("Content-Length")) {
                int n;
                try {
                    n = Integer.parseInt(h[1]);
                } catch (NumberFormatException e) {
                    throw new RtspException("Content-Length is not a number: '" + clip(h[1]) + "'");
                }
                if (n < 0 || n > MAX_BODY) {
                    throw new RtspException("Content-Length " + n + " outside 0.." + MAX_BODY);
                }
                body = in.readNBytes(n);
                if (body.length != n) {
                    throw new RtspException("truncated body: " + body.length + " of " + n + " bytes");
                }
            }
        }
        if (start.startsWith("RTSP/") || start.matches("[A-Za-z]+/[0-9.]+ .*")) {
            String[] p = start.split(" ", 3);
            if (p.length < 2 || !p[0].equals("RTSP/1.0")) {
                throw new RtspException("bad status line: '" + clip(start) + "'");
            }
            int status;
            try {
                status = Integer.parseInt(p[1]);
            } catch (NumberFormatException e) {
                throw new RtspException("bad status code in '" + clip(start) + "'");
            }
            if (status < 100 || status > 999) {
                throw new RtspException("status code out of range in '" + clip(start) + "'");
            }
            return new RtspMessage(null, null, status, p.length > 2 ? p[2] : "", headers, body, -1);
        }
        String[] p = start.split(" ");
        if (p.length != 3 || !p[2].equals("RTSP/1.0") || p[0].isEmpty()
                || !p[0].chars().allMatch(ch -> ch >= 'A' && ch <= 'Z' || ch == '_')) {
            throw new RtspException("bad request line: '" + clip(start) + "'");
        }
        return new RtspMessage(p[0], p[1], 0, null, headers, body, -1);
    }

    static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** Builds a response. */
    static byte[] response(int status, String reason, int cseq, List<String[]> headers, byte[] body) {
        StringBuilder b = new StringBuilder(256);
        b.append("RTSP/1.0 ").append(status).append(' ').append(reason).append("\r\n");
        if (cseq >= 0) {
            b.append("CSeq: ").append(cseq).append("\r\n");
        }
        b.append("Server: mcm-java\r\n");
        for (String[] h : headers) {
            b.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        if (body != null && body.length > 0) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        b.append("\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.UTF_8);
        if (body == null || body.length == 0) {
            return head;
        }
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** Builds a request. */
    static byte[] request(String method, String uri, int cseq, List<String[]> headers) {
        StringBuilder b = new StringBuilder(256);
        b.append(method).append(' ').append(uri).append(" RTSP/1.0\r\n");
        b.append("CSeq: ").append(cseq).append("\r\n");
        b.append("User-Agent: mcm-java\r\n");
        for (String[] h : headers) {
            b.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        b.append("\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
