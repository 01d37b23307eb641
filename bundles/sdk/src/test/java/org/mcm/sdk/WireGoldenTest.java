package org.mcm.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PacketTime;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.sdk.internal.Wire;

/** Request and reply images against golden bytes built from the documented offsets (see {@link Golden}). */
class WireGoldenTest {

    @Test
    void createHeaderIsTheDocumentedExample() {
        byte[] msg = Wire.request(1, new byte[304]);
        // mcm-upstream.md section 2: "6D 63 6D 00 10 00 00 00 01 00 30 01" (+304 payload bytes)
        assertEquals("6d636d00100000000100" + "3001", HexFormat.of().formatHex(msg, 0, 12));
        assertEquals(316, msg.length);
    }

    @Test
    void destroyAndQueryCarryTheU32Id() {
        assertArrayEquals(Golden.request(2, Golden.u32(0x01020304L)),
                Wire.request(Wire.CMD_DESTROY_SESSION, Wire.sessionId(0x01020304L)));
        assertArrayEquals(Golden.request(5, Golden.u32(0xFFFFFFFEL)),
                Wire.request(Wire.CMD_QUERY_MEMIF_PARAM, Wire.sessionId(0xFFFFFFFEL)));
        assertEquals("6d636d00100000000500040007000000",
                HexFormat.of().formatHex(Wire.request(5, Wire.sessionId(7))));
    }

    @Test
    void videoConnParamForEveryUpstreamPixelFormat() {
        Object[][] cases = {{PixelFormat.NV12, 0}, {PixelFormat.YUV422P8, 1}, {PixelFormat.YUV422P10LE, 2},
            {PixelFormat.YUV444P10LE, 3}, {PixelFormat.RGB24, 4}};
        for (Object[] c : cases) {
            VideoFormat f = new VideoFormat(1920, 1080, Rational.of(60000, 1001), (PixelFormat) c[0]);
            ConnectionOptions o = ConnectionOptions.builder(f).transport("st2110-22").local("192.168.1.10", 5004)
                    .remote("239.168.85.20", 9002).payloadType(114).build();
            byte[] golden = Golden.videoParam(0, "192.168.1.10", "5004", "239.168.85.20", "9002", 2, 1, 1920, 1080,
                    60000.0 / 1001.0, (int) c[1], 114);
            assertArrayEquals(golden, Wire.connParam(Direction.TX, o), c[0].toString());
        }
    }

