package org.mcm.codec.jpegxs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.mcm.api.codec.CodecException;

/**
 * Benchmark harness: frames/s for 1920x1080 4:2:2 10-bit (default 3 bpp). N threads = one decoder (or encoder)
 * using N threads inside each frame: the decoder decodes slices in parallel (handed out one at a time), then
 * inverts the wavelet per component (luma on one thread, chroma on the other); the encoder transforms components in
 * parallel, then rate-controls sequentially while the other threads already pack the planned precincts. Frames are
 * processed one after another, so this is per-frame latency as well as throughput. With --pipeline: one thread
 * encodes while another decodes the previous frame's codestream (encode + decode throughput on the machine).
 */
final class Bench {

    private Bench() {
    }

    static int run(String[] args, PrintStream out, PrintStream err)
            throws Main.UsageException, IOException, CodecException {
        int frames = 200;
        double bpp = 3;
        String input = null;
        boolean pipeline = false;
        boolean service = false;
        boolean rate = false;
        int vpred = 0;
        List<Integer> threadList = new ArrayList<>(List.of(1, 2));
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--pipeline")) {
                pipeline = true;
                continue;
            }
            if (args[i].equals("--service")) {
                service = true;
                continue;
            }
            if (args[i].equals("--rate")) {
                rate = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new Main.UsageException(args[i] + " needs a value");
            }
            String v = args[++i];
            switch (args[i - 1]) {
                case "--frames": frames = Main.intOpt("--frames", v, 1, 100000); break;
                case "--threads": threadList = List.of(Main.intOpt("--threads", v, 1, 64)); break;
                case "--bpp": bpp = Main.bppOpt(v); break;
                case "--input": input = v; break;
                case "--vpred": vpred = Main.intOpt("--vpred", v, 0, 2); break;
                default: throw new Main.UsageException("unknown option " + args[i - 1]);
            }
        }
        JpegXsEncoder.Config cfg = new JpegXsEncoder.Config();
        cfg.width = 1920;
        cfg.height = 1080;
        cfg.bpp = bpp;
        cfg.vpred = vpred;
        JpegXsEncoder enc0 = new JpegXsEncoder(cfg);
        Picture pic = enc0.newPicture();
        String content;
        if (input != null) {
            byte[] raw = Files.readAllBytes(Paths.get(input));
            RawLayout.readPlanar(raw, 0, pic);
            content = input;
        } else {
            synth(pic);
            content = "synthetic (gradients, zone plate, checkerboard, noise)";
        }
        byte[] cs = new byte[enc0.codestreamSize()];
        enc0.encode(pic, cs, 0);
        out.println("content: " + content + ", 1920x1080 yuv422p10le, " + bpp + " bpp, " + cs.length + " bytes/frame, "
                + frames + " frames per run, Java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs");
        out.println("decoder's slice decoding and inverse wavelet, encoder's wavelet, rounding and precinct writing: "
                + (JxsNative.available()
                ? "native (libmcmjxs, " + JxsNative.ISA_NAMES[JxsNative.bestIsa()] + ")"
                : "pure Java (" + JxsNative.unavailableReason() + ")"));
        if (rate) {
            rateRun(enc0, frames, out);
            return 0;
        }
        if (pipeline) {
            out.println("pipeline: one thread encodes frame i while another decodes frame i-1 (codestreams handed over"
                    + " through a queue of 2); threads = inside the encoder / the decoder (the CPU columns count the"
                    + " encoding and the decoding thread only, not their helpers)");
            out.println("| threads enc/dec | pipeline fps | encoder thread CPU ms/frame"
                    + " | decoder thread CPU ms/frame |");
            out.println("|---|---|---|---|");
            List<int[]> variants = new ArrayList<>();
            for (int t : threadList) {
                variants.add(new int[] {t, t});
            }
            if (threadList.size() > 1) {
                variants.add(new int[] {2, 1}); // the encoder's helper uses the time the faster decoder leaves
            }
            for (int[] v : variants) {
                pipelineRun(cfg, pic, v[0], v[1], Math.max(20, frames / 5), null); // warm-up
                double[] r = new double[3];
                pipelineRun(cfg, pic, v[0], v[1], frames, r);
                out.printf("| %d/%d | %.1f | %.1f | %.1f |%n", v[0], v[1], r[0], r[1], r[2]);
            }
            return 0;
        }
        if (service) {
            ServiceBench.check();
            out.println("through the Codec service as the ST 2110-22 transport calls it: raw yuv422p10le frames in a"
                    + " direct (shared-memory-like) buffer, codestreams in a heap buffer");
        }
        out.println("fps over the whole run; in brackets the slowest / median / fastest of 10 batches");
        out.println("| threads | decode fps | encode fps |");
        out.println("|---|---|---|");
        for (int t : threadList) {
            double[] dec = service ? ServiceBench.decodeFps(cs, t, frames) : decodeFps(cs, t, frames);
            double[] enc = service ? ServiceBench.encodeFps(pic, bpp, t, frames) : encodeFps(cfg, pic, t, frames);
            out.printf("| %d | %.1f (%.0f / %.0f / %.0f) | %.1f (%.0f / %.0f / %.0f) |%n", t, dec[0], dec[1], dec[2],
                    dec[3], enc[0], enc[1], enc[2], enc[3]);
        }
        return 0;
    }

    /**
     * Encodes frames on the calling thread and decodes each codestream on a second thread while the next frame is
     * encoded; result: {fps from the first encode to the last decode, encoder and decoder thread CPU ms per frame}.
     */
    private static void pipelineRun(JpegXsEncoder.Config base, Picture pic, int encThreads, int decThreads, int frames,
            double[] result) throws CodecException {
        JpegXsEncoder.Config cfg = copy(base);
        cfg.threads = encThreads;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.concurrent.BlockingQueue<byte[]> full = new java.util.concurrent.ArrayBlockingQueue<>(2);
        java.util.concurrent.BlockingQueue<byte[]> free = new java.util.concurrent.ArrayBlockingQueue<>(3);
        final byte[] end = new byte[0];
        final long[] decCpu = new long[1];
        final Throwable[] failure = new Throwable[1]; // written by the decoder thread, read after join
        try (JpegXsEncoder enc = new JpegXsEncoder(cfg); JpegXsDecoder dec = new JpegXsDecoder(decThreads)) {
            for (int i = 0; i < 3; i++) {
                free.add(new byte[enc.codestreamSize()]);
            }
            Thread decoder = new Thread(() -> {
                long c0 = mx.getCurrentThreadCpuTime();
                try {
                    for (byte[] cs = full.take(); cs != end; cs = full.take()) {
                        if (failure[0] == null) { // after a failure only hand the buffers back (no deadlock)
                            try {
                                dec.decode(cs, 0, cs.length);
                            } catch (CodecException | RuntimeException e) {
                                failure[0] = e;
                            }
                        }
                        free.put(cs);
                    }
                } catch (InterruptedException e) {
                    failure[0] = e;
                }
                decCpu[0] = mx.getCurrentThreadCpuTime() - c0;
            }, "jpegxs-bench-decoder");
            long t0 = System.nanoTime();
            long c0 = mx.getCurrentThreadCpuTime();
            decoder.start();
            try {
                for (int i = 0; i < frames && failure[0] == null; i++) {
                    byte[] cs = free.take();
                    enc.encode(pic, cs, 0);
                    full.put(cs);
                }
                long encCpu = mx.getCurrentThreadCpuTime() - c0;
                full.put(end);
                decoder.join();
                double secs = (System.nanoTime() - t0) / 1e9;
                if (failure[0] != null) {
                    throw new CodecException("pipeline decoder failed: " + failure[0], failure[0]);
                }
                if (result != null) {
                    result[0] = frames / secs;
                    result[1] = encCpu / 1e6 / frames;
                    result[2] = decCpu[0] / 1e6 / frames;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CodecException("interrupted", e);
            }
        }
    }

    /**
     * The rate control alone (--rate): plans the last encoded frame's precincts again and again from its statistics,
     * in C and in Java in turn (5 rounds of frames plans each, after a warm-up), on the calling thread; prints the
     * CPU ms a frame of each round and the median.
     */
    private static void rateRun(JpegXsEncoder enc, int frames, PrintStream out) throws CodecException {
        EncoderState st = enc.state();
        RateControl rc = new RateControl(st);
        byte[] o = new byte[enc.codestreamSize()];
        int p0 = new PrecinctPacker(st).writeHeader(o, 0);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean canC = rc.nativePlan != null && st.nativeIsa >= 0;
        out.println("rate control alone (planAll of the frame's " + st.g.npy + " precincts), CPU ms a frame, "
                + frames + " frames a round; C in one call a frame, C in one call a slice (as with the encoder's"
                + " helper threads), Java" + (canC ? "" : "; no native rate control here: Java only"));
        out.println("| round | C, a frame a call | C, a slice a call | Java |");
        out.println("|---|---|---|---|");
        int rounds = 5;
        double[][] ms = new double[3][rounds];
        for (int r = -1; r < rounds; r++) { // round -1: warm-up
            for (int k = 0; k < 3; k++) {
                rc.nativeOn = k < 2;
                if (k < 2 && !canC) {
                    continue;
                }
                int chunk = k == 1 ? st.g.hsl : st.g.npy;
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < frames; i++) {
                    st.planned.set(0);
                    rc.planAll(o, 0, p0, chunk);
                }
                if (r >= 0) {
                    ms[k][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e6 / frames;
                }
            }
            if (r >= 0) {
                out.printf("| %d | %.3f | %.3f | %.3f |%n", r + 1, ms[0][r], ms[1][r], ms[2][r]);
            }
        }
        for (double[] m : ms) {
            java.util.Arrays.sort(m);
        }
        out.printf("| median | %.3f | %.3f | %.3f |%n", ms[0][rounds / 2], ms[1][rounds / 2], ms[2][rounds / 2]);
    }

    /** A unit of timed work: one frame. */
    interface Frame {
        void run() throws CodecException;
    }

    /**
     * Times frames after a warm-up: {fps over the whole run, then the slowest, median and fastest of 10 equal
     * batches}. The whole-run figure is the sustained rate; the batches show how much other load on the machine
     * moved it.
     */
    static double[] time(Frame f, int frames) throws CodecException {
        for (int i = 0; i < Math.max(20, frames / 5); i++) { // warm-up
            f.run();
        }
        int batches = Math.min(10, frames);
        double[] fps = new double[batches];
        long t0 = System.nanoTime();
        int done = 0;
        for (int b = 0; b < batches; b++) {
            int n = (frames - done) / (batches - b);
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                f.run();
            }
            fps[b] = n / ((System.nanoTime() - s) / 1e9);
            done += n;
        }
        double all = frames / ((System.nanoTime() - t0) / 1e9);
        java.util.Arrays.sort(fps);
        return new double[] {all, fps[0], fps[batches / 2], fps[batches - 1]};
    }

    private static double[] decodeFps(byte[] cs, int threads, int frames) throws CodecException {
        try (JpegXsDecoder dec = new JpegXsDecoder(threads)) {
            return time(() -> dec.decode(cs, 0, cs.length), frames);
        }
    }

    private static double[] encodeFps(JpegXsEncoder.Config base, Picture pic, int threads, int frames)
            throws CodecException {
        JpegXsEncoder.Config cfg = copy(base);
        cfg.threads = threads;
        try (JpegXsEncoder enc = new JpegXsEncoder(cfg)) {
            byte[] out = new byte[enc.codestreamSize()];
            return time(() -> enc.encode(pic, out, 0), frames);
        }
    }

    private static JpegXsEncoder.Config copy(JpegXsEncoder.Config c) {
        JpegXsEncoder.Config d = new JpegXsEncoder.Config();
        d.width = c.width;
        d.height = c.height;
        d.sx = c.sx.clone();
        d.sy = c.sy.clone();
        d.depth = c.depth;
        d.bpp = c.bpp;
        d.decompH = c.decompH;
        d.decompV = c.decompV;
        d.sliceHeight = c.sliceHeight;
        d.quantization = c.quantization;
        d.signs = c.signs;
        d.significance = c.significance;
        d.vpred = c.vpred;
        d.colourTransform = c.colourTransform;
        d.threads = c.threads;
        return d;
    }

    /** Hard-ish synthetic 10-bit content. */
    static void synth(Picture p) {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int c = 0; c < p.nc; c++) {
            int w = p.width[c], h = p.height[c];
            int[] a = p.planes[c];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v;
                    if (y < h / 3) {
                        v = 64 + 900.0 * x / w; // gradient
                    } else if (y < 2 * h / 3) {
                        double r2 = (x - w / 2.0) * (x - w / 2.0) + (y - h / 2.0) * (y - h / 2.0);
                        v = 512 + 400 * Math.cos(r2 * 0.0009); // zone plate
                    } else {
                        v = (((x / 16) + (y / 16)) & 1) == 0 ? 200 : 800; // checkerboard
                    }
                    v += rnd.nextGaussian() * 6 + 60 * c;
                    a[y * w + x] = (int) Math.max(0, Math.min(1023, v));
                }
            }
        }
    }
}
