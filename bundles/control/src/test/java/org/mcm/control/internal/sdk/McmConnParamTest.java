package org.mcm.control.internal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;

/**
 * Golden images of the upstream 24.09 {@code mcm_conn_param} (x86-64 GCC layout, 304 bytes), written here from the
 * documented offsets with literal numbers, independently of the reader's constants: a layout slip fails.
 */
class McmConnParamTest {

    private static byte[] image() {
        return new byte[304];
    }

    private static void str(byte[] b, int off, String s) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(a, 0, b, off, a.length);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void videoSenderImage() {
        byte[] b = image();
        ByteBuffer w = le(b);
        w.putInt(0, 0);              // type: is_tx
        w.putInt(4, 0);              // protocol: PROTO_AUTO
        str(b, 8, "192.168.96.1");   // local_addr.ip[46]
        str(b, 54, "9001");          // local_addr.port[6]
        str(b, 60, "192.168.96.2");  // remote_addr.ip
        str(b, 106, "9002");         // remote_addr.port
        w.putInt(228, 1);            // payload_type: PAYLOAD_TYPE_ST20_VIDEO
        w.putInt(232, 0);            // payload_codec: none
        w.putInt(240, 1920);         // payload_args.video_args (ignored by the proxy)
        w.putInt(264, 1920);         // width
        w.putInt(268, 1080);         // height
        w.putDouble(272, 59.94);     // fps
        w.putInt(280, 2);            // pix_fmt: PIX_FMT_YUV422P_10BIT_LE (24.06/24.09 numbering)
        b[284] = 112;                // payload_type_nr
        McmConnParam p = McmConnParam.wrap(b);
        assertEquals("192.168.96.1", p.localIp());
        assertEquals("9001", p.localPort());
        assertEquals("192.168.96.2", p.remoteIp());
        assertEquals("9002", p.remotePort());
        ConnectionSpec spec = p.toSpec();
        assertEquals(Direction.TX, spec.direction());
        assertEquals("st2110-20", spec.transport());
        assertEquals(new VideoFormat(1920, 1080, Rational.of(60000, 1001), PixelFormat.YUV422P10LE), spec.format());
        assertEquals(8_294_400, spec.format().bufferSize());
        assertEquals(9001, spec.local().port());
        assertEquals("", spec.local().host(), "TX sends from the proxy's data-plane address, not the app's");
        assertEquals("192.168.96.2", spec.remote().host());
        assertEquals(9002, spec.remote().port());
        assertEquals(112, spec.payloadType());
    }

    @Test
    void ancillaryImagesAsUpstreamSampleAppsSendThem() {
        for (int type = 0; type < 2; type++) {
            byte[] b = image();
            ByteBuffer w = le(b);
            w.putInt(0, type);           // is_tx / is_rx
            str(b, 54, "9200");          // local_addr.port
            str(b, 60, "192.168.96.2");  // remote_addr.ip
            str(b, 106, "9200");         // remote_addr.port
            w.putInt(228, 4);            // PAYLOAD_TYPE_ST40_ANCILLARY
            w.putInt(240, 0);            // anc_args.type: ANC_TYPE_FRAME_LEVEL
            w.putInt(244, 0);            // anc_args.format: ANC_FORMAT_CLOSED_CAPTION
            w.putDouble(248, 59.94);     // anc_args.fps (width/height/fps of the struct stay 0)
            ConnectionSpec spec = McmConnParam.wrap(b).toSpec();
            assertEquals("st2110-40", spec.transport());
            assertEquals(type == 0 ? 255 : 1460, spec.format().bufferSize());
            assertEquals("60000/1001", spec.options().get("rate"));
        }
    }

