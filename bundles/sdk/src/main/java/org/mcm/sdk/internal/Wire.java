package org.mcm.sdk.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.sdk.ConnectionOptions;

/**
 * Byte images of the upstream MCM 24.09 SDK control protocol (TCP 8002): little-endian, x86-64 GCC layout of the
 * C structs that the C SDK writes raw.
 */
public final class Wire {

    /** "mcm\0", version 0x10, three zero bytes. */
    public static final byte[] HEADER = {0x6D, 0x63, 0x6D, 0x00, 0x10, 0x00, 0x00, 0x00};
    public static final int CMD_CREATE_SESSION = 1;
    public static final int CMD_DESTROY_SESSION = 2;
    public static final int CMD_QUERY_MEMIF_PARAM = 5;
    /**
     * Extension of this proxy (upstream 24.09 has no authentication): the app's token as payload, first request of
     * the connection; reply {@code u32} 0 = accepted, otherwise refused and the connection is closed.
     */
    public static final int CMD_AUTH = 16;
    /**
     * Extension of this proxy: CREATE_SESSION where the proxy brings the shared memory (a buffer pool shared by the
     * apps of a local group) and the app is the memif master; same payload and reply as CREATE_SESSION.
     */
    public static final int CMD_CREATE_SESSION_POOLED = 17;
    /**
     * Extension of this proxy: CREATE_SESSION for the proxy-local transport ({@code local}); same payload and reply.
     * A command of its own because upstream 24.09 takes every payload type, NONE included, for a network transport
     * (NONE and unknown types are ST 2110-20 there); an upstream proxy ignores the unknown command (no reply,
     * nothing created: the SDK times out).
     */
    public static final int CMD_CREATE_SESSION_LOCAL = 18;
    /** Extension of this proxy: {@link #CMD_CREATE_SESSION_LOCAL} in the pooled layout of {@link #CMD_CREATE_SESSION_POOLED}. */
    public static final int CMD_CREATE_SESSION_LOCAL_POOLED = 19;

    /** The create command for a connection: upstream's 1, or this proxy's extension for pooled and local ones. */
    public static int createCommand(String transport, boolean pooled) {
        if ("local".equals(transport)) {
            return pooled ? CMD_CREATE_SESSION_LOCAL_POOLED : CMD_CREATE_SESSION_LOCAL;
        }
        return pooled ? CMD_CREATE_SESSION_POOLED : CMD_CREATE_SESSION;
    }
    /** Longest token the proxy accepts. */
    public static final int MAX_TOKEN_BYTES = 4096;

    public static final int CONN_PARAM_SIZE = 304;
    public static final int MEMIF_PARAM_SIZE = 296;

    // mcm_conn_param
    static final int OFF_TYPE = 0;
    static final int OFF_PROTOCOL = 4;
    static final int OFF_LOCAL_IP = 8;
    static final int OFF_LOCAL_PORT = 54;
    static final int OFF_REMOTE_IP = 60;
    static final int OFF_REMOTE_PORT = 106;
    static final int OFF_PAYLOAD_TYPE = 228;
    static final int OFF_PAYLOAD_CODEC = 232;
    static final int OFF_ARGS = 240;
    static final int OFF_WIDTH = 264;
    static final int OFF_HEIGHT = 268;
    static final int OFF_FPS = 272;
    static final int OFF_PIX_FMT = 280;
    static final int OFF_PAYLOAD_TYPE_NR = 284;
    static final int IP_SIZE = 46;
    static final int PORT_SIZE = 6;

    public static final int PROTO_AUTO = 0;
    public static final int PROTO_MEMIF = 1;

    public static final int PAYLOAD_NONE = 0;
    public static final int PAYLOAD_ST20_VIDEO = 1;
    public static final int PAYLOAD_ST22_VIDEO = 2;
    public static final int PAYLOAD_ST30_AUDIO = 3;
    public static final int PAYLOAD_ST40_ANCILLARY = 4;
    public static final int PAYLOAD_RTSP_VIDEO = 5;
    public static final int PAYLOAD_RDMA_VIDEO = 6;
    public static final int CODEC_NONE = 0;
    public static final int CODEC_JPEGXS = 1;

