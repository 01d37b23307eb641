package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.Assume;
import org.junit.Test;

/**
 * The "Media Mesh" tab in a real browser: starts the appliance image (with this bundle, dropped into its deploy/
 * folder unless the image's feature already has it) on free loopback ports, then runs
 * {@code src/test/browser/console-test.mjs}: Debian's chromium driven by playwright-core logs in to the console,
 * sees a session appear while an SDK sender runs, stops the local transport bundle with the tab's button and sees
 * the session go to TRANSPORT_GONE, creates and deletes a receiver from an SDP, and saves screenshots
 * ({@code target/console.png}, {@code target/console-active.png}).
 *
 * <p>Without node or chromium the test is skipped with a message, except under CI ({@code CI=true}), where it fails.
 */
public class ConsoleBrowserIT {

    private static final Pattern PASSWORD = Pattern.compile("generated password: (\\S+)");

    @Test
    public void mediaMeshTabInChromium() throws Exception {
        Path browserDir = Paths.get(System.getProperty("mcm.browser.dir", "../bundles/console/src/test/browser")).toAbsolutePath();
        Path out = Paths.get(System.getProperty("mcm.browser.out", "target")).toAbsolutePath();
        Path image = Paths.get(System.getProperty("mcm.image", "../appliance/target/media-proxy")).toAbsolutePath().normalize();
        Path bundle = Paths.get(System.getProperty("mcm.console.bundle", "../bundles/console/target/mcm-console-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        String chromium = System.getenv().getOrDefault("MCM_CHROMIUM", "/usr/bin/chromium");

        List<String> missing = new ArrayList<>();
        if (!runs("node", "--version")) {
            missing.add("node (apt-get install -y nodejs npm)");
        }
        if (!Files.isExecutable(Paths.get(chromium))) {
            missing.add(chromium + " (apt-get install -y chromium)");
        }
        if (!missing.isEmpty()) {
            String msg = "browser test needs " + String.join(" and ", missing);
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg + " (CI=true: not skipping)");
            }
            Assume.assumeTrue(msg + "; skipped (it fails instead when CI=true)", false);
        }
        assertTrue("no appliance image at " + image + ": build it first (mvn install from the top folder)",
                Files.isExecutable(image.resolve("bin/media_proxy")));
        if (!Files.isDirectory(browserDir.resolve("node_modules/playwright-core"))) {
            assertEquals("npm ci in " + browserDir, 0, run(browserDir, 300, "npm", "ci", "--no-audit", "--no-fund"));
        }

        // a fresh home for the proxy: the image's programs and bundles, its own conf/, deploy/, var/
        Path home = out.resolve("browser-image");
        deleteTree(home);
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("deploy"));
        Files.createDirectories(home.resolve("var"));
        for (String d : new String[] {"bin", "lib", "system", "features"}) {
            Files.createSymbolicLink(home.resolve(d), image.resolve(d));
        }
        String feature = Files.readString(image.resolve("features/appliance.json"));
        if (!feature.contains("mcm-console")) {
            assertTrue("console bundle " + bundle, Files.isRegularFile(bundle));
            Files.copy(bundle, home.resolve("deploy/mcm-console.jar"));
        }
        Path memif = Files.createTempDirectory("mcm-memif");
        int console = freePort();
        int sdk = freePort();
        int grpc = freePort();
        Path proxyLog = out.resolve("browser-proxy.log");
        Process proxy = new ProcessBuilder(home.resolve("bin/media_proxy").toString(), "--console-port",
                Integer.toString(console), "-t", Integer.toString(sdk), "-g", Integer.toString(grpc),
                "--memif-dir", memif.toString(), "--deploy-dir", home.resolve("deploy").toString(),
                "--config-dir", home.resolve("conf").toString())
                .redirectErrorStream(true).start();
        try {
            String password = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> lines = new ArrayList<>();
            // not closed here: the proxy keeps writing, drain() reads the rest
            BufferedReader r = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
            {
                String line;
                while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
                    lines.add(line);
                    Matcher m = PASSWORD.matcher(line);
                    if (m.find()) {
                        password = m.group(1);
                    } else {
                        System.out.println("[proxy] " + line);
                    }
                    if (line.contains("media proxy started")) {
                        break;
                    }
                }
                drain(r, proxyLog);
            }
            assertTrue("proxy started with generated credentials:\n" + String.join("\n", lines), password != null && proxy.isAlive());
            String base = "http://127.0.0.1:" + console;
            String pw = password;
            waitFor("the Media Mesh tab answers", () -> status(base + "/system/console/mcm/data.json", "admin", pw) == 200, 30_000);