    @Test
    void audioReceiverImage() {
        byte[] b = image();
        ByteBuffer w = le(b);
        w.putInt(0, 1);              // is_rx
        str(b, 8, "192.168.96.9");   // RX: local_addr.ip is the multicast source filter
        str(b, 54, "9100");
        str(b, 60, "239.1.1.1");     // the group
        str(b, 106, "9999");
        w.putInt(228, 3);            // ST30 audio
        w.putInt(240, 0);            // audio_args.type FRAME_LEVEL
        w.putInt(244, 2);            // audio_args.format PCM24
        w.putShort(248, (short) 8);  // audio_args.channel
        w.putInt(252, 0);            // sampling 48K
        w.putInt(256, 1);            // ptime 125us
        ConnectionSpec spec = McmConnParam.wrap(b).toSpec();
        assertEquals(Direction.RX, spec.direction());
        assertEquals("st2110-30", spec.transport());
        assertEquals(new AudioFormat(48_000, 8, 24, PacketTime.PT_125US), spec.format());
        assertEquals(6 * 8 * 3, spec.format().bufferSize());
        assertEquals(9100, spec.local().port());
        assertEquals("", spec.local().host(), "the proxy receives on its own data-plane address");
        assertEquals("239.1.1.1", spec.remote().host());
        assertEquals(0, spec.remote().port());
        assertEquals("192.168.96.9", spec.options().get("source_filter"));
    }

    @Test
    void jpegXsMarksTheCodec() {
        byte[] b = image();
        ByteBuffer w = le(b);
        w.putInt(228, 2);            // ST22
        w.putInt(232, 1);            // JPEGXS
        w.putInt(264, 1280);
        w.putInt(268, 720);
        w.putDouble(272, 50.0);
        w.putInt(280, 2);
        ConnectionSpec spec = McmConnParam.wrap(b).toSpec();
        assertEquals("st2110-22", spec.transport());
        assertEquals("jpegxs", spec.options().get("codec"));
    }

    /** rtsp_recver_app (24.09): RX, payload type 5, remote ip, local port, video args all zero. */
    @Test
    void rtspVideoReceiverGetsUpstreamsFixedBufferSize() {
        byte[] b = image();
        ByteBuffer w = le(b);
        w.putInt(0, 1);              // rx
        str(b, 54, "9001");          // local_addr.port
        str(b, 60, "127.0.0.1");     // remote_addr.ip
        w.putInt(228, 5);            // RTSP_VIDEO
        ConnectionSpec spec = McmConnParam.wrap(b).toSpec();
        assertEquals("rtsp", spec.transport());
        assertEquals(Direction.RX, spec.direction());
        assertEquals(9001, spec.local().port());
        assertEquals(new org.mcm.api.media.BlobFormat(5_184_000), spec.format());
        w.putLong(240, 8_000_000);   // our SDK's blob size asks for more
        assertEquals(new org.mcm.api.media.BlobFormat(8_000_000), McmConnParam.wrap(b).toSpec().format());
        w.putLong(240, 0);
        w.putInt(264, 640);          // with video args: frame-sized buffers
        w.putInt(268, 480);
        w.putDouble(272, 30.0);
        w.putInt(280, 0);
        assertEquals(new VideoFormat(640, 480, Rational.of(30, 1), PixelFormat.NV12), McmConnParam.wrap(b).toSpec().format());
    }