    @Test
    void rxVideoAndNoRdma() {
        VideoFormat f = new VideoFormat(1280, 720, Rational.of(25, 1), PixelFormat.YUV422P10LE);
        ConnectionOptions o = ConnectionOptions.builder(f).remote("10.0.0.1", 0).local("", 20000).build();
        assertArrayEquals(Golden.videoParam(1, "", "20000", "10.0.0.1", "", 1, 0, 1280, 720, 25.0, 2, 0),
                Wire.connParam(Direction.RX, o));
        // this proxy has no RDMA transport: the SDK does not offer upstream's payload type 6
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionOptions.builder(f).transport("RDMA").remote("10.0.0.2", 9100).build());
    }

    /** local has create commands of its own (18, pooled 19); upstream's 1 and this proxy's 17 stay for the rest. */
    @Test
    void createCommands() {
        assertEquals(1, Wire.createCommand("st2110-20", false));
        assertEquals(17, Wire.createCommand("st2110-20", true));
        assertEquals(18, Wire.createCommand("local", false));
        assertEquals(19, Wire.createCommand("local", true));
        assertEquals(1, Wire.createCommand("st2110-30", false));
    }

    @Test
    void audioEnums() {
        int[][] rates = {{48_000, 0}, {96_000, 1}, {44_100, 2}};
        int[][] depths = {{8, 0}, {16, 1}, {24, 2}};
        for (int[] rate : rates) {
            for (int[] depth : depths) {
                PacketTime[] pts = rate[0] == 44_100 ? new PacketTime[] {PacketTime.PT_1_09MS, PacketTime.PT_0_14MS,
                    PacketTime.PT_0_09MS} : new PacketTime[] {PacketTime.PT_1MS, PacketTime.PT_125US,
                        PacketTime.PT_250US, PacketTime.PT_333US, PacketTime.PT_4MS, PacketTime.PT_80US};
                for (PacketTime pt : pts) {
                    int upstreamPtime = switch (pt) {
                        case PT_1MS -> 0;
                        case PT_125US -> 1;
                        case PT_250US -> 2;
                        case PT_333US -> 3;
                        case PT_4MS -> 4;
                        case PT_80US -> 5;
                        case PT_1_09MS -> 6;
                        case PT_0_14MS -> 7;
                        case PT_0_09MS -> 8;
                    };
                    AudioFormat a = new AudioFormat(rate[0], 8, depth[0], pt);
                    ConnectionOptions o = ConnectionOptions.builder(a).remote("239.0.0.1", 0).local("", 30000).build();
                    assertArrayEquals(Golden.audioParam(1, "239.0.0.1", "30000", depth[1], 8, rate[1], upstreamPtime),
                            Wire.connParam(Direction.RX, o), a.toString());
                }
            }
        }
    }

    @Test
    void memifReplyDecodesFromTheDocumentedOffsets() {
        byte[] reply = Golden.memifParam("/run/mcm/media_proxy_tx_12.sock", "memif_tx_12", "topsecret", 8_294_400, 2,
                0, 0xA0B0C0D0L, "memif_tx_12");
        reply[240] = 1;
        reply[241] = 2;
        Wire.MemifParams p = Wire.memifParams(reply);
        assertEquals("/run/mcm/media_proxy_tx_12.sock", p.socketPath());
        assertEquals("memif_tx_12", p.appName());
        assertEquals("topsecret", p.secret());
        assertEquals(1, p.s2mRings());
        assertEquals(2, p.m2sRings());
        assertEquals(8_294_400, p.bufferSize());
        assertEquals(2, p.log2RingSize());
        assertFalse(p.master());
        assertEquals(0xA0B0C0D0L, p.interfaceId());
        assertEquals("memif_tx_12", p.interfaceName());
        assertEquals(0, p.mode());
        reply[249] = 1;
        assertTrue(Wire.memifParams(reply).master());
        assertThrows(IllegalArgumentException.class, () -> Wire.memifParams(new byte[295]));
        byte[] unterminated = reply.clone();
        java.util.Arrays.fill(unterminated, 0, 108, (byte) 'a');
        assertThrows(IllegalArgumentException.class, () -> Wire.memifParams(unterminated));
    }

    @Test
    void ancillaryAsUpstreamPayloadType4WithAncArgs() {
        ConnectionOptions o = ConnectionOptions.builder(new org.mcm.api.media.BlobFormat(255)).transport("st2110-40")
                .remote("127.0.0.1", 9200).build();
        java.nio.ByteBuffer p = java.nio.ByteBuffer.wrap(Wire.connParam(Direction.TX, o))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(4, p.getInt(228), "PAYLOAD_TYPE_ST40_ANCILLARY");
        assertEquals(0, p.getInt(240), "anc_args.type: frame level");
        assertEquals(0, p.getInt(244), "anc_args.format: closed caption");
        assertEquals(0.0, p.getDouble(248), "anc_args.fps: the proxy's default");
        assertEquals(0, p.getInt(264), "no video width");
        VideoFormat v = new VideoFormat(640, 480, Rational.of(30, 1), PixelFormat.YUV422P10LE);
        assertThrows(IllegalArgumentException.class, () -> ConnectionOptions.builder(v).transport("st2110-40").build());
        assertThrows(IllegalArgumentException.class, () -> ConnectionOptions.builder(new org.mcm.api.media.BlobFormat(255))
                .transport("st2110-20").build());
    }

    @Test
    void optionsRejectWhatTheProtocolCannotCarry() {
        VideoFormat v210 = new VideoFormat(1920, 1080, Rational.of(50, 1), PixelFormat.V210);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionOptions.builder(v210).remote("239.0.0.1", 1).build());
        assertTrue(e.getMessage().contains("v210"), e.getMessage());
        // ... but direct memif mode carries any layout
        ConnectionOptions.builder(v210).memif("/tmp/x.sock", 0, true).build();

        VideoFormat f = new VideoFormat(640, 480, Rational.of(30, 1), PixelFormat.YUV422P10LE);
        e = assertThrows(IllegalArgumentException.class, () -> ConnectionOptions.builder(f).transport("srt").build());
        assertTrue(e.getMessage().contains("unknown transport 'srt'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConnectionOptions.builder(f).transport("st2110-30").build());
        assertThrows(IllegalArgumentException.class, () -> ConnectionOptions.builder(f).transport("local").build(),
                "local needs a group key");
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionOptions.builder(f).remote("a-very-long-host-name-that-does-not-fit-46-bytes.example", 1)
                        .build());
        assertThrows(IllegalArgumentException.class, () -> ConnectionOptions.builder(f).payloadType(128).build());
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionOptions.builder(f).memif("/tmp/x", 0, false).memifBufferSize(100).build());
        assertEquals("st2110-20", ConnectionOptions.builder(f).build().transport());
    }

    @Test
    void environment() {
        McmClient d = McmClient.fromEnvironment(Map.of());
        assertEquals("127.0.0.1", d.host());
        assertEquals(8002, d.port());
        McmClient c = McmClient.fromEnvironment(Map.of(McmClient.ENV_IP, "10.1.2.3", McmClient.ENV_PORT, "18002"));
        assertEquals("10.1.2.3", c.host());
        assertEquals(18002, c.port());
        assertThrows(IllegalArgumentException.class,
                () -> McmClient.fromEnvironment(Map.of(McmClient.ENV_PORT, "eighty")));
        assertThrows(IllegalArgumentException.class, () -> McmClient.connect("127.0.0.1", 70000));
    }
}
