package org.mcm.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.mcm.launcher.FeatureFile;
import org.ops4j.pax.exam.Option;

/**
 * Pax Exam provisioning taken from the appliance feature (the same file the image's launcher reads): every
 * bundle at its start order, plus the test-support bundle. Ports are free ones chosen per run.
 */
public final class Provisioning {

    private Provisioning() {
    }

    public static Path image() {
        return Path.of(System.getProperty("mcm.image", "../appliance/target/media-proxy"));
    }

    public static Option[] appliance() {
        try {
            Path image = image();
            FeatureFile feature = FeatureFile.read(image.resolve("features/appliance.json"));
            List<Option> opts = new ArrayList<>();
            for (FeatureFile.BundleRef b : feature.bundles()) {
                Path jar = image.resolve("system").resolve(b.mavenPath());
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException("feature bundle missing from the image: " + jar);
                }
                boolean fragment;
                try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
                    fragment = jf.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
                }
                opts.add(bundle(jar.toUri().toString()).startLevel(Math.max(1, b.startOrder())).start(!fragment));
            }
            opts.add(bundle(Path.of(System.getProperty("mcm.support.bundle")).toUri().toString()).startLevel(feature.maxStartOrder()).start());
            Path tmp = Files.createTempDirectory("mcm-itest");
            Files.createDirectories(tmp.resolve("deploy"));
            opts.add(frameworkProperty("mcm.sdk.port").value(Integer.toString(freePort())));
            opts.add(frameworkProperty("mcm.grpc.port").value(Integer.toString(freePort())));
            opts.add(frameworkProperty("org.osgi.service.http.port").value(Integer.toString(freePort())));
            opts.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
            opts.add(frameworkProperty("felix.cm.dir").value(tmp.resolve("cm").toString()));
            opts.add(frameworkProperty("mcm.memif.dir").value(tmp.resolve("memif").toString()));
            opts.add(frameworkProperty("felix.fileinstall.dir").value(tmp.resolve("deploy").toString()));
            opts.add(frameworkProperty("felix.fileinstall.poll").value("500"));
            opts.add(frameworkProperty("org.osgi.framework.bootdelegation").value("sun.*,com.sun.*,jdk.internal.*"));
            feature.frameworkProperties().forEach((k, v) -> opts.add(frameworkProperty(k).value(v)));
            opts.add(systemProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty").value("warn"));
            // as the launcher (LogLines): the bundles' SLF4J 2 loads slf4j-simple directly (the test JVM's own
            // SLF4J 1.7 ignores these)
            opts.add(systemProperty("slf4j.provider").value("org.slf4j.simple.SimpleServiceProvider"));
            opts.add(systemProperty("slf4j.internal.verbosity").value("WARN"));
            opts.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"));
            opts.add(frameworkStartLevel(20));
            opts.add(junitBundles());
            // Awaitility (the tests' readiness polls, Polls) and the Hamcrest 2 it imports, from the test class path
            opts.add(bundle(jarOf(org.hamcrest.collection.ArrayMatching.class)).startLevel(1).start());
            opts.add(bundle(jarOf(org.awaitility.Awaitility.class)).startLevel(1).start());
            opts.add(cleanCaches());
            return opts.toArray(new Option[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String jarOf(Class<?> c) {
        try {
            return c.getProtectionDomain().getCodeSource().getLocation().toURI().toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
