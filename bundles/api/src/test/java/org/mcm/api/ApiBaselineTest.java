package org.mcm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.annotation.versioning.ProviderType;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.Baseline.Info;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;
import aQute.bnd.service.diff.Delta;

/**
 * The API contract is enforced: the same bnd baseline engine the build runs (bnd-baseline-maven-plugin) is applied
 * to copies of this API with deliberate changes, compiled here, against the released API in bundles/api-baseline.
 * Incompatible changes without a major version, and additions without a minor one, are reported as mismatches (the
 * plugin fails the build on any mismatch); compatible changes with the right version step pass.
 */
class ApiBaselineTest {

    static final Path API = Path.of("src/main/java");
    static final Path RELEASED = Path.of("../api-baseline/src/main/java");
    static final String SM = "org/mcm/api/session/SessionManager.java";
    static final String SESSION_PKG = "org/mcm/api/session/package-info.java";
    static final String TRANSPORT = "org/mcm/api/transport/Transport.java";
    static final String TRANSPORT_PKG = "org/mcm/api/transport/package-info.java";
    static final String INFO = "org/mcm/api/session/SessionInfo.java";

    static Jar released;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void buildReleased() throws Exception {
        released = bundle(RELEASED, Map.of(), "1.0.0", "released");
    }

    @Test
    void thisApiMatchesTheReleasedOneOrDeclaresItsChanges() throws Exception {
        // the same check as the build's: every package and the bundle version are consistent with the baseline
        Result r = baseline(bundle(API, Map.of(), apiBundleVersion(), "current"));
        assertTrue(r.mismatches().isEmpty(), "mismatches: " + r.mismatches());
        assertFalse(r.bundleMismatch, "bundle version mismatch");
    }

    @Test
    void removingAMethodWithoutAMajorVersionFails() throws Exception {
        Result r = baseline(bundle(RELEASED, Map.of(SM, new String[] {"    List<TransportInfo> transports();\n", ""}),
                "1.0.0", "removed"));
        Info s = r.info("org.mcm.api.session");
        assertTrue(s.mismatch, "removal must be a mismatch");
        assertEquals(Delta.MAJOR, s.packageDiff.getDelta());
        assertEquals("2.0.0", s.suggestedVersion.toString());
        assertTrue(r.bundleMismatch, "the bundle version must grow too");
    }

    @Test
    void anAbstractMethodOnAConsumerTypeIsMajorEvenWithAMinorBump() throws Exception {
        // Transport is implemented by transport bundles: a new abstract method breaks every one of them
        Result r = baseline(bundle(RELEASED, Map.of(
                TRANSPORT, new String[] {"    String description();\n", "    String description();\n\n    int maxSessions();\n"},
                TRANSPORT_PKG, new String[] {"Version(\"1.2.0\")", "Version(\"1.3.0\")"}), "1.1.0", "consumer"));
        Info t = r.info("org.mcm.api.transport");
        assertTrue(t.mismatch, "a new abstract method on a @ConsumerType needs 2.0.0");
        assertEquals(Delta.MAJOR, t.packageDiff.getDelta());
        assertEquals("2.0.0", t.suggestedVersion.toString());
    }

    @Test
    void aDefaultMethodOnAConsumerTypeIsMinor() throws Exception {
        Result r = baseline(bundle(RELEASED, Map.of(
                TRANSPORT, new String[] {"    String description();\n",
                        "    String description();\n\n    default int maxSessions() {\n        return 0;\n    }\n"},
                TRANSPORT_PKG, new String[] {"Version(\"1.2.0\")", "Version(\"1.3.0\")"}), "1.1.0", "default"));
        assertTrue(r.mismatches().isEmpty(), "mismatches: " + r.mismatches());
        assertFalse(r.bundleMismatch);
    }

    @Test
    void aMethodOnAProviderTypeIsMinorButMustBeDeclared() throws Exception {
        String[] add = {"    List<TransportInfo> transports();\n", "    List<TransportInfo> transports();\n\n    int sessionCount();\n"};
        // declared: session 1.3.0, bundle 1.1.0: passes (only the control bundle implements SessionManager)
        Result ok = baseline(bundle(RELEASED, Map.of(SM, add, SESSION_PKG, new String[] {"Version(\"1.2.0\")", "Version(\"1.3.0\")"}),
                "1.1.0", "provider-ok"));
        assertTrue(ok.mismatches().isEmpty(), "mismatches: " + ok.mismatches());
        assertFalse(ok.bundleMismatch);
        // not declared: the package version must go to 1.3.0 and the bundle's to 1.1.0
        Result missing = baseline(bundle(RELEASED, Map.of(SM, add), "1.0.0", "provider-undeclared"));
        Info s = missing.info("org.mcm.api.session");
        assertTrue(s.mismatch);
        assertEquals(Delta.MINOR, s.packageDiff.getDelta());
        assertEquals("1.3.0", s.suggestedVersion.toString());
        assertTrue(missing.bundleMismatch);
    }

