package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.api.media.BlobFormat;
import org.mcm.itests.support.ControlClient;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.McmBuffer;
import org.mcm.sdk.McmClient;

/**
 * ST 2110-40 through the real appliance with SDK apps, in upstream 24.09's buffer layout: the sender's buffers are
 * the user data words of one ANC packet, the receiver's are the RTP packets as they arrived. The receiving side is
 * checked here against RFC 8331 with a decoder of its own (bit fields, parity bits, checksum).
 */
public class AncillaryEndToEndIT {

    private static Path home;
    private static Path work;

    @BeforeClass
    public static void setUp() throws IOException {
        home = ApplianceProcessIT.copyOfImage();
        work = Files.createTempDirectory("mcm-anc");
    }

    @AfterClass
    public static void tearDown() throws IOException {
        ApplianceProcessIT.delete(home);
        ApplianceProcessIT.delete(work);
    }

    /** Reads big-endian bit fields. */
    static final class BitReader {
        final byte[] b;
        int bit;

        BitReader(byte[] b, int byteOffset) {
            this.b = b;
            this.bit = byteOffset * 8;
        }

        int read(int n) {
            int v = 0;
            for (int i = 0; i < n; i++, bit++) {
                v = v << 1 | (b[bit >> 3] >> (7 - (bit & 7)) & 1);
            }
            return v;
        }
    }

    static boolean parityOk(int w) {
        int ones = Integer.bitCount(w & 0xFF);
        int b8 = w >> 8 & 1;
        int b9 = w >> 9 & 1;
        return (ones + b8) % 2 == 0 && b9 != b8;
    }

    /** The user data words (low 8 bits) of the single ANC packet of an RTP packet, after checking all of it. */
    static byte[] userData(byte[] pkt, int expectedDid, int expectedSdid) {
        assertEquals("RTP version", 2, (pkt[0] & 0xFF) >> 6);
        assertTrue("marker on the frame's packet", (pkt[1] & 0x80) != 0);
        int length = (pkt[14] & 0xFF) << 8 | (pkt[15] & 0xFF);
        assertEquals("Length field", pkt.length - 20, length);
        assertEquals("ANC_Count", 1, pkt[16] & 0xFF);
        BitReader r = new BitReader(pkt, 20);
        r.read(32); // C, line, offset, S, stream
        int did = r.read(10);
        int sdid = r.read(10);
        int dc = r.read(10);
        assertTrue(parityOk(did) && parityOk(sdid) && parityOk(dc));
        assertEquals(expectedDid, did & 0xFF);
        assertEquals(expectedSdid, sdid & 0xFF);
        int n = dc & 0xFF;
        byte[] out = new byte[n];
        int sum = (did & 0x1FF) + (sdid & 0x1FF) + (dc & 0x1FF);
        for (int i = 0; i < n; i++) {
            int w = r.read(10);
            assertTrue("parity of word " + i, parityOk(w));
            sum += w & 0x1FF;
            out[i] = (byte) w;
        }
        int cs = r.read(10);
        assertEquals("checksum", sum & 0x1FF, cs & 0x1FF);
        assertEquals("checksum b9", (~cs >> 8 & 1), cs >> 9 & 1);
        return out;
    }

    @Test(timeout = 180_000)
    public void sdkAppsExchangeAncillaryDataOverSt2110_40() throws Exception {
        int tcp = Provisioning.freePort();
        int grpc = Provisioning.freePort();
        int port = Provisioning.freePort();
        try (ApplianceProcessIT.Proxy proxy = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t",
                Integer.toString(tcp), "-g", Integer.toString(grpc), "--console-port",
                Integer.toString(Provisioning.freePort()), "--memif-dir", work.resolve("memif").toString());
                ControlClient c = new ControlClient("127.0.0.1", grpc)) {
            proxy.line("INFO: TCP Server listening on", 60_000);
            try (McmClient client = McmClient.connect("127.0.0.1", tcp);
                    Connection rx = client.createRx(ConnectionOptions.builder(new BlobFormat(1460))
                            .transport("st2110-40").local("127.0.0.1", port).build());
                    Connection tx = client.createTx(ConnectionOptions.builder(new BlobFormat(255))
                            .transport("st2110-40").remote("127.0.0.1", port).build())) {
                assertEquals("upstream's TX buffer: one ANC packet's words", 255, tx.bufferSize());
                for (int i = 0; i < 30; i++) {
                    byte[] words = ("caption line " + i + " " + "x".repeat(i * 7)).getBytes(StandardCharsets.US_ASCII);
                    McmBuffer b = tx.getBuffer(Duration.ofSeconds(10));
                    b.data().put(0, words);
                    b.length(words.length);
                    b.send();
                    McmBuffer got = rx.getBuffer(Duration.ofSeconds(10));
                    byte[] pkt = new byte[got.length()];
                    got.data().get(0, pkt);
                    got.release();
                    assertTrue("buffer " + i, Arrays.equals(words, userData(pkt, 0x43, 0x02)));
                }
            } catch (Exception | AssertionError e) {
                throw new AssertionError(e + "\nproxy: " + proxy.out, e);
            }
            Polls.waitFor("sessions gone", () -> c.connectionCount() == 0, 10_000);
        }
    }
}
