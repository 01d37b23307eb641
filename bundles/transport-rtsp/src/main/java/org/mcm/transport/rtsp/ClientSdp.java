package org.mcm.transport.rtsp;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** What the RTSP client needs from a DESCRIBE answer: the H.264 track's payload type, control URL, parameter sets. */
record ClientSdp(int payloadType, String control, byte[][] parameterSets) {

    /**
     * @throws RtspException naming the line when the SDP is malformed or has no H.264/90000 video
     */
    static ClientSdp parse(String sdp) throws RtspException {
        if (sdp.isBlank()) {
            throw new RtspException("DESCRIBE answer has no SDP");
        }
        // lines end at \n; a \r before it goes with the trim below (no regex: this runs on every DESCRIBE answer
        // and in the fuzz test, where a regular expression over the whole text cost most of the time)
        String[] lines = sdp.split("\n");
        if (!lines[0].trim().equals("v=0")) {
            throw new RtspException("SDP does not start with v=0: '" + RtspMessage.clip(lines[0].trim()) + "'");
        }
        boolean inVideo = false;
        boolean done = false;
        List<Integer> pts = new ArrayList<>();
        int h264 = -1;
        String control = null;
        String sprop = null;
        for (int i = 0; i < lines.length && !done; i++) {
            String l = lines[i].trim();
            if (l.isEmpty()) {
                continue;
            }
            if (l.length() < 2 || l.charAt(1) != '=') {
                throw new RtspException("SDP line " + (i + 1) + " is not <type>=<value>: '" + RtspMessage.clip(l) + "'");
            }
            if (l.startsWith("m=")) {
                if (inVideo && h264 >= 0) {
                    done = true;
                    continue;
                }
                String[] f = l.substring(2).split(" ");
                inVideo = f.length >= 4 && f[0].equals("video");
                pts.clear();
                control = null;
                sprop = null;
                h264 = -1;
                if (inVideo) {
                    for (int k = 3; k < f.length; k++) {
                        try {
                            pts.add(Integer.parseInt(f[k]));
                        } catch (NumberFormatException e) {
                            throw new RtspException("SDP line " + (i + 1) + ": payload type '" + RtspMessage.clip(f[k])
                                    + "' is not a number");
                        }
                    }
                }
                continue;
            }
            if (!inVideo) {
                continue;
            }
            String lower = l.toLowerCase(Locale.ROOT);
            if (lower.startsWith("a=rtpmap:")) {
                String[] f = l.substring(9).split("[ /]");
                if (f.length >= 3 && f[1].equalsIgnoreCase("H264") && f[2].equals("90000")) {
                    try {
                        h264 = Integer.parseInt(f[0]);
                    } catch (NumberFormatException e) {
                        throw new RtspException("SDP line " + (i + 1) + ": bad rtpmap");
                    }
                }
            } else if (lower.startsWith("a=fmtp:")) {
                int at = lower.indexOf("sprop-parameter-sets=");
                if (at >= 0) {
                    int end = l.indexOf(';', at);
                    sprop = l.substring(at + 21, end < 0 ? l.length() : end).trim();
                }
            } else if (lower.startsWith("a=control:")) {
                control = l.substring(10).trim();
            }
        }
        if (h264 < 0 || !pts.contains(h264)) {
            throw new RtspException("SDP has no H264/90000 video track");
        }
        byte[][] ps = new byte[0][];
        if (sprop != null && !sprop.isEmpty()) {
            String[] parts = sprop.split(",");
            ps = new byte[parts.length][];
            for (int k = 0; k < parts.length; k++) {
                try {
                    ps[k] = Base64.getDecoder().decode(parts[k].trim());
                } catch (IllegalArgumentException e) {
                    throw new RtspException("sprop-parameter-sets is not base64: '" + RtspMessage.clip(parts[k]) + "'");
                }
                if (ps[k].length == 0 || ps[k].length > 4096) {
                    throw new RtspException("sprop-parameter-sets entry of " + ps[k].length + " bytes");
                }
            }
        }
        return new ClientSdp(h264, control, ps);
    }

    /** The track URL: the control attribute resolved against the base (Content-Base, or the request URL). */
    String trackUrl(String base) {
        if (control == null || control.equals("*")) {
            return base;
        }
        if (control.regionMatches(true, 0, "rtsp://", 0, 7) || control.regionMatches(true, 0, "rtsps://", 0, 8)) {
            return control;
        }
        return (base.endsWith("/") ? base : base + "/") + control;
    }
}
