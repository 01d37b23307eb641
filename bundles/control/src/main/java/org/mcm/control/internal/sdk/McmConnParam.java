package org.mcm.control.internal.sdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

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
 * Flyweight reader of the upstream 24.06/24.09 {@code mcm_conn_param} struct (304 bytes, little-endian, x86-64
 * GCC layout) that the C SDK sends raw with command 1. Offsets are the struct's; see README "SDK wire protocol".
 */
public final class McmConnParam {

    public static final int SIZE = 304;

    static final int OFF_TYPE = 0;
    static final int OFF_PROTOCOL = 4;
    static final int OFF_LOCAL_IP = 8;
    static final int OFF_LOCAL_PORT = 54;
    static final int OFF_REMOTE_IP = 60;
    static final int OFF_REMOTE_PORT = 106;
    static final int OFF_MEMIF_SOCKET_PATH = 112;
    static final int OFF_MEMIF_IS_MASTER = 220;
    static final int OFF_MEMIF_INTERFACE_ID = 224;
    static final int OFF_PAYLOAD_TYPE = 228;
    static final int OFF_PAYLOAD_CODEC = 232;
    static final int OFF_ARGS = 240;
    static final int OFF_AUDIO_TYPE = OFF_ARGS;
    static final int OFF_AUDIO_FORMAT = OFF_ARGS + 4;
    static final int OFF_AUDIO_CHANNELS = OFF_ARGS + 8;
    static final int OFF_AUDIO_SAMPLING = OFF_ARGS + 12;
    static final int OFF_AUDIO_PTIME = OFF_ARGS + 16;
    static final int OFF_WIDTH = 264;
    static final int OFF_HEIGHT = 268;
    static final int OFF_FPS = 272;
    static final int OFF_PIX_FMT = 280;
    static final int OFF_PAYLOAD_TYPE_NR = 284;
    static final int OFF_MTL_FLAGS = 288;
    static final int OFF_MTL_PACING = 296;

    static final int IP_LEN = 46;
    static final int PORT_LEN = 6;

    // mcm_payload_type
    public static final int PAYLOAD_NONE = 0;
    public static final int PAYLOAD_ST20_VIDEO = 1;
    public static final int PAYLOAD_ST22_VIDEO = 2;
    public static final int PAYLOAD_ST30_AUDIO = 3;
    public static final int PAYLOAD_ST40_ANCILLARY = 4;
    public static final int PAYLOAD_RTSP_VIDEO = 5;
    public static final int PAYLOAD_RDMA_VIDEO = 6;
    /** Buffer size upstream 24.09 gives a payload type 5 (RTSP/H.264) session: its {@code memif_nalu_size}. */
    public static final long RTSP_BUFFER_SIZE = 5_184_000L;

    /** ST 2110-40 buffers as upstream 24.09 sizes them: TX 255 bytes (one ANC packet's words), RX one datagram. */
    static final int ANC_TX_BUFFER = 255;
    static final int ANC_RX_BUFFER = 1460;

    private final ByteBuffer buf;

    private McmConnParam(ByteBuffer buf) {
        this.buf = buf;
    }

