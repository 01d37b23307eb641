package org.mcm.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** Builds the test transport bundle from the compiled test classes. */
public final class TestBundles {

    private static final String PKG = "org/mcm/itests/testtransport/";

    private TestBundles() {
    }

    public static Path testClasses() {
        return Path.of(System.getProperty("mcm.test.classes", "target/test-classes"));
    }

    /** A bundle registering a test transport for {@code protocol}; symbolic name org.mcm.itests.transport.&lt;protocol&gt;. */
    public static Path transportBundle(String protocol, Path dir) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "org.mcm.itests.transport." + protocol);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Bundle-Activator", "org.mcm.itests.testtransport.Activator");
        a.putValue("Import-Package", "org.mcm.api.connection;version=\"[1.0,2)\",org.mcm.api.frame;version=\"[1.0,2)\","
                + "org.mcm.api.transport;version=\"[1.0,2)\",org.osgi.framework");
        a.putValue("MCM-Test-Protocol", protocol);
        Path jar = dir.resolve("test-transport-" + protocol + ".jar");
        Path classes = testClasses().resolve(PKG);
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf);
                Stream<Path> files = Files.list(classes)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                out.putNextEntry(new JarEntry(PKG + p.getFileName()));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A copy of a bundle jar with another Bundle-Version (a "new release" of it for update tests). */
    public static void withVersion(Path jar, String version, Path out) throws IOException {
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(jar))) {
            Manifest mf = new Manifest(in.getManifest());
            mf.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(out), mf)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    o.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(o);
                    o.closeEntry();
                }
            }
        }
    }
}
