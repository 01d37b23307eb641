package org.mcm.transport.st2110;

import org.mcm.api.media.PixelFormat;

/**
 * An RFC 4175 pixel group: the smallest byte run that holds whole samples ({@code bytes} octets covering
 * {@code pixels} pixels), with the SDP sampling and depth it corresponds to.
 */
record PGroup(int bytes, int pixels, String sampling, int depth) {

    static PGroup of(PixelFormat f) {
        return switch (f) {
            case UYVY -> new PGroup(4, 2, "YCbCr-4:2:2", 8);
            case YUV422_10_PGROUP -> new PGroup(5, 2, "YCbCr-4:2:2", 10);
            case RGB24 -> new PGroup(3, 1, "RGB", 8);
            default -> throw new IllegalArgumentException("st2110-20 carries frames in RFC 4175 pgroup layout "
                    + "(uyvy422, yuv422p10rfc4175, rgb24); got " + f.id());
        };
    }

    int lineBytes(int width) {
        return width / pixels * bytes;
    }
}
