package org.mcm.transport.st2110;

import java.util.Optional;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.VideoFormat;

/** Test access to the ST 2110 transports' own SDP writer and parser (package-private in their bundle). */
public final class SdpAccess {

    private SdpAccess() {
    }

    public static Optional<ConnectionSpec> parse(String sdp, String transport) {
        return SdpParser.parse(sdp, transport);
    }

    public static String video(long id, String src, String dst, int port, VideoFormat f) {
        return Sdp.video(id, src, dst, port, 96, f, PGroup.of(org.mcm.api.media.PixelFormat.YUV422_10_PGROUP), 1460);
    }

    public static String audio(long id, String src, String dst, int port, AudioFormat f) {
        return Sdp.audio(id, src, dst, port, 97, f);
    }
}
