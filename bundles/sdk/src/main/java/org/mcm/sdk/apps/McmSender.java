package org.mcm.sdk.apps;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.sdk.Connection;
import org.mcm.sdk.McmBuffer;

/**
 * mcm-sender: sends a raw video file (frames back to back, e.g. yuv422p10le) or a generated test pattern at the
 * frame rate, through a media proxy or directly to another app over memif. Like upstream's sample-app sender.
 */
public final class McmSender {

    static final String NAME = "mcm-sender";
    private static final String SUMMARY = "Send raw video frames (a file or a test pattern) at a frame rate.";

    private McmSender() {
    }

    public static void main(String[] args) {
        AppLogging.configure(AppLogging.verbose(args));
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static Options options() {
        Options o = new Options();
        AppSupport.connectionOptions(o);
        o.addOption(Option.builder("i").longOpt("input").hasArg().argName("file")
                .desc("raw frames to send (default: a test pattern)").get());
        o.addOption(Option.builder().longOpt("loop").desc("start the input file over at its end").get());
        o.addOption(Option.builder().longOpt("stamp").desc("write a 24-byte sequence/time stamp at the start of every "
                + "frame so the receiver can show latency and loss (default for the test pattern)").get());
        o.addOption(Option.builder().longOpt("no-stamp").desc("never write the stamp").get());
        return o;
    }

    /** Exit status: 0 done, 1 failed, 2 wrong arguments. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return AppSupport.run(NAME, SUMMARY, options(), args, out, err, a -> runWith(a, out, err, env));
    }

    private static int runWith(AppSupport.Args a, PrintStream out, PrintStream err, Map<String, String> env)
            throws AppSupport.UsageException, IOException {
        CommandLine cl = a.cl();
        MediaFormat format = a.format();
        Path input = cl.hasOption("i") ? Path.of(cl.getOptionValue("i")) : null;
        Rational rate = AppSupport.rate(format, cl);
        if (cl.hasOption("stamp") && cl.hasOption("no-stamp")) {
            throw new AppSupport.UsageException("--stamp and --no-stamp exclude each other");
        }
        if (cl.hasOption("loop") && input == null) {
            throw new AppSupport.UsageException("--loop needs --input");
        }
        boolean stamp = cl.hasOption("stamp") || (input == null && !cl.hasOption("no-stamp"));
        int frameSize = (int) format.bufferSize();
        FileChannel in = null;
        try {
            if (input != null) {
                in = FileChannel.open(input, StandardOpenOption.READ);
                long size = in.size();
                if (size < frameSize) {
                    err.println(NAME + ": " + input + " holds " + size + " bytes, less than one " + format
                            + " frame (" + frameSize + " bytes)");
                    return 1;
                }
                if (size % frameSize != 0) {
                    err.println(NAME + ": warning: " + input + " is not a whole number of " + frameSize
                            + "-byte frames; the tail is not sent");
                }
            }
            try (Connection conn = AppSupport.open(Direction.TX, cl, a.options(), env)) {
                return send(conn, in, cl.hasOption("loop"), a.frames(), rate, stamp, frameSize, format,
                        cl.hasOption("q"), out);
            }
        } finally {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // nothing
                }
            }
        }
    }

    private static int send(Connection conn, FileChannel in, boolean loop, long limit, Rational rate, boolean stamp,
            int frameSize, MediaFormat format, boolean quiet, PrintStream out) throws IOException {
        if (conn.viaProxy()) {
            out.println(NAME + ": session " + conn.sessionId() + " at " + conn.memifSocketPath() + ", " + format);
        } else {
            out.println(NAME + ": direct memif " + conn.memifSocketPath() + ", " + format + "; waiting for the peer");
            if (!conn.awaitConnected(Duration.ofSeconds(60))) {
                out.println(NAME + ": no peer attached within 60 s");
                return 1;
            }
        }
        ByteBuffer pattern = in == null ? testPattern(format, frameSize) : null;
        long period = Math.round(1e9 * rate.denominator() / rate.numerator());
        long start = System.nanoTime();
        long lastReport = start;
        long reportedFrames = 0;
        long sent = 0;
        while (limit == 0 || sent < limit) {
            if (in != null && !loop && in.size() - in.position() < frameSize) {
                break; // end of the input
            }
            McmBuffer b = conn.getBuffer(Duration.ofSeconds(10));
            ByteBuffer d = b.data();
            d.clear().limit(frameSize);
            if (in != null) {
                if (!readFrame(in, d, frameSize)) {
                    if (!loop) {
                        b.release();
                        break;
                    }
                    in.position(0);
                    d.clear().limit(frameSize);
                    if (!readFrame(in, d, frameSize)) {
                        b.release();
                        break;
                    }
                }
            } else {
                d.put(0, pattern, 0, frameSize);
                if (format instanceof VideoFormat) {
                    movingBar(d, (VideoFormat) format, sent);
                }
            }
            d.clear();
            if (stamp) {
                AppSupport.writeStamp(d, sent);
            }
            b.length(frameSize);
            b.send();
            sent++;
            long now = System.nanoTime();
            if (!quiet && now - lastReport >= 1_000_000_000L) {
                double fps = (sent - reportedFrames) * 1e9 / (now - lastReport);
                out.printf("\r%s: sent %d frames  %.2f fps   ", NAME, sent, fps);
                out.flush();
                lastReport = now;
                reportedFrames = sent;
            }
            long next = start + sent * period;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (!quiet) {
            out.println();
        }
        out.printf("%s: sent %d frames in %.2f s (%.2f fps)%n", NAME, sent, secs, secs > 0 ? sent / secs : 0.0);
        return 0;
    }

    private static boolean readFrame(FileChannel in, ByteBuffer d, int frameSize) throws IOException {
        int got = 0;
        while (got < frameSize) {
            int r = in.read(d);
            if (r < 0) {
                return false;
            }
            got += r;
        }
        return true;
    }

    /** Eight vertical bars; planar formats get bars in every plane, packed ones a byte ramp. */
    static ByteBuffer testPattern(MediaFormat format, int frameSize) {
        ByteBuffer p = ByteBuffer.allocateDirect(frameSize);
        if (format instanceof VideoFormat v && (v.pixelFormat() == PixelFormat.YUV422P10LE
                || v.pixelFormat() == PixelFormat.YUV444P10LE)) {
            int w = v.width();
            int words = frameSize / 2;
            int lineWords = w;
            for (int i = 0; i < words; i++) {
                int x = i % lineWords;
                int bar = x * 8 / lineWords;
                int value = 64 + bar * 119; // 64..897, legal 10-bit range
                p.put(i * 2, (byte) value).put(i * 2 + 1, (byte) (value >> 8));
            }
        } else if (format instanceof VideoFormat v) {
            int w = v.width();
            for (int i = 0; i < frameSize; i++) {
                p.put(i, (byte) (16 + (i % w) * 8 / w * 28));
            }
        } else {
            for (int i = 0; i < frameSize; i++) {
                p.put(i, (byte) i);
            }
        }
        return p;
    }

    /** A short white bar moving down the first plane, so motion is visible. */
    private static void movingBar(ByteBuffer d, VideoFormat v, long frame) {
        int bytesPerSample = v.pixelFormat() == PixelFormat.YUV422P10LE || v.pixelFormat() == PixelFormat.YUV444P10LE
                ? 2 : 1;
        if (v.pixelFormat() != PixelFormat.YUV422P10LE && v.pixelFormat() != PixelFormat.YUV444P10LE
                && v.pixelFormat() != PixelFormat.YUV422P8 && v.pixelFormat() != PixelFormat.NV12) {
            return;
        }
        int line = (int) (frame * 4 % v.height());
        int lineBytes = v.width() * bytesPerSample;
        for (int y = line; y < Math.min(v.height(), line + 4); y++) {
            for (int x = 0; x < v.width(); x++) {
                int at = y * lineBytes + x * bytesPerSample;
                if (bytesPerSample == 2) {
                    d.put(at, (byte) 0xAC).put(at + 1, (byte) 0x03); // 940
                } else {
                    d.put(at, (byte) 235);
                }
            }
        }
    }
}
