package org.mcm.sdk.apps;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.McmClient;
import org.mcm.sdk.McmException;

/**
 * What mcm-sender and mcm-receiver share: the command line and its errors, the connection options, the in-band
 * stamp, statistics.
 */
final class AppSupport {

    /** A wrong argument: usage and exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** In-band stamp at the start of a frame: "MCMSTAMP", u64 sequence, u64 send time (epoch ns), little-endian. */
    static final long STAMP_MAGIC = 0x504D4154534D434DL; // "MCMSTAMP" read as a little-endian u64
    static final int STAMP_SIZE = 24;

    private AppSupport() {
    }

    /** What every app reads from its command line: the format, the connection options and --frames (0 = no limit). */
    record Args(CommandLine cl, MediaFormat format, ConnectionOptions options, long frames) {
    }

    /** The part of an app that runs once the shared arguments are read. */
    interface Body {
        /** Exit status; a {@link UsageException} is a usage error (2), a failure to connect or do I/O is 1. */
        int run(Args a) throws UsageException, IOException;
    }

    /**
     * Runs an app: parses its options (which start with {@link #connectionOptions}), prints the usage on --help,
     * reads the shared arguments and hands them to the body.
     *
     * @return exit status: 0 done, 1 failed, 2 wrong arguments (the message and the usage on {@code err})
     */
    static int run(String name, String summary, Options opts, String[] args, PrintStream out, PrintStream err,
            Body body) {
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(opts, args);
        } catch (ParseException e) {
            return usageError(err, name, summary, opts, e.getMessage());
        }
        if (cl.hasOption("?")) {
            usage(out, name, summary, opts);
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return usageError(err, name, summary, opts, "unexpected argument: " + cl.getArgList().get(0));
        }
        try {
            MediaFormat format = format(cl);
            ConnectionOptions co = options(cl, format);
            long frames = intArg(cl, "n", 0, 0, Integer.MAX_VALUE);
            return body.run(new Args(cl, format, co, frames));
        } catch (UsageException e) {
            return usageError(err, name, summary, opts, e.getMessage());
        } catch (McmException e) {
            err.println(name + ": " + e.getMessage() + " [" + e.errorCode() + "]");
            return 1;
        } catch (IOException e) {
            err.println(name + ": " + e.getMessage());
            return 1;
        }
    }

    private static int usageError(PrintStream err, String name, String summary, Options opts, String message) {
        err.println(name + ": " + message);
        usage(err, name, summary, opts);
        return 2;
    }

    static void connectionOptions(Options o) {
        o.addOption(Option.builder("H").longOpt("proxy-host").hasArg().argName("ip")
                .desc("media proxy address (default: $MCM_MEDIA_PROXY_IP or 127.0.0.1)").get());
        o.addOption(Option.builder("P").longOpt("proxy-port").hasArg().argName("port")
                .desc("media proxy SDK port (default: $MCM_MEDIA_PROXY_PORT or 8002)").get());
        o.addOption(Option.builder("t").longOpt("transport").hasArg().argName("name")
                .desc("local, st2110-20, st2110-22 or rtsp (H.264 access units) (default st2110-20; blobs: local)").get());
        o.addOption(Option.builder("w").longOpt("width").hasArg().argName("pixels").desc("frame width (default 1920)")
                .get());
        o.addOption(Option.builder("h").longOpt("height").hasArg().argName("lines").desc("frame height (default 1080)")
                .get());
        o.addOption(Option.builder("f").longOpt("fps").hasArg().argName("rate")
                .desc("frame rate: 60, 59.94 or 60000/1001 (default 60)").get());
        o.addOption(Option.builder("x").longOpt("pix-fmt").hasArg().argName("fmt")
                .desc("yuv422p10le (default), yuv422p, yuv444p10le, nv12, rgb24 (direct mode: any)").get());
        o.addOption(Option.builder().longOpt("blob").hasArg().argName("bytes")
                .desc("carry opaque blobs of this size instead of video (transport local)").get());
        o.addOption(Option.builder("r").longOpt("remote").hasArg().argName("ip:port")
                .desc("TX: destination; RX: sender or multicast group; local: the group key").get());
        o.addOption(Option.builder("l").longOpt("local").hasArg().argName("ip:port")
                .desc("TX: source port; RX: listen port and multicast source filter").get());
        o.addOption(Option.builder().longOpt("payload-type").hasArg().argName("pt")
                .desc("RTP payload type 0..127 (0 = transport default)").get());
        o.addOption(Option.builder().longOpt("memif").hasArg().argName("socket")
                .desc("direct app-to-app memif mode on this socket path, no proxy").get());
        o.addOption(Option.builder().longOpt("memif-id").hasArg().argName("id")
                .desc("direct mode: memif interface id (default 0)").get());
        o.addOption(Option.builder().longOpt("memif-server").desc("direct mode: be the memif server (master)").get());
        o.addOption(Option.builder().longOpt("polling").desc("busy-poll the receive ring (lowest latency)").get());
        o.addOption(Option.builder().longOpt("proxy-buffers").desc("zero copy between apps on one proxy: the proxy "
                + "allocates the shared buffers and this app is the memif master (this proxy's extension)").get());
        o.addOption(Option.builder("n").longOpt("frames").hasArg().argName("count")
                .desc("stop after this many frames").get());
        o.addOption(Option.builder("q").longOpt("quiet").desc("no progress line").get());
        o.addOption(Option.builder("v").longOpt("verbose").desc("also print the SDK's and memif's log lines, "
                + "connections coming and going included (default: warnings and errors only)").get());
        o.addOption(Option.builder("?").longOpt("help").desc("print this help and exit").get());
    }

    // the classic HelpFormatter keeps the usage text as it is (commons-cli's new help package lays it out anew)
    @SuppressWarnings("deprecation")
    static void usage(PrintStream s, String name, String summary, Options o) {
        PrintWriter w = new PrintWriter(s);
        new HelpFormatter().printHelp(w, 100, name + " [OPTION]...", summary, o, 1, 2, null, false);
        w.flush();
    }

    static int intArg(CommandLine cl, String opt, int def, int min, int max) throws UsageException {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new UsageException("--" + longName(opt) + " must be " + min + ".." + max + ": " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + longName(opt) + " is not a number: " + v);
        }
    }

    private static String longName(String opt) {
        return switch (opt) {
            case "w" -> "width";
            case "h" -> "height";
            case "n" -> "frames";
            case "P" -> "proxy-port";
            default -> opt;
        };
    }

    static Endpoint endpoint(CommandLine cl, String opt) throws UsageException {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return Endpoint.NONE;
        }
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            return new Endpoint(v, 0);
        }
        try {
            String host = v.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Endpoint(host, Integer.parseInt(v.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new UsageException("bad address '" + v + "' (ip:port)");
        }
    }

    static MediaFormat format(CommandLine cl) throws UsageException {
        if (cl.hasOption("blob")) {
            return new BlobFormat(intArg(cl, "blob", 0, 1, Integer.MAX_VALUE));
        }
        int w = intArg(cl, "w", 1920, 1, VideoFormat.MAX_DIMENSION);
        int h = intArg(cl, "h", 1080, 1, VideoFormat.MAX_DIMENSION);
        try {
            Rational fps = Rational.parse(cl.getOptionValue("f", "60"));
            PixelFormat pf = PixelFormat.byId(cl.getOptionValue("x", "yuv422p10le"));
            return new VideoFormat(w, h, fps, pf);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static Rational rate(MediaFormat f, CommandLine cl) throws UsageException {
        if (f instanceof VideoFormat v) {
            return v.frameRate();
        }
        try {
            return Rational.parse(cl.getOptionValue("f", "60"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static ConnectionOptions options(CommandLine cl, MediaFormat f) throws UsageException {
        try {
            ConnectionOptions.Builder b = ConnectionOptions.builder(f).local(endpoint(cl, "l")).remote(endpoint(cl, "r"))
                    .payloadType(intArg(cl, "payload-type", 0, 0, 127)).polling(cl.hasOption("polling"))
                    .proxyBuffers(cl.hasOption("proxy-buffers"));
            if (cl.hasOption("t")) {
                b.transport(cl.getOptionValue("t"));
            } else if (f instanceof BlobFormat) {
                b.transport("local");
            }
            if (cl.hasOption("memif") && cl.hasOption("proxy-buffers")) {
                throw new UsageException("--proxy-buffers is for connections through a proxy, not with --memif");
            }
            if (cl.hasOption("memif")) {
                b.memif(cl.getOptionValue("memif"), intArg(cl, "memif-id", 0, 0, Integer.MAX_VALUE),
                        cl.hasOption("memif-server"));
            } else if (cl.hasOption("memif-server") || cl.hasOption("memif-id")) {
                throw new UsageException("--memif-server and --memif-id need --memif");
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static Connection open(Direction dir, CommandLine cl, ConnectionOptions o, Map<String, String> env)
            throws UsageException, McmException {
        if (o.memifSocketPath() != null) {
            return McmClient.createDirect(dir, o);
        }
        McmClient client;
        try {
            McmClient base = McmClient.fromEnvironment(env);
            String host = cl.getOptionValue("H", base.host());
            int port = intArg(cl, "P", base.port(), 1, 65535);
            client = base.toBuilder().address(host, port).build(); // keeps MCM_TOKEN
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return client.create(dir, o);
    }

    static long nowEpochNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static void writeStamp(ByteBuffer b, long seq) {
        ByteBuffer d = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        d.putLong(0, STAMP_MAGIC).putLong(8, seq).putLong(16, nowEpochNanos());
    }

    /** {seq, sentEpochNanos} or null when the buffer carries no stamp. */
    static long[] readStamp(ByteBuffer b, int length) {
        if (length < STAMP_SIZE) {
            return null;
        }
        ByteBuffer d = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (d.getLong(0) != STAMP_MAGIC) {
            return null;
        }
        return new long[] {d.getLong(8), d.getLong(16)};
    }

    /** Latency samples in microseconds with percentiles. */
    static final class Samples {
        private long[] v = new long[1024];
        private int n;

        void add(long micros) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = micros;
        }

        int count() {
            return n;
        }

        long percentile(double p) {
            if (n == 0) {
                return -1;
            }
            long[] s = Arrays.copyOf(v, n);
            Arrays.sort(s);
            int i = (int) Math.ceil(p / 100.0 * n) - 1;
            return s[Math.max(0, Math.min(n - 1, i))];
        }

        void clear() {
            n = 0;
        }
    }

    static String duration(Duration d) {
        return String.format("%.2f s", d.toNanos() / 1e9);
    }
}
