package org.mcm.transport.st2110;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/**
 * Reads an ST 2110-20, -22, -30 or -40 SDP (first media section) into the spec of a receiver: UDP port and payload type
 * from {@code m=}, the multicast group from {@code c=} (unicast destinations are this host: any address),
 * format from {@code a=rtpmap}, {@code a=fmtp} and {@code a=ptime}. Malformed input fails naming the line.
 */
final class SdpParser {

    private SdpParser() {
    }

    /** Empty when the SDP's first media is not {@code wantedEncoding} (raw for -20, L16/L24 for -30). */
    static Optional<ConnectionSpec> parse(String sdp, String transport) {
        // lines end at \n; a \r before it goes with the trim below (no regular expression over the whole text)
        String[] lines = sdp.split("\n");
        String media = null;
        int port = 0;
        int pt = -1;
        String conn = "";
        String encoding = null;
        int clock = 0;
        int channels = 1;
        String ptime = null;
        Map<String, String> fmtp = new HashMap<>();
        java.util.List<String> didSdid = new java.util.ArrayList<>();
        boolean sawVersion = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].trim();
            int n = i + 1;
            if (l.isEmpty()) {
                continue;
            }
            if (l.length() < 2 || l.charAt(1) != '=') {
                throw new IllegalArgumentException("SDP line " + n + ": not a '<type>=<value>' line: " + l);
            }
            String v = l.substring(2);
            switch (l.charAt(0)) {
                case 'v' -> {
                    if (!"0".equals(v)) {
                        throw new IllegalArgumentException("SDP line " + n + ": unsupported version " + v);
                    }
                    sawVersion = true;
                }
                case 'm' -> {
                    if (media != null) {
                        i = lines.length; // only the first media section
                        continue;
                    }
                    String[] f = v.split("\\s+");
                    if (f.length < 4) {
                        throw new IllegalArgumentException("SDP line " + n + ": m= needs media, port, proto and format");
                    }
                    media = f[0];
                    port = number(f[1].contains("/") ? f[1].substring(0, f[1].indexOf('/')) : f[1], 1, 65535, n, "port");
                    if (!f[2].startsWith("RTP/AVP")) {
                        throw new IllegalArgumentException("SDP line " + n + ": transport protocol " + f[2] + " is not RTP/AVP");
                    }
                    pt = number(f[3], 0, 127, n, "payload type");
                }
                case 'c' -> {
                    String[] f = v.split("\\s+");
                    if (f.length != 3 || !"IN".equals(f[0]) || !(f[1].equals("IP4") || f[1].equals("IP6"))) {
                        throw new IllegalArgumentException("SDP line " + n + ": c= must be 'IN IP4|IP6 <address>'");
                    }
                    conn = f[2].contains("/") ? f[2].substring(0, f[2].indexOf('/')) : f[2];
                }
                case 'a' -> {
                    if (media == null) {
                        continue; // session-level attributes are not needed
                    }
                    if (v.startsWith("rtpmap:")) {
                        String[] f = v.substring(7).split("\\s+", 2);
                        if (f.length != 2 || number(f[0], 0, 127, n, "rtpmap payload type") != pt) {
                            continue;
                        }
                        String[] e = f[1].split("/");
                        if (e.length == 0 || e[0].isBlank()) {
                            throw new IllegalArgumentException("SDP line " + n + ": rtpmap without an encoding name: " + l);
                        }
                        encoding = e[0];
                        clock = e.length > 1 ? number(e[1], 1, 1_000_000, n, "clock rate") : 0;
                        channels = e.length > 2 ? number(e[2], 1, 64, n, "channels") : 1;
                    } else if (v.startsWith("fmtp:")) {
                        String[] f = v.substring(5).split("\\s+", 2);
                        if (f.length == 2) {
                            for (String kv : f[1].split(";")) {
                                String t = kv.trim();
                                if (t.isEmpty()) {
                                    continue;
                                }
                                int eq = t.indexOf('=');
                                if (eq > 0 && t.substring(0, eq).trim().equalsIgnoreCase("DID_SDID")) {
                                    didSdid.add(t.substring(eq + 1).trim());
                                    continue;
                                }
                                fmtp.put((eq < 0 ? t : t.substring(0, eq)).trim().toLowerCase(Locale.ROOT),
                                        eq < 0 ? "" : t.substring(eq + 1).trim());
                            }
                        }
                    } else if (v.startsWith("ptime:")) {
                        ptime = v.substring(6).trim();
                    }
                }
                default -> {
                    // other lines are not needed for a receiver
                }
            }
        }
        if (!sawVersion) {
            throw new IllegalArgumentException("SDP: missing v=0");
        }
        if (media == null) {
            throw new IllegalArgumentException("SDP: no m= line");
        }
        if (encoding == null) {
            throw new IllegalArgumentException("SDP: no a=rtpmap for payload type " + pt);
        }
        String enc = encoding.toLowerCase(Locale.ROOT);
        MediaFormat format;
        if ("st2110-20".equals(transport)) {
            if (!"video".equals(media) || !"raw".equals(enc)) {
                return Optional.empty();
            }
            format = video(fmtp);
        } else if ("st2110-22".equals(transport)) {
            if (!"video".equals(media) || !"jxsv".equals(enc)) {
                return Optional.empty();
            }
            String pm = fmtp.getOrDefault("packetmode", "0").trim();
            if (!pm.equals("0") && !pm.equals("1")) {
                throw new IllegalArgumentException("SDP: JPEG XS packetmode must be 0 (codestream) or 1 (slice), not " + pm);
            }
            if (!"1".equals(fmtp.getOrDefault("transmode", "1").trim())) {
                throw new IllegalArgumentException("SDP: only sequential JPEG XS transmission (transmode=1) is supported");
            }
            VideoFormat v = video(fmtp);
            // the app receives decoded frames in the codec's planar layout
            format = new VideoFormat(v.width(), v.height(), v.frameRate(), PixelFormat.YUV422P10LE);
        } else if ("st2110-30".equals(transport)) {
            if (!"audio".equals(media) || !(enc.equals("l24") || enc.equals("l16") || enc.equals("l8"))) {
                return Optional.empty();
            }
            format = new AudioFormat(clock, channels, Integer.parseInt(enc.substring(1)), packetTime(ptime, clock));
        } else if ("st2110-40".equals(transport)) {
            if (!"video".equals(media) || !"smpte291".equals(enc)) {
                return Optional.empty();
            }
            if (clock != 90_000) {
                throw new IllegalArgumentException("SDP: smpte291 runs on a 90000 Hz clock, not " + clock);
            }
            return Optional.of(anc(port, pt, conn, fmtp, didSdid));
        } else {
            return Optional.empty();
        }
        boolean mcast = !conn.isEmpty() && Udp.isMulticast(conn);
        return Optional.of(ConnectionSpec.builder(Direction.RX, transport, format)
                .local(new Endpoint("", port))
                .remote(new Endpoint(mcast ? conn : "", 0))
                .payloadType(pt)
                .build());
    }

    /**
     * The receiver of an ST 2110-40 stream: a blob of one datagram per buffer; the frame rate (exactframerate),
     * interlace, the DID/SDID pairs (as {@code did_sdid=61/01,41/05}, hex) and the VPID code become options.
     */
    private static ConnectionSpec anc(int port, int pt, String conn, Map<String, String> fmtp, java.util.List<String> didSdid) {
        ConnectionSpec.Builder b = ConnectionSpec.builder(Direction.RX, "st2110-40",
                new org.mcm.api.media.BlobFormat(AncSessions.RX_BUFFER));
        StringBuilder pairs = new StringBuilder();
        for (String d : didSdid) {
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("\\{\\s*0x([0-9a-fA-F]{1,2})\\s*,\\s*0x([0-9a-fA-F]{1,2})\\s*}").matcher(d);
            if (!m.matches()) {
                throw new IllegalArgumentException("SDP: DID_SDID must be {0xNN,0xNN}, not " + d);
            }
            pairs.append(pairs.length() == 0 ? "" : ",").append(String.format("%02X/%02X",
                    Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16)));
        }
        if (pairs.length() > 0) {
            b.option("did_sdid", pairs.toString());
        }
        String vpid = fmtp.get("vpid_code");
        if (vpid != null) {
            int v;
            try {
                v = Integer.parseInt(vpid.trim());
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("SDP: VPID_Code must be 0..255, not '" + vpid + "'");
            }
            b.option("vpid", Integer.toString(v));
        }
        String rate = fmtp.get("exactframerate");
        if (rate != null) {
            try {
                b.option("rate", Rational.parse(rate).toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SDP: exactframerate '" + rate + "' is not a frame rate");
            }
        }
        if (fmtp.containsKey("interlace")) {
            b.option("interlaced", "true");
        }
        boolean mcast = !conn.isEmpty() && Udp.isMulticast(conn);
        return b.local(new Endpoint("", port)).remote(new Endpoint(mcast ? conn : "", 0)).payloadType(pt).build();
    }

    private static VideoFormat video(Map<String, String> fmtp) {
        String sampling = require(fmtp, "sampling");
        int depth = Integer.parseInt(require(fmtp, "depth").trim());
        int w = Integer.parseInt(require(fmtp, "width").trim());
        int h = Integer.parseInt(require(fmtp, "height").trim());
        if (fmtp.containsKey("interlace")) {
            throw new IllegalArgumentException("SDP: interlaced video is not supported yet");
        }
        Rational rate = Rational.parse(require(fmtp, "exactframerate"));
        PixelFormat pf;
        if ("YCbCr-4:2:2".equalsIgnoreCase(sampling) && depth == 10) {
            pf = PixelFormat.YUV422_10_PGROUP;
        } else if ("YCbCr-4:2:2".equalsIgnoreCase(sampling) && depth == 8) {
            pf = PixelFormat.UYVY;
        } else if ("RGB".equalsIgnoreCase(sampling) && depth == 8) {
            pf = PixelFormat.RGB24;
        } else {
            throw new IllegalArgumentException("SDP: sampling " + sampling + " at depth " + depth + " is not supported");
        }
        return new VideoFormat(w, h, rate, pf);
    }

    private static PacketTime packetTime(String ptime, int rate) {
        if (ptime == null) {
            return rate == 44_100 ? PacketTime.PT_1_09MS : PacketTime.PT_1MS;
        }
        double ms;
        try {
            ms = Double.parseDouble(ptime);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SDP: a=ptime is not a number: " + ptime);
        }
        PacketTime best = null;
        for (PacketTime p : PacketTime.values()) {
            if (Math.abs(p.nanos() / 1e6 - ms) < 0.01) {
                best = p;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("SDP: unsupported packet time " + ptime + " ms");
        }
        return best;
    }

    private static String require(Map<String, String> fmtp, String key) {
        String v = fmtp.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("SDP: a=fmtp lacks " + key);
        }
        return v;
    }

    private static int number(String s, int min, int max, int line, String what) {
        try {
            int v = Integer.parseInt(s.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("SDP line " + line + ": " + what + " '" + s + "' is not in " + min + ".." + max);
    }
}
