package org.mcm.codec.jpegxs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.mcm.api.codec.CodecException;

/**
 * Command line: {@code decode IN.jxs OUT.raw}, {@code info IN.jxs}, {@code encode IN.raw OUT.jxs --width W
 * --height H --format F --bpp B [options]}, {@code bench}. Exit codes: 0 ok, 1 failure, 2 wrong arguments.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "Usage: java -jar mcm-codec-jpegxs.jar COMMAND ...",
            "  decode IN.jxs OUT.raw [--threads N]   decode every concatenated codestream; frames are written back to",
            "                                        back, planar (yuv422p10le-like: 8-bit samples as bytes, else 16-bit LE)",
            "  info IN.jxs                           print markers and header fields of every codestream",
            "  encode IN.raw OUT.jxs --width W --height H --format FMT --bpp B [options]",
            "         FMT: yuv422p10le yuv444p10le yuv420p10le yuv422p yuv444p yuv420p yuv422p12le gbrp10le",
            "         options: --decomp_h N (1..5, default 5)  --decomp_v N (0..2, default 2)",
            "                  --slice-height LINES (default 16)  --coding-vpred 0|1|2  --coding-signs 0|1",
            "                  --quantization 0|1  --coding-sigf 0|1  --frames N  --threads N",
            "  bench [--threads N] [--frames N] [--bpp B] [--input RAW] [--vpred 0|1|2] [--pipeline] [--service] [--rate]",
            "         frames/s of 1920x1080 4:2:2 10-bit (default 3 bpp), decode and encode on 1 and 2 threads;",
            "         --pipeline: one thread encodes frame i while another decodes frame i-1 (encode + decode fps);",
            "         --service: through the Codec service with direct buffers, as the ST 2110-22 transport;",
            "         --rate: the encoder's rate control alone, native (C) and Java in turn, CPU ms a frame");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        try {
            switch (args[0]) {
                case "decode":
                    return decode(args, out, err);
                case "info":
                    return info(args, out, err);
                case "encode":
                    return Cli.encode(args, out, err);
                case "bench":
                    return Bench.run(args, out, err);
                case "-h":
                case "--help":
                case "help":
                    out.println(USAGE);
                    return 0;
                default:
                    err.println("unknown command '" + args[0] + "'");
                    err.println(USAGE);
                    return 2;
            }
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (CodecException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("I/O error: " + e.getMessage());
            return 1;
        }
    }

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String m) {
            super(m);
        }
    }

    static int intOpt(String name, String v, int min, int max) throws UsageException {
        try {
            int x = Integer.parseInt(v);
            if (x < min || x > max) {
                throw new UsageException(name + " must be " + min + ".." + max + ", got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number, got '" + v + "'");
        }
    }

    /** A --bpp value: a number in (0, 64]. */
    static double bppOpt(String v) throws UsageException {
        double bpp;
        try {
            bpp = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--bpp needs a number, got '" + v + "'");
        }
        if (!(bpp > 0 && bpp <= 64)) {
            throw new UsageException("--bpp must be in (0, 64], got " + v);
        }
        return bpp;
    }

    private static int decode(String[] args, PrintStream out, PrintStream err)
            throws UsageException, IOException, CodecException {
        int threads = 1;
        String in = null, o = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--threads")) {
                if (++i >= args.length) {
                    throw new UsageException("--threads needs a value");
                }
                threads = intOpt("--threads", args[i], 1, 64);
            } else if (args[i].startsWith("--")) {
                throw new UsageException("unknown option " + args[i]);
            } else if (in == null) {
                in = args[i];
            } else if (o == null) {
                o = args[i];
            } else {
                throw new UsageException("too many arguments");
            }
        }
        if (in == null || o == null) {
            throw new UsageException("decode needs IN.jxs and OUT.raw");
        }
        byte[] data = Files.readAllBytes(Paths.get(in));
        int frames = 0;
        try (JpegXsDecoder dec = new JpegXsDecoder(threads);
                OutputStream os = Files.newOutputStream(Path.of(o))) {
            int p = 0;
            byte[] frame = new byte[0];
            while (p < data.length) {
                Picture pic;
                try {
                    pic = dec.decode(data, p, data.length);
                } catch (CodecException e) {
                    throw new CodecException("frame " + frames + ": " + e.getMessage(), e);
                }
                int size = (int) RawLayout.planarSize(pic);
                if (frame.length != size) {
                    frame = new byte[size];
                }
                RawLayout.writePlanar(pic, frame, 0);
                os.write(frame);
                p += pic.consumed;
                frames++;
            }
        }
        if (frames == 0) {
            err.println("error: " + in + " holds no codestream");
            return 1;
        }
        out.println("decoded " + frames + " frame(s) to " + o);
        return 0;
    }

    private static int info(String[] args, PrintStream out, PrintStream err)
            throws UsageException, IOException, CodecException {
        if (args.length != 2) {
            throw new UsageException("info needs exactly one file");
        }
        byte[] data = Files.readAllBytes(Paths.get(args[1]));
        int p = 0;
        int frame = 0;
        try (JpegXsDecoder dec = new JpegXsDecoder()) {
            while (p < data.length) {
                Picture pic = dec.decode(data, p, data.length);
                Header h = pic.header;
                Geometry g = new Geometry(h);
                out.println("codestream " + frame + " at offset " + p + ", " + pic.consumed + " bytes"
                        + (h.lcod == pic.consumed ? " (= Lcod)" : " (Lcod=" + h.lcod + ")"));
                for (String m : h.markers()) {
                    String[] parts = m.split(" ", 2);
                    out.println("  " + (Integer.parseInt(parts[0]) - p) + " " + parts[1]);
                }
                out.println("  slices=" + g.slices + " precincts=" + g.npy + "x" + g.npx + " bands=" + g.bandsExist
                        + " packets/precinct=" + g.nPackets + " headers=" + (h.longHeaders() ? "long" : "short"));
                out.println("  " + (pic.consumed - 2) + " EOC");
                p += pic.consumed;
                frame++;
            }
        }
        return 0;
    }
}