    @Test
    void aRecordComponentNeedsItsCompatibilityConstructor() throws Exception {
        String[] component = {"Map<String, Long> stats, String description) {", "Map<String, Long> stats, String description, String node) {"};
        String[] bump = {"Version(\"1.2.0\")", "Version(\"1.3.0\")"};
        Result broken = baseline(bundle(RELEASED, Map.of(INFO, component, SESSION_PKG, bump), "1.1.0", "record-broken"));
        Info s = broken.info("org.mcm.api.session");
        assertTrue(s.mismatch, "the old canonical constructor is gone: major");
        assertEquals(Delta.MAJOR, s.packageDiff.getDelta());

        // the package rule: keep the previous canonical constructor
        String[] compat = {"    public SessionInfo {", "    public SessionInfo(long id, String owner, ConnectionSpec spec, SessionState state, String reason,\n"
                + "            Instant created, Map<String, Long> stats, String description) {\n"
                + "        this(id, owner, spec, state, reason, created, stats, description, null);\n    }\n\n    public SessionInfo {"};
        Result kept = baseline(bundle(RELEASED, Map.of(INFO, new String[][] {component, compat}, SESSION_PKG, bump),
                "1.1.0", "record-compat"));
        assertTrue(kept.mismatches().isEmpty(), "mismatches: " + kept.mismatches());
    }

    // ---- the machinery: copy + edit the sources, compile them, make the bundle with bnd, baseline it ----

    record Result(List<Info> infos, boolean bundleMismatch) {
        List<String> mismatches() {
            return infos.stream().filter(i -> i.mismatch)
                    .map(i -> i.packageName + " " + i.packageDiff.getDelta() + " " + i.newerVersion + " suggest " + i.suggestedVersion)
                    .collect(Collectors.toList());
        }

        Info info(String pkg) {
            return infos.stream().filter(i -> i.packageName.equals(pkg)).findFirst().orElseThrow();
        }
    }

    static Result baseline(Jar newer) throws Exception {
        try (Processor p = new Processor()) {
            Baseline b = new Baseline(p, new DiffPluginImpl());
            Set<Info> infos = b.baseline(newer, released, null);
            return new Result(new ArrayList<>(infos), b.getBundleInfo().mismatch);
        }
    }

    static String apiBundleVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        int a = pom.indexOf("<api.bundle.version>") + "<api.bundle.version>".length();
        return pom.substring(a, pom.indexOf('<', a)).trim();
    }

    /** edits: file -> {find, replace} or {{find, replace}, ...}; every edit must apply exactly once. */
    static Jar bundle(Path src, Map<String, ?> edits, String bundleVersion, String name) throws Exception {
        Path dir = tmp.resolve(name);
        Path srcOut = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(src)) {
            for (Path f : (Iterable<Path>) all.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String rel = src.relativize(f).toString();
                String text = Files.readString(f);
                Object e = edits.get(rel);
                if (e != null) {
                    String[][] list = e instanceof String[][] l ? l : new String[][] {(String[]) e};
                    for (String[] fr : list) {
                        assertEquals(1, count(text, fr[0]), rel + ": the edit's anchor must occur once: " + fr[0]);
                        text = text.replace(fr[0], fr[1]);
                    }
                }
                Path out = srcOut.resolve(rel);
                Files.createDirectories(out.getParent());
                Files.writeString(out, text);
                files.add(out);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-cp", annotationJar(), "-nowarn"));
        StringWriter errors = new StringWriter();
        int rc;
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            rc = javac.getTask(errors, fm, null, args, null, fm.getJavaFileObjectsFromPaths(files)).call() ? 0 : 1;
        }
        assertEquals(0, rc, "compiling " + name + ": " + errors);
        Builder b = new Builder();
        b.setProperty("Bundle-SymbolicName", "org.mcm.api");
        b.setProperty("Bundle-Version", bundleVersion);
        b.setProperty("-includepackage", "org.mcm.api.*");
        b.addClasspath(classes.toFile());
        Jar jar = b.build();
        assertTrue(b.getErrors().isEmpty(), "bnd: " + b.getErrors());
        assertNotEquals(null, jar.getManifest().getMainAttributes().getValue("Export-Package"));
        return jar;
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    static String annotationJar() throws URISyntaxException {
        return Path.of(ProviderType.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
