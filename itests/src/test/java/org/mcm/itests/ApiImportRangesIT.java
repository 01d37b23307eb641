package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.Test;

/**
 * The import ranges bnd derived from the api's {@code @ProviderType}/{@code @ConsumerType} annotations, in the
 * bundles as the image ships them: a bundle that implements a provider type of a package (control: the session
 * manager and the transport context; memif: the app link service) imports it as {@code [1.x,1.x+1)}, every other
 * import of an api package is {@code [1.x,2)}, and 1.x is the version the api bundle exports.
 */
public class ApiImportRangesIT {

    /** bundle -> the api packages it provides (implements a @ProviderType of). */
    static final Map<String, Set<String>> PROVIDERS = new LinkedHashMap<>();

    static {
        PROVIDERS.put("org.mcm.control", Set.of("org.mcm.api.session", "org.mcm.api.transport"));
        PROVIDERS.put("org.mcm.memif", Set.of("org.mcm.api.app"));
        PROVIDERS.put("org.mcm.transport.local", Set.of());
        PROVIDERS.put("org.mcm.transport.st2110", Set.of());
        PROVIDERS.put("org.mcm.transport.rtsp", Set.of());
        PROVIDERS.put("org.mcm.codec.jpegxs", Set.of());
        PROVIDERS.put("org.mcm.console", Set.of());
        PROVIDERS.put("org.mcm.nmos", Set.of());
        PROVIDERS.put("org.mcm.example.transport.file", Set.of());
    }

    static final Pattern CLAUSE = Pattern.compile("(org\\.mcm\\.api\\.[a-z.]+);version=\"([^\"]+)\"");

    @Test
    public void providersImportTheMinorRangeConsumersTheMajorOne() throws IOException {
        Map<String, Map<String, String>> manifests = new TreeMap<>();
        Map<String, String> exported = null;
        List<Path> jars;
        try (Stream<Path> s = Files.walk(Provisioning.image().resolve("system"))) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).toList();
        }
        jars = new java.util.ArrayList<>(jars);
        jars.add(Path.of(System.getProperty("mcm.example.bundle")));
        for (Path jar : jars) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                var attrs = jf.getManifest().getMainAttributes();
                String bsn = attrs.getValue("Bundle-SymbolicName");
                if ("org.mcm.api".equals(bsn)) {
                    exported = versions(attrs.getValue("Export-Package"));
                }
                if (bsn != null && PROVIDERS.containsKey(bsn)) {
                    manifests.put(bsn, versions(attrs.getValue("Import-Package")));
                }
            }
        }
        assertNotNull("the api bundle is in the image", exported);
        assertEquals("every bundle checked was found", new java.util.TreeSet<>(PROVIDERS.keySet()), manifests.keySet());
        for (Map.Entry<String, Map<String, String>> b : manifests.entrySet()) {
            assertFalse(b.getKey() + " imports api packages", b.getValue().isEmpty());
            for (Map.Entry<String, String> imp : b.getValue().entrySet()) {
                String pkg = imp.getKey();
                String v = exported.get(pkg);
                assertNotNull(pkg + " is exported by the api", v);
                String[] mmm = v.split("\\.");
                int major = Integer.parseInt(mmm[0]);
                int minor = Integer.parseInt(mmm[1]);
                boolean provider = PROVIDERS.get(b.getKey()).contains(pkg);
                String expected = provider ? "[" + major + "." + minor + "," + major + "." + (minor + 1) + ")"
                        : "[" + major + "." + minor + "," + (major + 1) + ")";
                assertEquals(b.getKey() + " imports " + pkg + " as a " + (provider ? "provider" : "consumer"), expected,
                        imp.getValue());
            }
            for (String p : PROVIDERS.get(b.getKey())) {
                assertTrue(b.getKey() + " imports " + p, b.getValue().containsKey(p));
            }
        }
    }

    static Map<String, String> versions(String header) {
        Map<String, String> m = new TreeMap<>();
        if (header == null) {
            return m;
        }
        Matcher x = CLAUSE.matcher(header);
        while (x.find()) {
            m.put(x.group(1), x.group(2));
        }
        return m;
    }
}