    // memif_conn_param
    static final int OFF_M_PATH = 0;
    static final int OFF_M_APP_NAME = 108;
    static final int OFF_M_SECRET = 216;
    static final int OFF_M_NUM_S2M = 240;
    static final int OFF_M_NUM_M2S = 241;
    static final int OFF_M_BUFFER_SIZE = 244;
    static final int OFF_M_LOG2_RING = 248;
    static final int OFF_M_IS_MASTER = 249;
    static final int OFF_M_INTERFACE_ID = 252;
    static final int OFF_M_INTERFACE_NAME = 256;
    static final int OFF_M_MODE = 288;

    private Wire() {
    }

    /** Header, command ({@code u16 inst, u16 len}) and payload as one message. */
    public static byte[] request(int inst, byte[] payload) {
        if (payload.length > 0xFFFF) {
            throw new IllegalArgumentException("payload too long: " + payload.length);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER.length + 4 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(HEADER).putShort((short) inst).putShort((short) payload.length).put(payload);
        return b.array();
    }

    /** The u32 session id payload of DESTROY / QUERY_MEMIF_PARAM. */
    public static byte[] sessionId(long id) {
        byte[] p = new byte[4];
        ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putInt((int) id);
        return p;
    }

    /**
     * Upstream {@code mcm_payload_type} for our transport name; {@code local} writes NONE, which this proxy does not
     * read for it (the create command says local).
     */
    public static int payloadType(String transport) {
        return switch (transport) {
            case "local" -> PAYLOAD_NONE;
            case "st2110-20" -> PAYLOAD_ST20_VIDEO;
            case "st2110-22" -> PAYLOAD_ST22_VIDEO;
            case "st2110-30" -> PAYLOAD_ST30_AUDIO;
            case "st2110-40" -> PAYLOAD_ST40_ANCILLARY;
            case "rtsp" -> PAYLOAD_RTSP_VIDEO;
            default -> throw new IllegalArgumentException("transport '" + transport + "' has no upstream payload type");
        };
    }

    /** 24.06/24.09 {@code video_pixel_format}. */
    public static int pixFmt(PixelFormat f) {
        return switch (f) {
            case NV12 -> 0;
            case YUV422P8 -> 1;
            case YUV422P10LE -> 2;
            case YUV444P10LE -> 3;
            case RGB24 -> 4;
            default -> throw new IllegalArgumentException("pixel format " + f.id()
                    + " has no number in the upstream 24.09 protocol (nv12, yuv422p, yuv422p10le, yuv444p10le, rgb24)");
        };
    }

    /** {@code mcm_audio_format}: PCM8 0, PCM16 1, PCM24 2. */
    public static int audioFormat(int bitDepth) {
        return switch (bitDepth) {
            case 8 -> 0;
            case 16 -> 1;
            case 24 -> 2;
            default -> throw new IllegalArgumentException("audio bit depth " + bitDepth);
        };
    }

    /** {@code mcm_audio_sampling}: 48K 0, 96K 1, 44.1K 2. */
    public static int audioSampling(int rate) {
        return switch (rate) {
            case 48_000 -> 0;
            case 96_000 -> 1;
            case 44_100 -> 2;
            default -> throw new IllegalArgumentException("audio sample rate " + rate);
        };
    }

    /**
     * The 304-byte {@code mcm_conn_param} of CREATE_SESSION. Video fills the video args of the union and the
     * duplicated width/height/fps/pix_fmt fields; audio fills the audio args (width = height = 0); a blob sets
     * width = height = 0 and its size as the u64 of the union's rdma args ({@code transfer_size}), with no
     * audio channel count, which is how a proxy tells it from audio.
     */
    public static byte[] connParam(Direction dir, ConnectionOptions o) {
        byte[] bytes = new byte[CONN_PARAM_SIZE];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(OFF_TYPE, dir == Direction.TX ? 0 : 1);
        b.putInt(OFF_PROTOCOL, PROTO_AUTO);
        putAddr(b, OFF_LOCAL_IP, OFF_LOCAL_PORT, o.local());
        putAddr(b, OFF_REMOTE_IP, OFF_REMOTE_PORT, o.remote());
        b.putInt(OFF_PAYLOAD_TYPE, payloadType(o.transport()));
        b.putInt(OFF_PAYLOAD_CODEC, "st2110-22".equals(o.transport()) ? CODEC_JPEGXS : CODEC_NONE);
        MediaFormat f = o.format();
        if (f instanceof VideoFormat v) {
            int pix = pixFmt(v.pixelFormat());
            double fps = v.frameRate().toDouble();
            b.putInt(OFF_ARGS, v.width()).putInt(OFF_ARGS + 4, v.height()).putDouble(OFF_ARGS + 8, fps)
                    .putInt(OFF_ARGS + 16, pix);
            b.putInt(OFF_WIDTH, v.width()).putInt(OFF_HEIGHT, v.height()).putDouble(OFF_FPS, fps).putInt(OFF_PIX_FMT, pix);
        } else if (f instanceof AudioFormat a) {
            b.putInt(OFF_ARGS, 0); // MCM_AUDIO_TYPE_FRAME_LEVEL
            b.putInt(OFF_ARGS + 4, audioFormat(a.bitDepth()));
            b.putShort(OFF_ARGS + 8, (short) a.channels());
            b.putInt(OFF_ARGS + 12, audioSampling(a.sampleRate()));
            b.putInt(OFF_ARGS + 16, a.packetTime().ordinal());
        } else if ("st2110-40".equals(o.transport())) {
            // anc_args: type ANC_TYPE_FRAME_LEVEL, format ANC_FORMAT_CLOSED_CAPTION, fps 0 (the proxy's default rate)
            b.putInt(OFF_ARGS, 0).putInt(OFF_ARGS + 4, 0).putDouble(OFF_ARGS + 8, 0.0);
        } else {
            b.putLong(OFF_ARGS, ((BlobFormat) f).maxSize());
        }
        b.put(OFF_PAYLOAD_TYPE_NR, (byte) o.payloadType());
        return bytes;
    }

    private static void putAddr(ByteBuffer b, int ipOff, int portOff, Endpoint e) {
        byte[] ip = e.host().getBytes(StandardCharsets.US_ASCII);
        if (ip.length >= IP_SIZE) {
            throw new IllegalArgumentException("address longer than " + (IP_SIZE - 1) + " bytes: " + e.host());
        }
        b.put(ipOff, ip);
        if (e.port() != 0) {
            b.put(portOff, Integer.toString(e.port()).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The fields of the 296-byte {@code memif_conn_param} reply that a memif client needs. */
    public record MemifParams(String socketPath, String appName, String secret, int s2mRings, int m2sRings,
            long bufferSize, int log2RingSize, boolean master, long interfaceId, String interfaceName, int mode) {
    }

    /** Decodes the QUERY_MEMIF_PARAM reply; pointer fields and padding are ignored. */
    public static MemifParams memifParams(byte[] bytes) {
        if (bytes.length != MEMIF_PARAM_SIZE) {
            throw new IllegalArgumentException("memif_conn_param must be " + MEMIF_PARAM_SIZE + " bytes, got "
                    + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new MemifParams(cString(b, OFF_M_PATH, 108, "socket path"), cString(b, OFF_M_APP_NAME, 32, "app name"),
                cString(b, OFF_M_SECRET, 24, "secret"), Byte.toUnsignedInt(b.get(OFF_M_NUM_S2M)),
                Byte.toUnsignedInt(b.get(OFF_M_NUM_M2S)), Integer.toUnsignedLong(b.getInt(OFF_M_BUFFER_SIZE)),
                Byte.toUnsignedInt(b.get(OFF_M_LOG2_RING)), b.get(OFF_M_IS_MASTER) != 0,
                Integer.toUnsignedLong(b.getInt(OFF_M_INTERFACE_ID)), cString(b, OFF_M_INTERFACE_NAME, 32, "interface name"),
                Byte.toUnsignedInt(b.get(OFF_M_MODE)));
    }

    private static String cString(ByteBuffer b, int off, int size, String what) {
        int n = 0;
        while (n < size && b.get(off + n) != 0) {
            n++;
        }
        if (n == size) {
            throw new IllegalArgumentException(what + " is not NUL-terminated within its " + size + " bytes");
        }
        byte[] s = new byte[n];
        b.get(off, s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