            Path log = out.resolve("browser-test.log");
            ProcessBuilder node = new ProcessBuilder("node", "console-test.mjs").directory(browserDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            node.environment().put("MCM_CONSOLE_URL", base);
            node.environment().put("MCM_CONSOLE_USER", "admin");
            node.environment().put("MCM_CONSOLE_PASSWORD", password);
            node.environment().put("MCM_SENDER", image.resolve("bin/mcm-sender").toString());
            node.environment().put("MCM_SDK_PORT", Integer.toString(sdk));
            node.environment().put("MCM_SCREENSHOT", out.resolve("console.png").toString());
            node.environment().put("MCM_CHROMIUM", chromium);
            node.environment().put("MCM_UPLOAD_JAR", TestBundles.transportBundle("console-up", Files.createDirectories(out.resolve("upload"))).toString());
            Process p = node.start();
            boolean done = p.waitFor(240, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String output = Files.readString(log);
            System.out.println(output);
            assertTrue("browser test finished in 240 s:\n" + output, done);
            assertEquals("browser test:\n" + output, 0, p.exitValue());
            assertTrue("screenshot saved", Files.size(out.resolve("console.png")) > 10_000);

            // the Prometheus endpoint of the same HTTP service, after the browser's session came and went
            HttpURLConnection m = (HttpURLConnection) URI.create(base + "/metrics").toURL().openConnection();
            assertEquals(200, m.getResponseCode());
            assertTrue(m.getContentType(), m.getContentType().startsWith("text/plain"));
            String metrics = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            for (String name : new String[] {"mcm_session_manager_up 1", "# TYPE mcm_sessions_created_total counter",
                    "mcm_sessions_open", "mcm_transports_loaded", "# TYPE mcm_frames_total counter"}) {
                assertTrue(name + " in:\n" + metrics, metrics.contains(name));
            }
            java.util.regex.Matcher created = Pattern.compile("(?m)^mcm_sessions_created_total(?:\\{[^}]*\\})? (\\d+)").matcher(metrics);
            assertTrue("sessions counted:\n" + metrics, created.find() && Long.parseLong(created.group(1)) >= 1);
        } finally {
            proxy.destroy();
            if (!proxy.waitFor(20, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
            deleteTree(memif);
        }
    }

    // ---- helpers

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs a tool with its output through this JVM's System.out. Never inherit this JVM's stdio: the test fork's
     * stdin and stdout are the build tool's command channel, and node (npm) switches an inherited stdin to
     * non-blocking mode and writes to stdout directly, which broke that channel in a fresh clone.
     */
    private static int run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("mcm-tool", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
            }
            Files.readAllLines(out, StandardCharsets.UTF_8).forEach(l -> System.out.println("[" + cmd[0] + "] " + l));
            return ended ? p.exitValue() : -1;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Keeps reading the proxy's output (into a file) so it never blocks on a full pipe. */
    private static void drain(BufferedReader r, Path log) {
        Thread t = new Thread(() -> {
            try (var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.newLine();
                    w.flush();
                }
            } catch (IOException ignored) {
                // the proxy ended
            }
        }, "proxy-output");
        t.setDaemon(true);
        t.start();
    }

    private static int status(String url, String user, String password) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setRequestProperty("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            c.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(String what, Check check, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(250);
        }
        fail("timed out waiting: " + what);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            // Files.walk does not follow the image symlinks, so only this tree goes
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
