package org.mcm.codec.jpegxs;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.mcm.api.codec.CodecException;

/**
 * Bounded mutation fuzzing of the decoder: random byte flips, overwrites, truncations, insertions and deletions
 * of the reference codestreams. The only acceptable failure is a CodecException (with a message); never another
 * exception, never a hang.
 */
class DecoderFuzzTest {

    private static final String[] SEEDS = {"sm422p10_3bpp", "sm420p10_3bpp", "odd250x130_422p10_4bpp", "sm444p10_4bpp",
            "sm422p10_vpred1_4bpp", "sm422p10_signs2_4bpp", "sm422p10_uniformq_4bpp", "sm422p10_nosigf_4bpp",
            "sm422p10_v0h5_4bpp", "sm422p10_v1h3_4bpp", "sm422p8_3bpp"};

    private static final int ITERATIONS = 4000;

    @Test
    void mutatedCodestreamsOnlyThrowCodecException() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (String s : SEEDS) {
            byte[] all = TestData.read(s + ".jxs");
            seeds.add(Arrays.copyOf(all, all.length / 2)); // first frame
        }
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            SplittableRandom rnd = new SplittableRandom(0x5EED_0F_1A55L);
            try (JpegXsDecoder dec = new JpegXsDecoder().maxPixels(1024 * 1024)) {
                for (int it = 0; it < ITERATIONS; it++) {
                    byte[] seed = seeds.get(rnd.nextInt(seeds.size()));
                    byte[] in = mutate(seed, rnd);
                    try {
                        dec.decode(in, 0, in.length);
                        outcome[0]++;
                    } catch (CodecException e) {
                        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                        outcome[1]++;
                    } catch (Throwable t) {
                        fail("iteration " + it + ": " + t, t);
                    }
                }
            }
        });
        // both outcomes must occur or the mutations are too weak / too strong
        assertTrue(outcome[0] > 0 && outcome[1] > 0, "decoded " + outcome[0] + ", rejected " + outcome[1]);
    }

    static byte[] mutate(byte[] seed, SplittableRandom rnd) {
        byte[] b = seed.clone();
        int ops = 1 + rnd.nextInt(4);
        for (int k = 0; k < ops; k++) {
            int kind = rnd.nextInt(10);
            // bias towards the headers (first ~140 bytes), where structure lives
            int pos = b.length == 0 ? 0 : (rnd.nextInt(3) == 0 ? rnd.nextInt(Math.min(b.length, 140)) : rnd.nextInt(b.length));
            switch (kind) {
                case 0:
                case 1:
                case 2:
                    if (b.length > 0) {
                        b[pos] ^= (byte) (1 << rnd.nextInt(8));
                    }
                    break;
                case 3:
                case 4:
                    if (b.length > 0) {
                        b[pos] = (byte) rnd.nextInt(256);
                    }
                    break;
                case 5:
                    if (b.length > 0) {
                        b[pos] = (byte) (rnd.nextBoolean() ? 0xFF : 0x00);
                    }
                    break;
                case 6:
                    b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                    break;
                case 7: { // insert
                    int n = 1 + rnd.nextInt(16);
                    byte[] nb = new byte[b.length + n];
                    System.arraycopy(b, 0, nb, 0, pos);
                    for (int i = 0; i < n; i++) {
                        nb[pos + i] = (byte) rnd.nextInt(256);
                    }
                    System.arraycopy(b, pos, nb, pos + n, b.length - pos);
                    b = nb;
                    break;
                }
                case 8: { // delete
                    int n = Math.min(b.length - pos, 1 + rnd.nextInt(16));
                    byte[] nb = new byte[b.length - n];
                    System.arraycopy(b, 0, nb, 0, pos);
                    System.arraycopy(b, pos + n, nb, pos, b.length - pos - n);
                    b = nb;
                    break;
                }
                default: // random 16-bit header field
                    if (b.length > 40) {
                        int p = 8 + rnd.nextInt(30);
                        b[p] = (byte) rnd.nextInt(256);
                        b[p + 1] = (byte) rnd.nextInt(256);
                    }
            }
        }
        return b;
    }

    @Test
    void everyTruncationIsRejectedCleanly() throws Exception {
        byte[] all = TestData.read("sm422p10_vpred1_4bpp.jxs");
        byte[] one = Arrays.copyOf(all, all.length / 2);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (JpegXsDecoder dec = new JpegXsDecoder()) {
                for (int n = 0; n < one.length; n += 7) {
                    try {
                        dec.decode(Arrays.copyOf(one, n), 0, n);
                        fail("truncated to " + n + " bytes but decoded");
                    } catch (CodecException expected) {
                        // fine
                    }
                }
            }
        });
    }
}