    /** Upstream 24.09's media_proxy: NONE and every unknown payload type are ST 2110-20 (its default case). */
    @Test
    void payloadNoneAndUnknownTypesAreSt2110_20AsUpstream() {
        for (int pt : new int[] {0, 1, 7, 99, -1, Integer.MAX_VALUE}) {
            for (int dir : new int[] {0, 1}) {
                byte[] b = image();
                ByteBuffer w = le(b);
                w.putInt(0, dir);
                str(b, 54, "9001");      // upstream sample apps' defaults: 127.0.0.1:9001
                str(b, 60, "127.0.0.1");
                str(b, 106, "9001");
                w.putInt(228, pt);
                w.putInt(264, 1920);
                w.putInt(268, 1080);
                w.putDouble(272, 30.0);
                w.putInt(280, 2);
                ConnectionSpec spec = McmConnParam.wrap(b).toSpec();
                assertEquals("st2110-20", spec.transport(), "payload type " + pt);
                assertEquals(new VideoFormat(1920, 1080, Rational.of(30, 1), PixelFormat.YUV422P10LE), spec.format());
                assertEquals(9001, spec.local().port());
                if (dir == 0) {
                    assertEquals("127.0.0.1", spec.remote().host(), "the TX sends to the remote address");
                    assertEquals(9001, spec.remote().port());
                }
                assertTrue(spec.options().get("group") == null);
            }
        }
        assertEquals("rtsp", McmConnParam.transportFor(McmConnParam.PAYLOAD_RTSP_VIDEO, Direction.TX));
        assertEquals("rtsp", McmConnParam.transportFor(McmConnParam.PAYLOAD_RTSP_VIDEO, Direction.RX));
        assertEquals("rdma", McmConnParam.transportFor(McmConnParam.PAYLOAD_RDMA_VIDEO, Direction.TX));
        assertEquals("st2110-30", McmConnParam.transportFor(3, Direction.RX));
        assertEquals("st2110-22", McmConnParam.transportFor(2, Direction.RX));
    }

    @Test
    void localCommandsMakeTheLocalTransportGroupedByRemoteAddress() {
        byte[] b = image();
        ByteBuffer w = le(b);
        w.putInt(0, 1);              // rx
        str(b, 60, "127.0.0.1");
        str(b, 106, "7000");
        w.putInt(228, 0);            // not read for local
        w.putLong(240, 4096);        // blob size in the union
        ConnectionSpec spec = McmConnParam.wrap(b).toLocalSpec();
        assertEquals("local", spec.transport());
        assertEquals("127.0.0.1:7000", spec.options().get("group"));
        assertEquals(new org.mcm.api.media.BlobFormat(4096), spec.format());
        w.putLong(240, 0);
        w.putShort(248, (short) 2);  // audio: channels
        w.putInt(244, 1);            // PCM16
        w.putInt(252, 0);            // 48k
        w.putInt(256, 0);            // 1 ms
        assertEquals(new AudioFormat(48_000, 2, 16, PacketTime.PT_1MS), McmConnParam.wrap(b).toLocalSpec().format());
        w.putInt(264, 640);
        w.putInt(268, 480);
        w.putDouble(272, 30);
        w.putInt(280, 2);
        assertEquals(new VideoFormat(640, 480, Rational.of(30, 1), PixelFormat.YUV422P10LE), McmConnParam.wrap(b).toLocalSpec().format());
        str(b, 106, "\0\0\0\0");
        assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toLocalSpec());
    }

    @Test
    void badFieldsAreNamed() {
        byte[] b = image();
        ByteBuffer w = le(b);
        w.putInt(228, 1);
        w.putInt(264, 1920);
        w.putInt(268, 1080);
        w.putDouble(272, 25);
        w.putInt(280, 2);
        w.putInt(0, 7);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec()).getMessage().contains("transfer type"));
        w.putInt(0, 0);
        w.putInt(280, 9);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec()).getMessage().contains("pixel format"));
        w.putInt(280, 2);
        w.putInt(228, 1);
        str(b, 106, "99999");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec()).getMessage().contains("remote_addr.port"));
        str(b, 106, "12a\0\0\0");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec()).getMessage().contains("not a number"));
        str(b, 106, "9000\0\0");
        b[60] = 7; // control character in an address
        assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec());
        b[60] = 0;
        w.putDouble(272, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec());
        w.putDouble(272, 25);
        w.putInt(264, 0);
        assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(b).toSpec());
        assertThrows(IllegalArgumentException.class, () -> McmConnParam.wrap(new byte[288]));
    }

    @Test
    void ipFieldWithoutTerminatorIsReadToItsEnd() {
        byte[] b = image();
        for (int i = 60; i < 106; i++) {
            b[i] = '1';
        }
        assertEquals(46, McmConnParam.wrap(b).remoteIp().length());
    }
}