    /** Wraps (does not copy) exactly {@link #SIZE} bytes. */
    public static McmConnParam wrap(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("mcm_conn_param must be " + SIZE + " bytes, got " + bytes.length);
        }
        return new McmConnParam(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    public int type() {
        return buf.getInt(OFF_TYPE);
    }

    public int protocol() {
        return buf.getInt(OFF_PROTOCOL);
    }

    public String localIp() {
        return cString(OFF_LOCAL_IP, IP_LEN);
    }

    public String localPort() {
        return cString(OFF_LOCAL_PORT, PORT_LEN);
    }

    public String remoteIp() {
        return cString(OFF_REMOTE_IP, IP_LEN);
    }

    public String remotePort() {
        return cString(OFF_REMOTE_PORT, PORT_LEN);
    }

    public int payloadType() {
        return buf.getInt(OFF_PAYLOAD_TYPE);
    }

    public int payloadCodec() {
        return buf.getInt(OFF_PAYLOAD_CODEC);
    }

    public int width() {
        return buf.getInt(OFF_WIDTH);
    }

    public int height() {
        return buf.getInt(OFF_HEIGHT);
    }

    public double fps() {
        return buf.getDouble(OFF_FPS);
    }

    public int pixFmt() {
        return buf.getInt(OFF_PIX_FMT);
    }

    public int payloadTypeNr() {
        return Byte.toUnsignedInt(buf.get(OFF_PAYLOAD_TYPE_NR));
    }

    public int audioFormat() {
        return buf.getInt(OFF_AUDIO_FORMAT);
    }

    public int audioChannels() {
        return Short.toUnsignedInt(buf.getShort(OFF_AUDIO_CHANNELS));
    }

    public int audioSampling() {
        return buf.getInt(OFF_AUDIO_SAMPLING);
    }

    public int audioPtime() {
        return buf.getInt(OFF_AUDIO_PTIME);
    }

    /**
     * Transport protocol name for the upstream payload type, as upstream 24.09's media_proxy routes it: NONE (0)
     * and any type it does not know are ST 2110-20 (its {@code default:} case); RTSP (5) is the rtsp transport in both
     * directions (upstream only serves receivers with it: its memif query answers nothing for a type-5 sender, so no
     * upstream app sends with it; here a type-5 sender is published by the RTSP server); RDMA (6) names a transport
     * this proxy does not have (refused with a clear "no transport 'rdma'"). This proxy's {@code local} transport is never reached through
     * a payload type: it has commands of its own ({@link SdkProtocol#CMD_CREATE_SESSION_LOCAL}).
     */
    public static String transportFor(int payloadType, Direction dir) {
        return switch (payloadType) {
            case PAYLOAD_ST22_VIDEO -> "st2110-22";
            case PAYLOAD_ST30_AUDIO -> "st2110-30";
            case PAYLOAD_ST40_ANCILLARY -> "st2110-40";
            case PAYLOAD_RTSP_VIDEO -> "rtsp";
            case PAYLOAD_RDMA_VIDEO -> "rdma";
            default -> "st2110-20"; // ST20_VIDEO, NONE and every unknown value, as upstream
        };
    }

    /** 24.06/24.09 {@code video_pixel_format} numbering. */
    public static PixelFormat pixelFormat(int v) {
        return switch (v) {
            case 0 -> PixelFormat.NV12;
            case 1 -> PixelFormat.YUV422P8;
            case 2 -> PixelFormat.YUV422P10LE;
            case 3 -> PixelFormat.YUV444P10LE;
            case 4 -> PixelFormat.RGB24;
            default -> throw new IllegalArgumentException("unknown pixel format " + v);
        };
    }

    /**
     * Translates an upstream request (command 1 or 17) into a connection spec, validating every field; the payload
     * type picks the transport as upstream 24.09 does ({@link #transportFor}).
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public ConnectionSpec toSpec() {
        return toSpec(false);
    }

    /**
     * Translates a request for this proxy's {@code local} transport (commands 18 and 19, never sent by upstream
     * clients): the payload type is ignored, the format is video (width &gt; 0), audio (channels @248 &ge; 1) or a
     * blob (size in the union's u64 @240), and {@code remote_addr} is the group key that joins a TX with its RXs.
     */
    public ConnectionSpec toLocalSpec() {
        return toSpec(true);
    }

    private ConnectionSpec toSpec(boolean local) {
        Direction dir = switch (type()) {
            case 0 -> Direction.TX;
            case 1 -> Direction.RX;
            default -> throw new IllegalArgumentException("unknown transfer type " + type());
        };
        int pt = payloadType();
        String transport = local ? "local" : transportFor(pt, dir);
        MediaFormat format;
        boolean audio = "st2110-30".equals(transport) || local && width() == 0 && audioChannels() >= 1;
        boolean anc = !local && pt == PAYLOAD_ST40_ANCILLARY;
        if (anc) {
            // upstream 24.09 (MTL): a TX buffer holds the user data words of one ANC packet (memif buffers of 255
            // bytes), an RX buffer one RTP packet; the rate is the anc_args fps (union: type, format, double fps)
            format = new org.mcm.api.media.BlobFormat(dir == Direction.TX ? ANC_TX_BUFFER : ANC_RX_BUFFER);
        } else if (!local && pt == PAYLOAD_RTSP_VIDEO && width() == 0) {
            // H.264 access units: upstream 24.09 gives such a session 5 184 000-byte buffers whatever the app asks;
            // a blob size in the union (our SDK's) may ask for more
            long size = buf.getLong(OFF_ARGS);
            format = new org.mcm.api.media.BlobFormat(size > RTSP_BUFFER_SIZE && size <= Integer.MAX_VALUE ? size : RTSP_BUFFER_SIZE);
        } else if (local && width() == 0 && !audio) {
            long size = buf.getLong(OFF_ARGS); // blob: the union's size_t (rdma transfer_size)
            format = new org.mcm.api.media.BlobFormat(size);
        } else if (audio) {
            int bits = switch (audioFormat()) {
                case 0 -> 8;
                case 1 -> 16;
                case 2 -> 24;
                default -> throw new IllegalArgumentException("unsupported audio format " + audioFormat());
            };
            int rate = switch (audioSampling()) {
                case 0 -> 48_000;
                case 1 -> 96_000;
                case 2 -> 44_100;
                default -> throw new IllegalArgumentException("unknown audio sampling " + audioSampling());
            };
            int pti = audioPtime();
            if (pti < 0 || pti >= PacketTime.values().length) {
                throw new IllegalArgumentException("unknown audio packet time " + pti);
            }
            format = new AudioFormat(rate, audioChannels(), bits, PacketTime.values()[pti]);
        } else {
            format = new VideoFormat(width(), height(), Rational.fromFps(fps()), pixelFormat(pixFmt()));
        }
        // upstream semantics: the proxy sends from and receives on its own data-plane address (-i); local_addr only
        // carries the port (TX: UDP source port; RX: the port to listen on) and, for RX, in its ip the multicast
        // source filter; remote_addr is the destination (TX) or the sender / multicast group (RX)
        Endpoint localEp = endpoint(localIp(), localPort(), "local_addr");
        Endpoint remote = endpoint(remoteIp(), remotePort(), "remote_addr");
        ConnectionSpec.Builder b = ConnectionSpec.builder(dir, transport, format)
                .local(new Endpoint("", localEp.port()))
                .remote(dir == Direction.RX ? new Endpoint(remote.host(), 0) : remote)
                .payloadType(payloadTypeNr() & 0x7F);
        if (dir == Direction.RX && !localEp.host().isEmpty()) {
            b.option("source_filter", localEp.host());
        }
        if (anc) {
            double fps = buf.getDouble(OFF_ARGS + 8) > 0 ? buf.getDouble(OFF_ARGS + 8) : fps();
            if (fps > 0) {
                if (!(fps < 1000)) {
                    throw new IllegalArgumentException("anc_args.fps out of range: " + fps);
                }
                b.option("rate", Rational.fromFps(fps).toString());
            }
        }
        if (!local && (pt == PAYLOAD_ST22_VIDEO || payloadCodec() == 1)) {
            b.option("codec", "jpegxs");
        }
        if (local) {
            // local transport: sender and receivers meet at the remote address, the group key
            if (remotePort().isEmpty() || "0".equals(remotePort())) {
                throw new IllegalArgumentException("a local connection needs remote_addr ip:port as its group");
            }
            b.option("group", remoteIp() + ":" + remotePort());
        }
        return b.build();
    }

    private static Endpoint endpoint(String ip, String port, String field) {
        int p = 0;
        if (!port.isEmpty()) {
            try {
                p = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + ".port is not a number: '" + port + "'");
            }
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException(field + ".port out of range: " + p);
            }
        }
        return new Endpoint(ip, p);
    }

    private String cString(int off, int max) {
        int len = 0;
        while (len < max && buf.get(off + len) != 0) {
            len++;
        }
        byte[] b = new byte[len];
        buf.get(off, b, 0, len);
        for (byte c : b) {
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException("non-printable byte in text field at offset " + off);
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }
}
