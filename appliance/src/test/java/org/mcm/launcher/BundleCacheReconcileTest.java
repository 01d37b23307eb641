package org.mcm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/**
 * What a start with a kept cache uninstalls before anything starts, in a real Felix with a cache on disk: bundles that
 * are not the feature's (deployed or installed through the console) and a feature bundle updated from another jar
 * after the cache was stamped; feature bundles nobody touched stay as they are.
 */
class BundleCacheReconcileTest {

    @TempDir
    Path dir;

    private static byte[] bundle(String name, String version) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, name);
        a.putValue(Constants.BUNDLE_VERSION, version);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(b, mf)) {
            out.flush();
        }
        return b.toByteArray();
    }

    private Framework felix(boolean clean) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, dir.resolve("cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, clean ? Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT : "none");
        Framework fw = new org.apache.felix.framework.Felix(config);
        fw.init();
        return fw;
    }

    @Test
    void onlyTheFeatureBundlesAsTheImageHasThemStay() throws Exception {
        Path a = Files.write(dir.resolve("a.jar"), bundle("test.a", "1.0.0"));
        Path b = Files.write(dir.resolve("b.jar"), bundle("test.b", "1.0.0"));
        Path deployed = Files.write(dir.resolve("deployed.jar"), bundle("test.deployed", "1.0.0"));
        String locA = Main.location(a);
        String locB = Main.location(b);

        Framework fw = felix(true);
        BundleContext ctx = fw.getBundleContext();
        long idA = ctx.installBundle(locA).getBundleId();
        ctx.installBundle(locB);
        ctx.installBundle(deployed.toUri().toString());
        ctx.installBundle("console-upload", new ByteArrayInputStream(bundle("test.console", "1.0.0")));
        fw.start();
        Thread.sleep(20); // the stamp is written after the start, later than any install's time stamp
        long stampTime = System.currentTimeMillis();
        Thread.sleep(20);
        // after the stamp: an operator updates b from another jar
        ctx.getBundle(locB).update(new ByteArrayInputStream(bundle("test.b", "1.0.0.operator")));
        fw.stop();
        fw.waitForStop(10_000);

        fw = felix(false);
        try {
            ctx = fw.getBundleContext();
            assertEquals(5, ctx.getBundles().length, "the kept cache holds them all");
            int removed = BundleCache.reconcile(ctx, Set.of(locA, locB), stampTime);
            assertEquals(3, removed);
            assertNotNull(ctx.getBundle(locA));
            assertEquals(idA, ctx.getBundle(locA).getBundleId(), "untouched: the same bundle");
            assertNull(ctx.getBundle(locB), "updated after the stamp: installed again from the image by the caller");
            assertNull(ctx.getBundle(deployed.toUri().toString()), "FileInstall installs it again if still there");
            assertNull(ctx.getBundle("console-upload"));
            assertEquals("1.0.0", ctx.installBundle(locB).getVersion().toString(), "the image's jar again");
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }
}
