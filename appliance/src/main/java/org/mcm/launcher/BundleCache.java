package org.mcm.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * When the Felix bundle cache ({@code <state>/felix-cache}) of the last start may be kept, and what a start with a
 * kept cache puts right so that it means what a start with a fresh cache means.
 *
 * <p>The stamp ({@code <state>/felix-cache.id}, a few lines of text) says what the cache was made from: the launcher
 * and framework jars ({@code lib/*.jar}: paths, sizes, modification times), the feature file (path, size, CRC-32C
 * of its bytes), every feature bundle's path, size and modification time, and the JVM's version. It is written last, after a complete start, and
 * removed before a start that keeps the cache, so a cache of a start that did not get to the end (crash, kill, a
 * bundle that hung) is never reused: that start and any other mismatch (upgraded or rebuilt image, edited feature
 * file, another launcher, moved image) clean the cache as every start did before.
 *
 * <p>With a kept cache, {@link #reconcile} makes the installed set the declared one before the framework starts
 * anything: every feature bundle installed and (persistently) started as the feature says, whatever an operator
 * stopped or uninstalled in the console before the restart; every other bundle uninstalled (those of the deploy
 * folder, which FileInstall then installs and starts from what it finds there, as with a fresh cache; those an
 * operator installed through the console, which a fresh cache would drop too); a feature bundle an operator updated
 * from another jar is installed again from the image.
 */
final class BundleCache {

    /** Bumped when what a kept cache means changes, so older caches are not reused. */
    private static final String FORMAT = "mcm-felix-cache 1";

    private BundleCache() {
    }

    static Path cacheDir(Path stateDir) {
        return stateDir.resolve("felix-cache");
    }

    static Path stampFile(Path stateDir) {
        return stateDir.resolve("felix-cache.id");
    }

    /**
     * The stamp of this image: one line for each input listed in the class comment (plain text an operator can read;
     * no message digest, whose provider set-up would cost the start more than the comparison).
     */
    static String stamp(Path home, Path featureFile, List<Path> bundleJars) throws IOException {
        StringBuilder sb = new StringBuilder(8192);
        sb.append(FORMAT).append('\n');
        sb.append("jvm ").append(System.getProperty("java.vm.vendor")).append(' ')
                .append(System.getProperty("java.vm.version")).append('\n');
        List<Path> lib = new ArrayList<>();
        Path libDir = home.resolve("lib");
        if (Files.isDirectory(libDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(libDir, "*.jar")) {
                ds.forEach(lib::add);
            }
        }
        lib.sort(null);
        for (Path p : lib) {
            file(sb.append("lib "), p);
        }
        byte[] f = Files.readAllBytes(featureFile);
        CRC32C crc = new CRC32C();
        crc.update(f);
        sb.append("feature ").append(featureFile.toAbsolutePath().normalize()).append(' ').append(f.length)
                .append(" crc32c ").append(Long.toHexString(crc.getValue())).append('\n');
        for (Path p : bundleJars) {
            file(sb.append("bundle "), p);
        }
        return sb.toString();
    }

    private static void file(StringBuilder sb, Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        sb.append(p.toAbsolutePath().normalize()).append(' ').append(a.size()).append(' ')
                .append(a.lastModifiedTime().toInstant()).append('\n');
    }

    /**
     * When the cache directory exists and the stamp file holds exactly {@code stamp}: the time the stamp was written
     * (milliseconds since the epoch), else -1.
     */
    static long matches(Path stateDir, String stamp) {
        Path f = stampFile(stateDir);
        try {
            if (Files.isDirectory(cacheDir(stateDir), LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(f)
                    && Files.readString(f, StandardCharsets.UTF_8).equals(stamp)) {
                return Files.getLastModifiedTime(f).toMillis();
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: not reusable
        }
        return -1;
    }

    /** Removes the stamp (before a start that keeps the cache: it is written again only when that start is complete). */
    static void forget(Path stateDir) throws IOException {
        Files.deleteIfExists(stampFile(stateDir));
    }

    /** Writes the stamp after a complete start (atomically: a temporary file moved into place). */
    static void remember(Path stateDir, String stamp) throws IOException {
        Path f = stampFile(stateDir);
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.writeString(tmp, stamp, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * With a kept cache, before the framework starts anything: uninstalls every bundle that is not one of the
     * feature's ({@code featureLocations}): those FileInstall installed from the deploy folder (it installs and
     * starts again what it finds there, as on a start with a fresh cache) and those an operator installed through
     * the console; and every feature bundle modified after the stamp was written ({@code stampTime}: an operator
     * updated it from another jar in the console), so that the caller installs it again from the image. The feature
     * bundles are installed and started by the caller afterwards, as on every start. Returns how many bundles were
     * uninstalled.
     */
    static int reconcile(BundleContext ctx, Set<String> featureLocations, long stampTime) throws BundleException {
        int removed = 0;
        for (Bundle b : ctx.getBundles()) {
            if (b.getBundleId() != 0 && (!featureLocations.contains(b.getLocation()) || b.getLastModified() > stampTime)) {
                b.uninstall();
                removed++;
            }
        }
        return removed;
    }
}
