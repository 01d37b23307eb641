package org.mcm.transport.st2110;

import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.VideoFormat;

/** ST 2110-10/-20/-22/-30/-40 session descriptions of the streams this bundle sends. */
final class Sdp {

    private Sdp() {
    }

    private static String header(long sessionId, String srcIp, String name) {
        String ipVer = srcIp.indexOf(':') >= 0 ? "IP6" : "IP4";
        return "v=0\r\n"
                + "o=- " + sessionId + " " + sessionId + " IN " + ipVer + " " + srcIp + "\r\n"
                + "s=" + name + "\r\n"
                + "t=0 0\r\n";
    }

    private static String connection(String dstIp, String srcIp) {
        String ipVer = dstIp.indexOf(':') >= 0 ? "IP6" : "IP4";
        boolean mcast = Udp.isMulticast(dstIp);
        String c = "c=IN " + ipVer + " " + dstIp + (mcast && "IP4".equals(ipVer) ? "/32" : "") + "\r\n";
        if (mcast) {
            c += "a=source-filter: incl IN " + ipVer + " " + dstIp + " " + srcIp + "\r\n";
        }
        return c;
    }

    static String video(long sessionId, String srcIp, String dstIp, int port, int pt, VideoFormat f, PGroup pg,
            int maxUdp) {
        return header(sessionId, srcIp, "MCM ST 2110-20 session " + sessionId)
                + "m=video " + port + " RTP/AVP " + pt + "\r\n"
                + connection(dstIp, srcIp)
                + "a=rtpmap:" + pt + " raw/90000\r\n"
                + "a=fmtp:" + pt + " sampling=" + pg.sampling() + "; width=" + f.width() + "; height=" + f.height()
                + "; exactframerate=" + f.frameRate() + "; depth=" + pg.depth()
                + "; TCS=SDR; colorimetry=BT709; PM=2110GPM; SSN=ST2110-20:2017; TP=2110TPW"
                + (maxUdp > 1460 ? "; MAXUDP=8960" : "") + "\r\n"
                + "a=ts-refclk:localmac=00-00-00-00-00-00\r\n"
                + "a=mediaclk:direct=0\r\n";
    }

    static String jxs(long sessionId, String srcIp, String dstIp, int port, int pt, VideoFormat f, double bpp) {
        return jxs(sessionId, srcIp, dstIp, port, pt, f, bpp, false);
    }

    static String jxs(long sessionId, String srcIp, String dstIp, int port, int pt, VideoFormat f, double bpp,
            boolean sliceMode) {
        long kbps = Math.round(f.width() * (double) f.height() * bpp * f.frameRate().toDouble() / 1000.0);
        return header(sessionId, srcIp, "MCM ST 2110-22 session " + sessionId)
                + "m=video " + port + " RTP/AVP " + pt + "\r\n"
                + connection(dstIp, srcIp)
                + "b=AS:" + kbps + "\r\n"
                + "a=rtpmap:" + pt + " jxsv/90000\r\n"
                + "a=fmtp:" + pt + " packetmode=" + (sliceMode ? 1 : 0) + "; transmode=1; profile=Main422.10; level=4k-1; sublevel=Sublev3bpp"
                + "; sampling=YCbCr-4:2:2; width=" + f.width() + "; height=" + f.height() + "; depth=10"
                + "; exactframerate=" + f.frameRate() + "; colorimetry=BT709; TCS=SDR; SSN=ST2110-22:2019; TP=2110TPW\r\n"
                + "a=ts-refclk:localmac=00-00-00-00-00-00\r\n"
                + "a=mediaclk:direct=0\r\n";
    }

    static String audio(long sessionId, String srcIp, String dstIp, int port, int pt, AudioFormat f) {
        String ptime = switch (f.packetTime()) {
            case PT_1MS -> "1";
            case PT_125US -> "0.125";
            case PT_250US -> "0.250";
            case PT_333US -> "0.333";
            case PT_4MS -> "4";
            case PT_80US -> "0.080";
            case PT_1_09MS -> "1.09";
            case PT_0_14MS -> "0.14";
            case PT_0_09MS -> "0.09";
        };
        return header(sessionId, srcIp, "MCM ST 2110-30 session " + sessionId)
                + "m=audio " + port + " RTP/AVP " + pt + "\r\n"
                + connection(dstIp, srcIp)
                + "a=rtpmap:" + pt + " L" + f.bitDepth() + "/" + f.sampleRate() + "/" + f.channels() + "\r\n"
                + "a=ptime:" + ptime + "\r\n"
                + "a=ts-refclk:localmac=00-00-00-00-00-00\r\n"
                + "a=mediaclk:direct=0\r\n";
    }

    /**
     * ST 2110-40 (RFC 8331): {@code smpte291/90000}; the fmtp names the DID/SDID pairs sent (when known), the
     * VPID code (when given), the frame rate and interlace.
     */
    static String anc(long sessionId, String srcIp, String dstIp, int port, int pt, org.mcm.api.media.Rational rate,
            boolean interlaced, java.util.List<int[]> didSdid, int vpid) {
        StringBuilder fmtp = new StringBuilder();
        for (int[] d : didSdid) {
            fmtp.append(fmtp.length() == 0 ? "" : "; ").append(String.format("DID_SDID={0x%02X,0x%02X}", d[0], d[1]));
        }
        if (vpid >= 0) {
            fmtp.append(fmtp.length() == 0 ? "" : "; ").append("VPID_Code=").append(vpid);
        }
        fmtp.append(fmtp.length() == 0 ? "" : "; ").append("exactframerate=").append(rate);
        if (interlaced) {
            fmtp.append("; interlace");
        }
        return header(sessionId, srcIp, "MCM ST 2110-40 session " + sessionId)
                + "m=video " + port + " RTP/AVP " + pt + "\r\n"
                + connection(dstIp, srcIp)
                + "a=rtpmap:" + pt + " smpte291/90000\r\n"
                + "a=fmtp:" + pt + " " + fmtp + "\r\n"
                + "a=ts-refclk:localmac=00-00-00-00-00-00\r\n"
                + "a=mediaclk:direct=0\r\n";
    }
}
