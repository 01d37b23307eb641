package org.mcm.transport.st2110;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.mcm.api.media.PixelFormat;

/**
 * Times the planar yuv422p10le (or yuv422p with {@code -Dbench.pixfmt=yuv422p}) ↔ pgroup conversion of a 1080p frame
 * in each variant this machine has (pure Java, scalar C, SSE4.1, AVX2, AVX-512), called as the sessions call it:
 * the sender one line at a time into a small ring of wire lines, the receiver one 1,200-byte segment at a time,
 * queued and converted in batches of 64, from a small ring of datagram payloads. Each cell is the median ms a frame
 * of {@code reps} frames, with the app's frames either one buffer (in cache) or a ring of 16 (133 MB at 10 bit: from
 * memory, as with four pairs' app buffers). Not a test: a harness that prints a table.
 *
 * <pre>
 * cd bundles/transport-st2110 &amp;&amp; mvn -B -o -q test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/st.cp
 * taskset -c 1 java -cp target/test-classes:target/classes:$(cat /tmp/st.cp) org.mcm.transport.st2110.ConversionBench [reps]
 * </pre>
 */
public final class ConversionBench {
    private static final int W = 1920;
    private static final int H = 1080;
    private static final int SEGMENT = 1200;

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        PixelFormat pf = PixelFormat.byId(System.getProperty("bench.pixfmt", "yuv422p10le"));
        int top = NetNative.available() ? NetNative.mcmnet_cpu_isa() : -1;
        String[] names = {"pure Java", "scalar C", "SSE4.1", "AVX2", "AVX-512"};
        System.out.printf(Locale.ROOT, "%s %dx%d, ms a frame (median of %d), one core as started%n", pf.id(), W, H, reps);
        System.out.println("| variant | planar → pgroup, 1 app frame | the same, 16 app frames | pgroup → planar, 1 app frame | the same, 16 app frames |");
        System.out.println("|---|--:|--:|--:|--:|");
        for (int isa = -1; isa <= top; isa++) {
            PlanarLines lines = PlanarLines.of(pf, W, H, isa);
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", names[isa + 1],
                    send(lines, pf, 1, reps), send(lines, pf, 16, reps), receive(lines, pf, 1, reps),
                    receive(lines, pf, 16, reps));
        }
    }

    private static ByteBuffer[] frames(PixelFormat pf, int n) {
        int size = W * H * (pf == PixelFormat.YUV422P10LE ? 4 : 2);
        ByteBuffer[] f = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            f[i] = ByteBuffer.allocateDirect(size);
            for (int p = 0; p < size; p += 2) {
                f[i].putShort(p, (short) ((p * 7 + i) & 0x3FF));
            }
        }
        return f;
    }

    private static int lineBytes(PixelFormat pf) {
        return W / 2 * (pf == PixelFormat.YUV422P10LE ? 5 : 4);
    }

    private static double send(PlanarLines lines, PixelFormat pf, int n, int reps) {
        ByteBuffer[] f = frames(pf, n);
        int lb = lineBytes(pf);
        ByteBuffer ring = ByteBuffer.allocateDirect(80 * lb); // about two send groups of wire lines
        long[] t = new long[reps];
        for (int r = -reps / 4; r < reps; r++) {
            ByteBuffer src = f[Math.floorMod(r, n)];
            long t0 = System.nanoTime();
            for (int row = 0; row < H; row++) {
                lines.lineToWire(src, row, ring, (row % 80) * lb);
            }
            if (r >= 0) {
                t[r] = System.nanoTime() - t0;
            }
        }
        return median(t);
    }

    private static double receive(PlanarLines lines, PixelFormat pf, int n, int reps) {
        ByteBuffer[] f = frames(pf, n);
        int lb = lineBytes(pf);
        int group = pf == PixelFormat.YUV422P10LE ? 5 : 4;
        int perSegment = SEGMENT / group * 2; // pixels a segment
        ByteBuffer payloads = ByteBuffer.allocateDirect(64 * lb); // a receive batch's datagrams, reused
        for (int i = 0; i < payloads.capacity(); i++) {
            payloads.put(i, (byte) (i * 31));
        }
        long base = NetNative.available() ? NetNative.address(payloads) : 0;
        long[] t = new long[reps];
        for (int r = -reps / 4; r < reps; r++) {
            ByteBuffer dst = f[Math.floorMod(r, n)];
            long t0 = System.nanoTime();
            int k = 0;
            for (int row = 0; row < H; row++) {
                for (int px = 0; px < W; px += perSegment) {
                    int len = Math.min(perSegment, W - px) / 2 * group;
                    int off = (k++ % 64) * SEGMENT;
                    if (!lines.queueFromWire(base + off, len, dst, row, px)) {
                        lines.segmentFromWire(payloads, off, len, dst, row, px);
                    }
                    if (k % 64 == 0) {
                        lines.flush();
                    }
                }
            }
            lines.flush();
            if (r >= 0) {
                t[r] = System.nanoTime() - t0;
            }
        }
        return median(t);
    }

    private static double median(long[] t) {
        long[] s = t.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
