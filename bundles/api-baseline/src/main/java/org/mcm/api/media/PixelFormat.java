package org.mcm.api.media;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Pixel layouts a frame buffer can carry. Planar layouts match ffmpeg's names; packed "pgroup" layouts are the
 * RFC 4175 byte order that ST 2110-20 puts on the wire, so a transport can send them without conversion.
 */
@ProviderType
public enum PixelFormat {
    /** 4:2:2 planar, 8 bit (ffmpeg yuv422p). */
    YUV422P8("yuv422p", 2, 1),
    /** 4:2:2 planar, 10 bit in 16-bit little-endian words (ffmpeg yuv422p10le). */
    YUV422P10LE("yuv422p10le", 4, 1),
    /** 4:4:4 planar, 10 bit in 16-bit little-endian words (ffmpeg yuv444p10le). */
    YUV444P10LE("yuv444p10le", 6, 1),
    /** 4:2:0 semi-planar, 8 bit (NV12). */
    NV12("nv12", 3, 2),
    /** 4:2:2 10 bit packed as v210 (3 samples in each 32-bit little-endian word; 48 pixels per 128 bytes). */
    V210("v210", 8, 3),
    /** 4:2:2 8 bit packed Cb Y0 Cr Y1 (UYVY, RFC 4175 pgroup of 4 bytes per 2 pixels). */
    UYVY("uyvy422", 2, 1),
    /** 4:2:2 10 bit packed big-endian RFC 4175 pgroup (5 bytes per 2 pixels; GStreamer's UYVP). */
    YUV422_10_PGROUP("yuv422p10rfc4175", 5, 2),
    /** RGB 8 bit packed (3 bytes per pixel). */
    RGB24("rgb24", 3, 1);

    private final String id;
    private final int bytesNum;
    private final int bytesDen;

    PixelFormat(String id, int bytesNum, int bytesDen) {
        this.id = id;
        this.bytesNum = bytesNum;
        this.bytesDen = bytesDen;
    }

    /** The ffmpeg-style name used in configuration, the gRPC API and SDP-related settings. */
    public String id() {
        return id;
    }

    /**
     * Bytes for one frame. Throws if width/height do not fit the layout's sample grouping or the size overflows
     * 32 bits (memif descriptor lengths are 32-bit).
     */
    public long frameSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("frame dimensions must be positive: " + width + "x" + height);
        }
        if (this != RGB24 && this != NV12 && (width & 1) != 0) {
            throw new IllegalArgumentException(id + " needs an even width, got " + width);
        }
        if (this == NV12 && (height & 1) != 0) {
            throw new IllegalArgumentException(id + " needs an even height, got " + height);
        }
        long size;
        if (this == V210) {
            long lineBytes = ((width + 47L) / 48L) * 128L;
            size = lineBytes * height;
        } else {
            size = (long) width * height * bytesNum / bytesDen;
        }
        if (size > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("frame of " + size + " bytes exceeds the 4 GiB limit");
        }
        return size;
    }

    public static PixelFormat byId(String id) {
        for (PixelFormat f : values()) {
            if (f.id.equalsIgnoreCase(id) || f.name().equalsIgnoreCase(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown pixel format '" + id + "'");
    }
}
