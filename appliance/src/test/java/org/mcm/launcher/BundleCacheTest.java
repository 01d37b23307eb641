package org.mcm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle cache's stamp: which image a cache was made from. Anything that changes what the cache holds (a bundle
 * jar, the feature file, the launcher or framework jars, the image's place) changes the stamp; the stamp counts only
 * when it was written (after a complete start) and the cache is there.
 */
class BundleCacheTest {

    @TempDir
    Path home;
    private Path feature;
    private List<Path> jars;
    private Path state;

    @BeforeEach
    void image() throws IOException {
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/launcher.jar"), "launcher v1");
        Files.createDirectories(home.resolve("features"));
        feature = Files.writeString(home.resolve("features/appliance.json"), "{\"bundles\":[\"a:b:1\"]}");
        Files.createDirectories(home.resolve("system"));
        jars = List.of(Files.writeString(home.resolve("system/a.jar"), "bundle a"),
                Files.writeString(home.resolve("system/b.jar"), "bundle b"));
        state = home.resolve("var");
    }

    private String stamp() throws IOException {
        return BundleCache.stamp(home, feature, jars);
    }

    @Test
    void sameImageSameStamp() throws IOException {
        assertEquals(stamp(), stamp());
        assertTrue(stamp().contains(jars.get(0).toString()), stamp());
    }

    @Test
    void aChangedBundleJarChangesIt() throws IOException {
        String before = stamp();
        FileTime t = Files.getLastModifiedTime(jars.get(1));
        Files.writeString(jars.get(1), "bundle B"); // same size
        Files.setLastModifiedTime(jars.get(1), t);
        assertEquals(before, stamp(), "size and time unchanged: the stamp cannot see it (documented limit)");
        Files.setLastModifiedTime(jars.get(1), FileTime.from(t.toInstant().plusMillis(1)));
        assertNotEquals(before, stamp(), "a new modification time");
        String timed = stamp();
        Files.writeString(jars.get(1), "bundle b, longer");
        Files.setLastModifiedTime(jars.get(1), FileTime.from(t.toInstant().plusMillis(1)));
        assertNotEquals(timed, stamp(), "a new size");
    }

    @Test
    void theFeatureFileLauncherAndPlaceCount() throws IOException {
        String before = stamp();
        FileTime t = Files.getLastModifiedTime(feature);
        Files.writeString(feature, "{\"bundles\":[\"a:c:1\"]}");
        Files.setLastModifiedTime(feature, t);
        String edited = stamp();
        assertNotEquals(before, edited, "the feature file's content counts, not its time");

        Files.writeString(home.resolve("lib/launcher.jar"), "launcher v2, rebuilt");
        String launcher = stamp();
        assertNotEquals(edited, launcher);
        Files.writeString(home.resolve("lib/extra.jar"), "x");
        assertNotEquals(launcher, stamp(), "a jar more on the launcher's class path");

        assertNotEquals(stamp(), BundleCache.stamp(home, feature, List.of(jars.get(0))), "a bundle fewer");
        assertNotEquals(stamp(), BundleCache.stamp(home, feature, List.of(jars.get(1), jars.get(0))), "another order");
    }

    @Test
    void onlyAStampWrittenAfterACompleteStartWithItsCacheCounts() throws IOException {
        String s = stamp();
        assertEquals(-1, BundleCache.matches(state, s), "nothing written yet");
        Files.createDirectories(state);
        BundleCache.remember(state, s);
        assertEquals(-1, BundleCache.matches(state, s), "no cache directory");
        Files.createDirectories(BundleCache.cacheDir(state));
        long t = BundleCache.matches(state, s);
        assertTrue(t > Instant.now().minusSeconds(60).toEpochMilli(), "the stamp's time: " + t);
        assertEquals(-1, BundleCache.matches(state, s.replace("a.jar", "c.jar")), "another image");
        assertEquals(-1, BundleCache.matches(state, s + "bundle /x.jar 1 2026-01-01T00:00:00Z\n"), "a bundle more");

        BundleCache.forget(state); // a start that keeps the cache removes it until it completes
        assertEquals(-1, BundleCache.matches(state, s), "a start that did not complete leaves no stamp");
        assertFalse(Files.exists(BundleCache.stampFile(state)));
        Files.writeString(BundleCache.stampFile(state), "garbage");
        assertEquals(-1, BundleCache.matches(state, s));
    }
}
