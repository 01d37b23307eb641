package org.mcm.codec.jpegxs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The reference vectors in shared/testdata/jpegxs (never copied into the project). */
final class TestData {

    private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");

    static final class Case {
        String name, pixFmt, options;
        int width, height, depth, frames;
        double bpp, psnr;
        String md5Src, md5Jxs, md5Dec;

        @Override
        public String toString() {
            return name;
        }
    }

    private TestData() {
    }

    static Path dir() {
        String p = System.getProperty("jpegxs.testdata");
        List<Path> candidates = new ArrayList<>();
        if (p != null && !p.isEmpty()) {
            candidates.add(Paths.get(p));
        }
        candidates.add(Paths.get("../../../shared/testdata/jpegxs"));
        candidates.add(Paths.get("/work/shared/testdata/jpegxs"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve("MANIFEST.tsv"))) {
                return c.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("JPEG XS test vectors not found (tried " + candidates
                + "); set -Djpegxs.testdata=<dir>");
    }

    /**
     * MANIFEST.tsv rows. Rows without encoder options have that column left out (and the PSNR repeated), so the
     * md5 columns are located by their shape.
     */
    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(dir().resolve("MANIFEST.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            Case c = new Case();
            c.name = f[0];
            c.width = Integer.parseInt(f[1]);
            c.height = Integer.parseInt(f[2]);
            c.pixFmt = f[3];
            c.depth = Integer.parseInt(f[4]);
            c.bpp = Double.parseDouble(f[5]);
            c.frames = Integer.parseInt(f[6]);
            int i = 7;
            StringBuilder opts = new StringBuilder();
            while (i < f.length && !MD5.matcher(f[i]).matches()) {
                opts.append(opts.length() > 0 ? " " : "").append(f[i]);
                i++;
            }
            c.options = opts.toString().trim();
            c.md5Src = f[i];
            c.md5Jxs = f[i + 1];
            c.md5Dec = f[i + 2];
            c.psnr = Double.parseDouble(f[i + 3]);
            out.add(c);
        }
        return out;
    }

    static byte[] read(String file) throws IOException {
        return Files.readAllBytes(dir().resolve(file));
    }

    static String md5(byte[] data) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest(data);
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
