package org.mcm.sdk.apps;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.MediaFormat;
import org.mcm.sdk.Connection;
import org.mcm.sdk.McmBuffer;

/**
 * mcm-receiver: receives frames through a media proxy (or directly over memif), writes them to a file and prints
 * frames per second, latency and loss on a progress line. Latency and loss need the sender's stamp
 * ({@code mcm-sender --stamp}); without it, loss is counted against {@code --frames} when the stream stops early.
 */
public final class McmReceiver {

    static final String NAME = "mcm-receiver";
    private static final String SUMMARY = "Receive frames, write them to a file, show fps, latency and loss.";

    private McmReceiver() {
    }

    public static void main(String[] args) {
        AppLogging.configure(AppLogging.verbose(args));
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static Options options() {
        Options o = new Options();
        AppSupport.connectionOptions(o);
        o.addOption(Option.builder("o").longOpt("output").hasArg().argName("file")
                .desc("write the received frames here, back to back ('-' = standard output)").get());
        o.addOption(Option.builder().longOpt("idle-timeout").hasArg().argName("seconds")
                .desc("stop when no frame came for this long once the stream started (default 5; 0 = never)")
                .get());
        return o;
    }

    /** Exit status: 0 done, 1 failed, 2 wrong arguments. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return AppSupport.run(NAME, SUMMARY, options(), args, out, err, a -> runWith(a, out, err, env));
    }

    private static int runWith(AppSupport.Args a, PrintStream out, PrintStream err, Map<String, String> env)
            throws AppSupport.UsageException, IOException {
        CommandLine cl = a.cl();
        int idle = AppSupport.intArg(cl, "idle-timeout", 5, 0, 86_400);
        String o = cl.getOptionValue("o");
        // "-" (or /dev/stdout) writes the frames to standard output; status lines then go to standard error
        boolean toStdout = "-".equals(o) || "/dev/stdout".equals(o);
        Path output = o == null ? null : Path.of(toStdout ? "/dev/stdout" : o);
        PrintStream status = toStdout ? err : out;
        try (FileChannel file = output == null ? null : toStdout ? FileChannel.open(output, StandardOpenOption.WRITE)
                : FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                Connection conn = AppSupport.open(Direction.RX, cl, a.options(), env)) {
            boolean h264 = "rtsp".equals(a.options().transport());
            return receive(conn, file, a.frames(), idle, a.format(), cl.hasOption("q"), status, h264);
        }
    }

    private static int receive(Connection conn, FileChannel file, long limit, int idleSeconds, MediaFormat format,
            boolean quiet, PrintStream out, boolean h264) throws IOException {
        out.println(NAME + ": " + (conn.viaProxy() ? "session " + conn.sessionId() + " at " : "direct memif ")
                + conn.memifSocketPath() + ", " + format);
        AppSupport.Samples window = new AppSupport.Samples();
        AppSupport.Samples all = new AppSupport.Samples();
        long received = 0;
        long bytes = 0;
        long lost = 0;
        long lastSeq = -1;
        boolean stamped = false;
        long first = 0;
        long lastFrameAt = 0;
        long lastReport = 0;
        long reportedFrames = 0;
        long idleNanos = idleSeconds * 1_000_000_000L;
        while (limit == 0 || received < limit) {
            McmBuffer b = conn.tryGetBuffer(Duration.ofMillis(200));
            long now = System.nanoTime();
            if (b == null) {
                if (received > 0 && idleNanos > 0 && now - lastFrameAt >= idleNanos) {
                    break;
                }
                continue;
            }
            try {
                ByteBuffer d = b.data();
                int len = b.length();
                long[] stamp = h264 ? null : AppSupport.readStamp(d, len); // H.264 carries no sender stamp
                if (stamp != null) {
                    stamped = true;
                    long micros = (AppSupport.nowEpochNanos() - stamp[1]) / 1000;
                    window.add(micros);
                    all.add(micros);
                    if (lastSeq >= 0 && stamp[0] > lastSeq + 1) {
                        lost += stamp[0] - lastSeq - 1;
                    }
                    lastSeq = Math.max(lastSeq, stamp[0]);
                }
                if (file != null) {
                    ByteBuffer w = d.duplicate();
                    w.clear().limit(len);
                    if (h264) {
                        w.position(h264Start(d, len)); // the access unit after the 14-byte header: a .h264 file
                    }
                    while (w.hasRemaining()) {
                        file.write(w);
                    }
                }
                bytes += len;
            } finally {
                b.release();
            }
            received++;
            if (received == 1) {
                first = now;
                lastReport = now;
            }
            lastFrameAt = now;
            if (!quiet && now - lastReport >= 1_000_000_000L) {
                double fps = (received - reportedFrames) * 1e9 / (now - lastReport);
                out.printf("\r%s: %d frames  %.2f fps  latency %s  lost %s   ", NAME, received, fps,
                        latency(window), stamped ? Long.toString(lost) : "n/a");
                out.flush();
                window.clear();
                lastReport = now;
                reportedFrames = received;
            }
        }
        if (!quiet && received > 0) {
            out.println();
        }
        if (limit > 0 && received < limit && !stamped) {
            lost = limit - received;
            stamped = true;
        } else if (limit > 0 && received < limit) {
            lost += Math.max(0, limit - 1 - lastSeq); // the tail that never came
        }
        double secs = received > 1 ? (lastFrameAt - first) / 1e9 : 0;
        out.printf("%s: received %d frames (%d bytes) in %.2f s, %.2f fps, latency %s, lost %s%n", NAME, received,
                bytes, secs, secs > 0 ? (received - 1) / secs : 0.0, latency(all), stamped ? Long.toString(lost) : "n/a");
        return received > 0 ? 0 : 1;
    }

    /**
     * Transport rtsp (upstream payload type 5): a buffer is 2 B RTP sequence number, 4 B RTP timestamp, 8 B
     * little-endian length, then the access unit in Annex-B form; where that access unit starts.
     */
    static int h264Start(ByteBuffer d, int len) throws IOException {
        if (len < 14 || d.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(6) != len - 14) {
            throw new IOException("not an H.264 access-unit buffer (" + len + " bytes, bad length field)");
        }
        return 14;
    }

    private static String latency(AppSupport.Samples s) {
        if (s.count() == 0) {
            return "n/a";
        }
        return "p50 " + s.percentile(50) + " us p99 " + s.percentile(99) + " us max " + s.percentile(100) + " us";
    }
}
