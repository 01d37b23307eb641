package org.mcm.codec.jpegxs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.mcm.api.codec.CodecException;

/** The encode command. */
final class Cli {

    private Cli() {
    }

    /** Planar input formats: name -> sampling and depth. */
    static JpegXsEncoder.Config formatConfig(String fmt) throws Main.UsageException {
        JpegXsEncoder.Config c = new JpegXsEncoder.Config();
        String f = fmt.toLowerCase(java.util.Locale.ROOT);
        int depth;
        String base;
        if (f.endsWith("le") && (f.matches(".*p\\d+le"))) {
            int i = f.lastIndexOf('p');
            depth = Integer.parseInt(f.substring(i + 1, f.length() - 2));
            base = f.substring(0, i + 1);
        } else if (f.endsWith("p")) {
            depth = 8;
            base = f;
        } else {
            throw new Main.UsageException("unsupported --format " + fmt);
        }
        c.depth = depth;
        switch (base) {
            case "yuv422p":
                c.sx = new int[] {1, 2, 2};
                c.sy = new int[] {1, 1, 1};
                break;
            case "yuv420p":
                c.sx = new int[] {1, 2, 2};
                c.sy = new int[] {1, 2, 2};
                break;
            case "yuv444p":
            case "gbrp":
                c.sx = new int[] {1, 1, 1};
                c.sy = new int[] {1, 1, 1};
                break;
            case "grayp":
            case "gray":
                c.sx = new int[] {1};
                c.sy = new int[] {1};
                break;
            default:
                throw new Main.UsageException("unsupported --format " + fmt);
        }
        if (depth < 8 || depth > 12) {
            throw new Main.UsageException("unsupported bit depth in --format " + fmt);
        }
        return c;
    }

    static int encode(String[] args, PrintStream out, PrintStream err)
            throws Main.UsageException, IOException, CodecException {
        String in = null, o = null, fmt = null;
        int width = -1, height = -1, frames = -1;
        double bpp = -1;
        int dh = 5, dv = 2, slice = 16, vpred = 0, signs = 0, quant = 0, sigf = 1, threads = 1;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                if (i + 1 >= args.length) {
                    throw new Main.UsageException(a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--width": width = Main.intOpt(a, v, 1, Header.MAX_DIMENSION); break;
                    case "--height": height = Main.intOpt(a, v, 1, Header.MAX_DIMENSION); break;
                    case "--format": fmt = v; break;
                    case "--bpp": bpp = Main.bppOpt(v); break;
                    case "--decomp_h": dh = Main.intOpt(a, v, 1, 5); break;
                    case "--decomp_v": dv = Main.intOpt(a, v, 0, 2); break;
                    case "--slice-height": slice = Main.intOpt(a, v, 1, Header.MAX_DIMENSION); break;
                    case "--coding-vpred": vpred = Main.intOpt(a, v, 0, 2); break;
                    case "--coding-signs": signs = Main.intOpt(a, v, 0, 2); break;
                    case "--quantization": quant = Main.intOpt(a, v, 0, 1); break;
                    case "--coding-sigf": sigf = Main.intOpt(a, v, 0, 1); break;
                    case "--frames": frames = Main.intOpt(a, v, 1, Integer.MAX_VALUE); break;
                    case "--threads": threads = Main.intOpt(a, v, 1, 64); break;
                    default: throw new Main.UsageException("unknown option " + a);
                }
            } else if (in == null) {
                in = a;
            } else if (o == null) {
                o = a;
            } else {
                throw new Main.UsageException("too many arguments");
            }
        }
        if (in == null || o == null || width < 0 || height < 0 || fmt == null || bpp < 0) {
            throw new Main.UsageException("encode needs IN.raw OUT.jxs --width W --height H --format F --bpp B");
        }
        JpegXsEncoder.Config c = formatConfig(fmt);
        c.width = width;
        c.height = height;
        c.bpp = bpp;
        c.decompH = dh;
        c.decompV = dv;
        c.sliceHeight = slice;
        c.signs = signs > 0 ? 1 : 0;
        c.quantization = quant;
        c.significance = sigf != 0;
        c.vpred = vpred;
        c.threads = threads;
        JpegXsEncoder enc = new JpegXsEncoder(c);
        Picture pic = enc.newPicture();
        int frameBytes = (int) RawLayout.planarSize(pic);
        byte[] raw = new byte[frameBytes];
        byte[] cs = new byte[enc.codestreamSize()];
        int n = 0;
        try (enc; InputStream is = Files.newInputStream(Paths.get(in));
                OutputStream os = Files.newOutputStream(Paths.get(o))) {
            while (frames < 0 || n < frames) {
                int got = is.readNBytes(raw, 0, frameBytes);
                if (got == 0) {
                    break;
                }
                if (got < frameBytes) {
                    err.println("warning: ignoring a partial frame of " + got + " bytes at the end of " + in);
                    break;
                }
                RawLayout.readPlanar(raw, 0, pic);
                int len = enc.encode(pic, cs, 0);
                os.write(cs, 0, len);
                n++;
            }
        }
        if (n == 0) {
            err.println("error: " + in + " holds no complete " + width + "x" + height + " " + fmt + " frame");
            return 1;
        }
        out.println("encoded " + n + " frame(s), " + enc.codestreamSize() + " bytes each, to " + o);
        return 0;
    }
}
