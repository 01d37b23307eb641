package org.mcm.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The .deb as an operator installs it, but into a throwaway root: {@code dpkg --root} with
 * {@code --force-script-chrootless}, so the maintainer scripts run here with {@code DPKG_ROOT} set and must keep
 * every change under it (the machine's own users, /opt, /etc and dpkg log are checked unchanged). The installed
 * service command (the unit's ExecStart, re-rooted) runs as the service user on loopback ports; then the package is
 * purged and nothing of it may remain.
 */
class DebPackageIT {

    private static final String PKG = "mcm-media-proxy";
    private static final List<String> HOST_FILES = List.of("/etc/passwd", "/etc/group", "/etc/shadow");

    private Path deb;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        String prop = System.getProperty("mcm.deb");
        assertNotNull(prop, "the build passes the .deb path (mcm.deb)");
        deb = Path.of(prop);
        assertTrue(Files.isRegularFile(deb), "package built: " + deb);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (root != null) {
            try (Stream<Path> all = Files.walk(root)) {
                all.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void packageMetadataAndContents() throws Exception {
        assumeTrue(onPath("dpkg-deb"), "dpkg-deb not installed");
        String info = run(List.of("dpkg-deb", "--info", deb.toString()), 0);
        assertTrue(info.contains("Package: " + PKG), info);
        assertTrue(info.contains("Architecture: amd64"), info);
        assertTrue(info.contains("Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless"), info);
        for (String script : new String[] {"postinst", "prerm", "postrm", "conffiles"}) {
            assertTrue(info.matches("(?s).*\\b\\d+ bytes,\\s+\\d+ lines\\s+\\*?\\s*" + script + "\\b.*"), script + " in " + info);
        }
        assertFalse(run(List.of("dpkg-deb", "--field", deb.toString(), "Version"), 0).isBlank());
        assertEquals("/etc/default/" + PKG, run(List.of("dpkg-deb", "--info", deb.toString(), "conffiles"), 0).trim());
        for (String script : new String[] {"postinst", "prerm", "postrm"}) {
            String text = run(List.of("dpkg-deb", "--info", deb.toString(), script), 0);
            assertTrue(text.startsWith("#!/bin/sh\n"), script);
            assertTrue(text.contains("\nset -e\n"), script + " uses set -e");
            if (onPath("sh")) {
                Path f = Files.createTempFile("mcm-" + script, ".sh");
                try {
                    Files.writeString(f, text);
                    run(List.of("sh", "-n", f.toString()), 0); // syntax
                } finally {
                    Files.delete(f);
                }
            }
        }

        String contents = run(List.of("dpkg-deb", "--contents", deb.toString()), 0);
        List<String> lines = contents.lines().collect(Collectors.toList());
        Set<String> paths = lines.stream().map(l -> l.substring(l.lastIndexOf(" ./") + 1)).collect(Collectors.toSet());
        for (String p : new String[] {"./opt/mcm-media-proxy/bin/media_proxy", "./opt/mcm-media-proxy/bin/mcm-sender",
                "./opt/mcm-media-proxy/bin/mcm-receiver", "./opt/mcm-media-proxy/features/appliance.json",
                "./lib/systemd/system/mcm-media-proxy.service", "./etc/default/mcm-media-proxy", "./etc/mcm-media-proxy/",
                "./var/lib/mcm-media-proxy/", "./var/lib/mcm-media-proxy/deploy/", "./usr/share/doc/mcm-media-proxy/copyright",
                "./usr/lib/sysctl.d/60-mcm-media-proxy.conf"}) {
            assertTrue(paths.contains(p), p + " in the package");
        }
        assertTrue(paths.stream().anyMatch(p -> p.matches("\\./opt/mcm-media-proxy/lib/mcm-appliance-.*\\.jar")), "the launcher jar");
        assertTrue(paths.stream().anyMatch(p -> p.startsWith("./opt/mcm-media-proxy/system/") && p.endsWith(".jar")), "the bundles");
        assertFalse(paths.stream().anyMatch(p -> p.matches("\\./opt/mcm-media-proxy/(var|conf|deploy)/.*")), "no runtime state in the image");
        for (String l : lines) {
            assertTrue(l.contains(" root/root "), "owned by root: " + l);
            if (l.contains("./opt/mcm-media-proxy/bin/") && !l.endsWith("/")) {
                assertTrue(l.startsWith("-rwxr-xr-x"), "executable: " + l);
            }
        }

        String unit = run(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xOf - ./lib/systemd/system/mcm-media-proxy.service", "sh",
                deb.toString()), 0);
        for (String line : new String[] {"Type=simple", "User=mcm", "RuntimeDirectory=mcm", "Restart=on-failure",
                "EnvironmentFile=-/etc/default/mcm-media-proxy", "WantedBy=multi-user.target"}) {
            assertTrue(unit.lines().anyMatch(line::equals), line + " in the unit:\n" + unit);
        }
        assertFalse(unit.contains("AmbientCapabilities"), "no capabilities needed");

        // without capabilities a receiver's buffer is capped at net.core.rmem_max: the package raises it to 64 MiB
        // (twice socketBuffer's default of 32 MiB, so receivers get what they ask for) at boot and, only upwards, at install
        String sysctl = run(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xOf - ./usr/lib/sysctl.d/60-mcm-media-proxy.conf",
                "sh", deb.toString()), 0);
        List<String> settings = sysctl.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).collect(Collectors.toList());
        assertEquals(List.of("net.core.rmem_max = 67108864", "net.core.wmem_max = 67108864"), settings, sysctl);
        String postinst = run(List.of("sh", "-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -xOf - ./postinst", "sh", deb.toString()), 0);
        assertEquals(List.of("-w net.core.rmem_max=67108864", "-w net.core.wmem_max=67108864"), raisedBy(postinst, "212992"),
                "Debian's defaults are raised");
        assertEquals(List.of(), raisedBy(postinst, "134217728"), "a host tuned higher keeps its values");
        assertEquals(List.of(), raisedBy(postinst, "67108864"), "nothing to do");
        assertEquals(List.of(), raisedBy(postinst, ""), "no sysctl, or a container that may not read them: nothing");

        if (onPath("systemd-analyze") && Files.isDirectory(Path.of("/usr/lib/systemd/system"))) {
            // systemd's own check of the unit, on the unpacked package plus this machine's system units (for the
            // targets it refers to): unknown keys, bad values, a non-executable ExecStart all print and fail here
            Path unpacked = Files.createTempDirectory("mcmunit");
            try {
                run(List.of("dpkg-deb", "-x", deb.toString(), unpacked.toString()), 0);
                Files.createDirectories(unpacked.resolve("usr/lib/systemd"));
                run(List.of("cp", "-r", "/usr/lib/systemd/system", unpacked.resolve("usr/lib/systemd").toString()), 0);
                String verify = run(List.of("systemd-analyze", "verify", "--root=" + unpacked, PKG + ".service"), 0);
                assertEquals("", verify.strip(), "systemd-analyze verify of the unit");
            } finally {
                run(List.of("rm", "-rf", unpacked.toString()), 0);
            }
        }

        if (onPath("lintian")) {
            // optional (lintian is not a build requirement). Errors expected of a vendor package built outside a
            // Debian source tree are tolerated: it lives in /opt (as intended), no Debian changelog, a placeholder
            // maintainer address (set -Ddeb.maintainer=...). Any other error fails.
            Process p = new ProcessBuilder("lintian", "--tag-display-limit", "0", deb.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "lintian ended in time");
            Set<String> tolerated = Set.of("dir-or-file-in-opt", "no-changelog", "bogus-mail-host");
            List<String> errors = out.lines().filter(l -> l.startsWith("E: ")).filter(l -> tolerated.stream().noneMatch(t -> l.contains(": " + t)))
                    .collect(Collectors.toList());
            out.lines().filter(l -> !l.contains("dir-or-file-in-opt") && !l.contains("jar-not-in-usr-share")).forEach(l -> System.out.println("lintian: " + l));
            assertEquals(List.of(), errors, "lintian errors");
        }
    }

    @Test
    void installsIntoAThrowawayRootRunsAndPurgesCleanly() throws Exception {
        assumeTrue(onPath("dpkg") && onPath("useradd"), "dpkg/useradd not installed");
        assumeTrue("0".equals(run(List.of("id", "-u"), 0).trim()), "installing with dpkg needs root (CI runs as root)");
        assumeTrue(run(List.of("dpkg", "--force-help"), 0).contains("script-chrootless"), "dpkg without script-chrootless");

        List<String> hostBefore = hostState();
        root = Files.createTempDirectory("mcmdeb");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x")); // the service user walks it
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(root.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.writeString(root.resolve("etc/gshadow"), "root:*::\n");
        for (String d : new String[] {"info", "updates", "triggers"}) {
            Files.createDirectories(root.resolve("var/lib/dpkg").resolve(d));
        }
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        Files.createDirectories(root.resolve("var/log"));
        Set<String> pristine = tree(root);

        String install = dpkg("--force-depends", "-i", deb.toString()); // no JRE package in the empty root
        assertTrue(install.contains("Setting up " + PKG), install);

        // the service user, in the root's user database only
        String passwd = Files.readString(root.resolve("etc/passwd"));
        Matcher m = Pattern.compile("(?m)^mcm:x:(\\d+):(\\d+):[^:]*:/var/lib/mcm-media-proxy:/usr/sbin/nologin$").matcher(passwd);
        assertTrue(m.find(), "system user mcm:\n" + passwd);
        int uid = Integer.parseInt(m.group(1));
        int gid = Integer.parseInt(m.group(2));
        assertTrue(uid > 0 && uid < 1000, "a system uid: " + uid);
        assertTrue(Files.readString(root.resolve("etc/group")).contains("mcm:x:" + gid + ":"));
        for (String d : new String[] {"etc/mcm-media-proxy", "var/lib/mcm-media-proxy", "var/lib/mcm-media-proxy/deploy"}) {
            Path p = root.resolve(d);
            assertEquals(uid, Files.getAttribute(p, "unix:uid"), d + " owned by mcm");
            assertFalse(Files.getPosixFilePermissions(p).toString().contains("OTHERS"), d + " closed to others");
        }
        assertEquals(hostBefore, hostState(), "the machine's own users, /opt and /etc are untouched");

        // the service's command line, as systemd would run it (but re-rooted, on free loopback ports)
        Path unit = root.resolve("lib/systemd/system/mcm-media-proxy.service");
        String execStart = Files.readString(unit).lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow().substring(10);
        String opts = defaultsValue("MEDIA_PROXY_OPTS");
        List<String> cmd = new ArrayList<>();
        for (String w : execStart.replace("$MEDIA_PROXY_OPTS", opts).trim().split("\\s+")) {
            cmd.add(reroot(w));
        }
        assertTrue(cmd.get(0).endsWith("/opt/mcm-media-proxy/bin/media_proxy"), cmd.get(0));
        int grpc = freePort();
        int tcp = freePort();
        int console = freePort();
        Collections.addAll(cmd, "-g", Integer.toString(grpc), "-t", Integer.toString(tcp), "--console-port", Integer.toString(console));
        // what systemd does for RuntimeDirectory=mcm, RuntimeDirectoryMode=2770 (setgid kept aside), User=mcm, UMask=0007
        Path runDir = Files.createDirectories(root.resolve("run/mcm"));
        Files.setAttribute(runDir, "unix:uid", uid);
        Files.setAttribute(runDir, "unix:gid", gid);
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxrwx---"));
        List<String> full = new ArrayList<>();
        if (onPath("setpriv")) {
            Collections.addAll(full, "setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups");
        }
        Collections.addAll(full, "sh", "-c", "umask 0007; exec \"$@\"", "sh");
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("MCM_JAVA_OPTS", defaultsValue("MCM_JAVA_OPTS"));
        pb.environment().remove("MCM_STATE_DIR");
        // twice: the first start makes the bundle cache, the second (as after a service restart) keeps it
        String started = null;
        for (int start = 1; start <= 2; start++) {
            Process proxy = pb.start();
            List<String> out = pump(proxy.getInputStream());
            List<String> err = pump(proxy.getErrorStream());
            try {
                awaitLine(proxy, out, err, "INFO: gRPC Server listening on 0.0.0.0:" + grpc);
                awaitLine(proxy, out, err, "INFO: TCP Server listening on 0.0.0.0:" + tcp);
                awaitLine(proxy, out, err, "INFO: media proxy started:");
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", tcp), 2000); // the SDK port accepts
                }
                assertTrue(answersHttp2(grpc), "the gRPC port speaks HTTP/2");
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + console + "/system/console").toURL().openConnection();
                c.setInstanceFollowRedirects(false);
                int code = c.getResponseCode();
                assertTrue(code == 401 || code == 302, "console answers (needs login): " + code);
                // state and config in the FHS places, written by the service user; nothing under /opt
                assertTrue(Files.isDirectory(root.resolve("var/lib/mcm-media-proxy/felix-cache")), "bundle cache in /var/lib");
                assertEquals(uid, Files.getAttribute(root.resolve("var/lib/mcm-media-proxy/felix-cache"), "unix:uid"));
                assertTrue(Files.isRegularFile(root.resolve("etc/mcm-media-proxy/console.properties")), "credentials in /etc/mcm-media-proxy");
                assertFalse(Files.exists(root.resolve("opt/mcm-media-proxy/var")), "no state under /opt");
                Path stamp = root.resolve("var/lib/mcm-media-proxy/felix-cache.id");
                awaitFile(stamp); // written once the start is complete: the next start may keep the cache
                assertEquals(uid, Files.getAttribute(stamp, "unix:uid"));
                String line = out.stream().filter(l -> l.startsWith("INFO: media proxy started:")).findFirst().orElseThrow();
                String bundles = line.replaceAll(".*started: (\\d+ bundles, start level \\d+).*", "$1");
                if (started != null) {
                    assertEquals(started, bundles, "the restart with the kept cache runs the same set");
                }
                started = bundles;
            } finally {
                proxy.destroy(); // SIGTERM, as systemctl stop
                if (!proxy.waitFor(25, TimeUnit.SECONDS)) {
                    proxy.destroyForcibly();
                    fail("the proxy did not stop within 25 s of SIGTERM; stdout " + out + " stderr " + err);
                }
            }
            int rc = proxy.exitValue();
            assertTrue(rc == 0 || rc == 143, "a clean stop (0, or 143 = SuccessExitStatus): " + rc + " " + err);
        }
        deleteTree(runDir); // systemd removes the RuntimeDirectory when the service stops
        Files.delete(root.resolve("run"));

        String purge = dpkg("--purge", PKG);
        assertTrue(purge.contains("Purging configuration files for " + PKG), purge);
        String status = run(List.of("dpkg-query", "--admindir=" + root.resolve("var/lib/dpkg"), "-W", "-f", "${db:Status-Status}", PKG), -1);
        assertFalse(status.contains("installed") && !status.contains("not-installed"), "dpkg knows it no more: " + status);

        Set<String> left = tree(root);
        left.removeAll(pristine);
        left.removeIf(p -> p.startsWith("var/lib/dpkg/") || p.startsWith("var/log/") || p.matches("etc/(passwd|group|shadow|gshadow)-"));
        assertEquals(Set.of(), left, "nothing of the package is left in the root");
        assertTrue(Files.readString(root.resolve("etc/passwd")).contains("\nmcm:"), "the system user is kept on purge (Debian practice)");
        assertEquals(hostBefore, hostState(), "the machine's own users, /opt and /etc are untouched");
    }

    /** What this test must never change on the machine itself. */
    private static List<String> hostState() throws Exception {
        List<String> s = new ArrayList<>();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (String f : HOST_FILES) {
            Path p = Path.of(f);
            s.add(f + " " + (Files.isReadable(p) ? HexFormat.of().formatHex(md.digest(Files.readAllBytes(p))) : "-"));
        }
        for (String f : new String[] {"/opt/mcm-media-proxy", "/etc/mcm-media-proxy", "/etc/default/mcm-media-proxy",
                "/var/lib/mcm-media-proxy", "/lib/systemd/system/mcm-media-proxy.service"}) {
            s.add(f + " " + Files.exists(Path.of(f), LinkOption.NOFOLLOW_LINKS));
        }
        Path log = Path.of("/var/log/dpkg.log");
        if (Files.isReadable(log)) {
            s.add("dpkg.log mentions " + PKG + ": " + Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream().filter(l -> l.contains(PKG)).count());
        }
        return s;
    }

    private String dpkg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg", "--root=" + root, "--log=" + root.resolve("var/log/dpkg.log"),
                "--force-script-chrootless"));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, 0);
    }

    /** A path of the unit's command line (or an option's value) moved under the throwaway root. */
    private String reroot(String word) {
        if (word.startsWith("/")) {
            return root + word;
        }
        int eq = word.indexOf("=/");
        return word.startsWith("--") && eq > 0 ? word.substring(0, eq + 1) + root + word.substring(eq + 1) : word;
    }

    private String defaultsValue(String key) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + key + "=\"([^\"]*)\"$").matcher(Files.readString(root.resolve("etc/default/mcm-media-proxy")));
        assertTrue(m.find(), key + " in /etc/default/mcm-media-proxy");
        return m.group(1);
    }

    private static Set<String> tree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Collections.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** Client connection preface and an empty SETTINGS frame; an HTTP/2 server answers with its SETTINGS frame. */
    private static boolean answersHttp2(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            o.flush();
            byte[] header = new byte[9];
            new DataInputStream(s.getInputStream()).readFully(header);
            return header[3] == 4 && (header[4] & 1) == 0; // type SETTINGS, not an ACK
        }
    }

    private static void awaitFile(Path f) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.isRegularFile(f)) {
            assertTrue(System.nanoTime() < deadline, f + " written within 10 s");
            Thread.sleep(50);
        }
    }

    private static void awaitLine(Process p, List<String> out, List<String> err, String prefix) throws InterruptedException {
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end) {
            synchronized (out) {
                if (out.stream().anyMatch(l -> l.startsWith(prefix))) {
                    return;
                }
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        fail("no line '" + prefix + "'; stdout " + out + " stderr " + err);
    }

    private static List<String> pump(InputStream in) {
        List<String> sink = Collections.synchronizedList(new ArrayList<>());
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.add(line);
                }
            } catch (IOException e) {
                // process gone
            }
        });
        t.setDaemon(true);
        t.start();
        return sink;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command; {@code expected} &lt; 0 accepts any exit code. Returns stdout and stderr together. */
    /**
     * The sysctl writes the postinst's limits block makes when sysctl reads have for both keys (empty: sysctl fails):
     * the block (from its "for key in" to its "done") run by sh with a stand-in sysctl first on the PATH.
     */
    private static List<String> raisedBy(String postinst, String have) throws Exception {
        Matcher m = Pattern.compile("(?s)\n(\\s*for key in net\\.core\\.rmem_max.*?\\n\\s*done)\\n").matcher(postinst);
        assertTrue(m.find(), "the limits block in the postinst:\n" + postinst);
        Path dir = Files.createTempDirectory("mcmsysctl");
        try {
            Path fake = dir.resolve("sysctl");
            Files.writeString(fake, "#!/bin/sh\n"
                    + "if [ \"$1\" = -n ]; then [ -n \"$HAVE\" ] || exit 255; echo \"$HAVE\"; exit 0; fi\n"
                    + "shift; echo \"$*\" >> \"$LOG\"\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path log = dir.resolve("log");
            Files.writeString(log, "");
            ProcessBuilder pb = new ProcessBuilder("sh", "-ec", m.group(1)).redirectErrorStream(true);
            pb.environment().put("PATH", dir + ":" + System.getenv("PATH"));
            pb.environment().put("HAVE", have);
            pb.environment().put("LOG", log.toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "the block never fails the install: " + out);
            return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
        } finally {
            try (Stream<Path> all = Files.list(dir)) {
                for (Path f : (Iterable<Path>) all::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    private static String run(List<String> cmd, int expected) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ended in time: " + cmd);
        if (expected >= 0) {
            assertEquals(expected, p.exitValue(), cmd + ":\n" + out);
        }
        return out;
    }
}
