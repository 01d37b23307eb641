package org.mcm.itests;

import static org.mcm.itests.Polls.waitFor;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.itests.support.ControlClient;

/**
 * The built image as an operator runs it: {@code bin/media_proxy} in a copy of the tree, as a separate process.
 */
public class ApplianceProcessIT {

    private static Path home;

    @BeforeClass
    public static void copyImage() throws IOException {
        home = copyOfImage();
    }

    /** A fresh copy of the built image tree (without runtime state), so each test class runs its own proxy. */
    static Path copyOfImage() throws IOException {
        Path src = Provisioning.image();
        assertTrue("image built at " + src, Files.isRegularFile(src.resolve("bin/media_proxy")));
        Path home = Files.createTempDirectory("mcm-image");
        try (Stream<Path> all = Files.walk(src)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path dst = home.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else if (!src.relativize(p).startsWith("var") && !src.relativize(p).startsWith("conf/cm")
                        && !p.getFileName().toString().equals("console.properties")
                        && !p.getFileName().toString().startsWith("media-proxy.jsa")) { // the image's own: not valid here
                    Files.copy(p, dst, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return home;
    }

    @AfterClass
    public static void cleanup() throws IOException {
        delete(home);
    }

    static void delete(Path dir) throws IOException {
        if (dir != null && Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A running (or finished) media_proxy with its output collected line by line. */
    static final class Proxy implements AutoCloseable {
        final Process process;
        final List<String> out = Collections.synchronizedList(new ArrayList<>());
        final List<String> err = Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> pumps;

        Proxy(String... args) throws IOException {
            this(home, "media_proxy", args);
        }

        /** Runs {@code bin/<program>} of an image. */
        Proxy(Path image, String program, String... args) throws IOException {
            this(image, java.util.Map.of(), program, args);
        }

        /** Runs {@code bin/<program>} of an image with more environment variables. */
        Proxy(Path image, java.util.Map<String, String> env, String program, String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(image.resolve("bin").resolve(program).toString());
            Collections.addAll(cmd, args);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            pb.environment().putAll(env);
            process = pb.start();
            pumps = List.of(pump(process.getInputStream(), out), pump(process.getErrorStream(), err));
        }

        /** After the process ended: waits until both pumps have read its output to the end (5 s at most each). */
        void drained() throws InterruptedException {
            for (Thread t : pumps) {
                t.join(5000);
                assertFalse("the output pump " + t.getName() + " reached the end", t.isAlive());
            }
        }

        private static Thread pump(java.io.InputStream in, List<String> sink) {
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
            return t;
        }

        int exit(long seconds) throws InterruptedException {
            assertTrue("media_proxy ended in time", process.waitFor(seconds, TimeUnit.SECONDS));
            drained();
            return process.exitValue();
        }

        String line(String prefix, long millis) throws InterruptedException {
            String[] found = new String[1];
            try {
                Polls.waitFor("a line starting with '" + prefix + "'", () -> {
                    synchronized (out) {
                        for (String l : out) {
                            if (l.startsWith(prefix)) {
                                found[0] = l;
                                return true;
                            }
                        }
                    }
                    if (!process.isAlive()) {
                        throw new AssertionError("media_proxy ended (" + process.exitValue() + ")");
                    }
                    return false;
                }, millis);
            } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
                fail("no line starting with '" + prefix + "' (" + e.getMessage() + "); stdout: " + out + " stderr: " + err);
            }
            return found[0];
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy(); // SIGTERM: the shutdown hook stops the framework
                boolean stopped;
                try {
                    stopped = process.waitFor(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = false;
                }
                if (!stopped) {
                    process.destroyForcibly();
                    fail("media_proxy did not stop within 20 s of SIGTERM");
                }
            }
        }
    }

    @Test
    public void helpHasTheUpstreamShape() throws Exception {
        try (Proxy p = new Proxy("-h")) {
            assertEquals(0, p.exit(30));
            assertEquals("Usage: media_proxy [OPTION]", p.out.get(0));
            String all = String.join("\n", p.out);
            for (String opt : new String[] {"-h, --help", "-d, --dev=dev_port", "-i, --ip=ip_address", "-g, --grpc=port_number",
                    "-t, --tcp=port_number", "--console-port", "--deploy-dir", "--config-dir", "--log-level"}) {
                assertTrue("help mentions " + opt + ":\n" + all, all.contains(opt));
            }
            assertTrue(p.err.isEmpty());
        }
    }

    @Test
    public void wrongOptionsAndValuesExit2WithUsageOnStderr() throws Exception {
        String[][] cases = {{"--bogus"}, {"-t", "abc"}, {"-g", "70000"}, {"-i", "999.1.1.1"}, {"-t"}, {"extra"},
                {"--log-level", "loud"}, {"-g", "9000", "-t", "9000"}};
        for (String[] args : cases) {
            try (Proxy p = new Proxy(args)) {
                assertEquals("exit code for " + List.of(args), 2, p.exit(30));
                assertTrue("usage on stderr for " + List.of(args) + ": " + p.err, p.err.stream().anyMatch(l -> l.startsWith("Usage: media_proxy")));
                assertTrue(p.err.get(0), p.err.get(0).startsWith("media_proxy: "));
                assertTrue("nothing on stdout", p.out.isEmpty());
            }
        }
    }

    @Test
    public void portInUseIsOneClearLine() throws Exception {
        try (ServerSocket busy = new ServerSocket(0)) {
            int port = busy.getLocalPort();
            try (Proxy p = new Proxy("-t", Integer.toString(port), "-g", Integer.toString(Provisioning.freePort()),
                    "--console-port", Integer.toString(Provisioning.freePort()))) {
                assertEquals(1, p.exit(30));
                assertEquals("one line: " + p.err, 1, p.err.size());
                assertTrue(p.err.get(0), p.err.get(0).startsWith("ERROR: port " + port + " "));
                assertTrue(p.err.get(0), p.err.get(0).contains("already in use"));
            }
        }
    }

    @Test
    public void startsServesConsoleHotDeploysAndStops() throws Exception {
        int tcp = Provisioning.freePort();
        int grpc = Provisioning.freePort();
        int console = Provisioning.freePort();
        String[] args = {"-t", Integer.toString(tcp), "-g", Integer.toString(grpc), "--console-port", Integer.toString(console)};
        String password;
        long t0 = System.nanoTime();
        try (Proxy p = new Proxy(args)) {
            assertEquals("INFO: TCP Server listening on 0.0.0.0:" + tcp, p.line("INFO: TCP Server listening on", 60_000));
            assertEquals("INFO: gRPC Server listening on 0.0.0.0:" + grpc, p.line("INFO: gRPC Server listening on", 60_000));
            System.out.printf("cold start to both ports listening: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            Matcher m = Pattern.compile("generated password: (\\S+)").matcher(p.line("INFO: Web Console user 'admin', generated password:", 1000));
            assertTrue(m.find());
            password = m.group(1);

            // the console: no admin/admin; the generated credentials work
            String base = "http://127.0.0.1:" + console + "/system/console/bundles.json";
            // the console starts after the listeners (start level 5): wait until it answers at all
            waitFor("console answers", () -> http(base, null, null) == 401, 20_000);
            assertEquals(401, http(base, "admin", "admin"));
            waitFor("console takes the generated password", () -> http(base, "admin", password) == 200, 20_000);
            String body = httpBody(base, "admin", password);
            assertTrue(body, body.matches("(?s).*all \\d+ bundles active.*"));

            try (ControlClient c = new ControlClient("127.0.0.1", grpc)) {
                assertEquals("SERVING", c.health(""));
                // hot deploy: a transport bundle dropped into deploy/ is usable, removing it uninstalls it
                Path jar = TestBundles.transportBundle("hot-x", home.resolve("deploy"));
                waitFor("deployed transport visible", () -> c.transports().contains("hot-x"), 20_000);
                long id = c.createBlobTx("hot-x", 4096);
                assertEquals("ACTIVE", c.state(id));
                Files.delete(jar);
                waitFor("undeployed transport gone", () -> !c.transports().contains("hot-x"), 20_000);
                assertEquals("TRANSPORT_GONE", c.state(id));
            }

            // hot config: a .cfg in deploy/ re-binds the SDK port live (a change while it runs wins over -t)
            int tcp2 = Provisioning.freePort();
            Files.writeString(home.resolve("deploy/org.mcm.control.sdk.cfg"), "port=" + tcp2 + "\n");
            waitFor("SDK port moved to " + tcp2, () -> ProxyIT.canConnect(tcp2), 20_000);
            waitFor("old SDK port closed", () -> !ProxyIT.canConnect(tcp), 20_000);
            Files.delete(home.resolve("deploy/org.mcm.control.sdk.cfg"));
        }
        // the flags were this run's only: the stored gRPC port is still the default, not -g's
        String grpcStored = Files.readString(home.resolve("conf/cm/org/mcm/control/grpc.config"));
        assertFalse(grpcStored, grpcStored.contains(Integer.toString(grpc)));
        assertTrue(grpcStored, grpcStored.contains("8001"));
        // second start: the credentials are kept (not printed again), the same password still works
        try (Proxy p = new Proxy(args)) {
            p.line("INFO: TCP Server listening on", 60_000);
            assertFalse(String.join("\n", p.out).contains("generated password"));
            String base = "http://127.0.0.1:" + console + "/system/console/bundles.json";
            waitFor("console answers after restart", () -> http(base, "admin", password) == 200, 20_000);
        }
        String stored = Files.readString(home.resolve("conf/console.properties"));
        assertFalse("the password is not stored in clear", stored.contains(password));
        assertTrue(stored, stored.contains("{sha-256}"));
    }

    /** A log line as every logging path of the appliance writes it (SLF4J, java.util.logging, Felix, Log Service). */
    static final Pattern LOG_LINE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\[.*\\] (ERROR|WARN|INFO|DEBUG|TRACE) \\S+ - .*");
    /** The launcher's fixed console lines, in upstream media_proxy's shape ("INFO: gRPC Server listening on ..."). */
    static final Pattern BANNER = Pattern.compile("(INFO|WARN): (gRPC Server listening on |TCP Server listening on "
            + "|media proxy started: |Web Console user |\\(shown once; |device ').*");

    /**
     * A transport's settings file in {@code deploy/} when the proxy starts reaches the transports (it used to stay
     * unapplied until the file changed: the run's data-plane PID, deleted at start by a run without -i/-d, left
     * SCR configuring the ST 2110 transports from their first PID alone). Read back from the Web Console's view of
     * the ST 2110-20 transport component.
     */
    @Test
    public void transportSettingsInDeployAtStartReachTheTransports() throws Exception {
        Path own = copyOfImage();
        Files.writeString(own.resolve("deploy/org.mcm.transport.st2110.cfg"), "txQueueFrames=7\n");
        int console = Provisioning.freePort();
        String pw = "itest-Settings-1";
        Proxy p = new Proxy(own, "media_proxy", "-t", Integer.toString(Provisioning.freePort()), "-g",
                Integer.toString(Provisioning.freePort()), "--console-port", Integer.toString(console),
                "--console-password", pw);
        try {
            p.line("INFO: gRPC Server listening on", 60_000);
            String base = "http://127.0.0.1:" + console + "/system/console/components";
            Pattern video = Pattern.compile("\"id\":\"?(\\d+)\"?,[^{}]*?\"name\":\"org\\.mcm\\.transport\\.st2110\\.St2110Transports\\$Video\"");
            String[] props = {""};
            try {
                waitFor("the ST 2110-20 transport configured from deploy/", () -> {
                    try {
                        Matcher m = video.matcher(httpBody(base + ".json", "admin", pw));
                        if (!m.find()) {
                            return false;
                        }
                        props[0] = httpBody(base + "/" + m.group(1) + ".json", "admin", pw);
                        return props[0].contains("txQueueFrames = 7");
                    } catch (IOException e) {
                        return false; // the console is not up yet
                    }
                }, 30_000);
            } catch (RuntimeException e) {
                throw new AssertionError("the transport's properties: " + props[0], e);
            }
            assertTrue(props[0], props[0].contains("org.mcm.transport.st2110"));
        } finally {
            p.close();
            delete(own);
        }
    }

    /**
     * One format: at debug level (gRPC and Netty then write through java.util.logging, SCR and FileInstall through
     * the Log Service), with a session made and ended and a bad configuration file, every line the proxy writes on
     * either stream is a log line in the one format, a stack trace under one, or one of the launcher's fixed lines.
     */
    @Test
    public void logLinesShareOneFormat() throws Exception {
        Path own = copyOfImage();
        int grpc = Provisioning.freePort();
        List<String> all = new ArrayList<>();
        Proxy p = new Proxy(own, "media_proxy", "-t", Integer.toString(Provisioning.freePort()), "-g",
                Integer.toString(grpc), "--console-port", Integer.toString(Provisioning.freePort()), "--log-level",
                "debug");
        try {
            p.line("INFO: gRPC Server listening on", 60_000);
            try (ControlClient c = new ControlClient("127.0.0.1", grpc)) {
                Path jar = TestBundles.transportBundle("fmt-x", own.resolve("deploy"));
                waitFor("deployed transport visible", () -> c.transports().contains("fmt-x"), 20_000);
                long id = c.createBlobTx("fmt-x", 4096);
                assertTrue(c.delete(id));
                Files.delete(jar);
                waitFor("undeployed transport gone", () -> !c.transports().contains("fmt-x"), 20_000);
            }
            // a configuration the SDK listener cannot take: SCR reports the failed activation to the Log Service,
            // whose entries the control bundle forwards: it must come out as a log line too
            Files.writeString(own.resolve("deploy/org.mcm.control.sdk.cfg"), "port=notaport\n");
            waitFor("SCR's error about the SDK listener, through the Log Service bridge", () -> {
                synchronized (p.out) {
                    return p.out.stream().anyMatch(l -> l.contains("[org.mcm.control.internal.sdk.SdkServer(")
                            && l.contains(" ERROR ") && LOG_LINE.matcher(l).matches());
                }
            }, 20_000);
        } finally {
            p.close();
            p.drained();
            synchronized (p.out) {
                all.addAll(p.out);
            }
            all.add("-- stderr --");
            synchronized (p.err) {
                all.addAll(p.err);
            }
            delete(own);
        }
        assertTrue("debug lines were written: " + all.size(), all.size() > 50);
        // the bundles' SLF4J is wired to slf4j-simple (its explicit provider, no ServiceLoader mediator in the
        // image): a bundle's own SLF4J logger wrote
        assertTrue("an SLF4J line of the control bundle", all.stream().anyMatch(l -> LOG_LINE.matcher(l).matches()
                && l.contains(" INFO SessionManagerImpl - transport 'st2110-20' available from ")));
        boolean inTrace = false;
        List<String> strays = new ArrayList<>();
        for (String l : all) {
            if (l.equals("-- stderr --")) {
                inTrace = false;
            } else if (LOG_LINE.matcher(l).matches()) {
                inTrace = true; // a stack trace may follow
            } else if (BANNER.matcher(l).matches()) {
                inTrace = false;
            } else if (!(inTrace && (l.startsWith("\t") || l.startsWith(" ") || l.startsWith("Caused by: ")
                    || l.matches("[\\w.$]+(Exception|Error|Throwable)\\b.*")))) {
                strays.add(l);
            }
        }
        assertTrue("lines in another format (" + strays.size() + "):\n" + String.join("\n",
                strays.subList(0, Math.min(40, strays.size()))), strays.isEmpty());
    }

    /**
     * {@code media_proxy --cds-archive} makes the class-data-sharing archive of this image (one training start on
     * free ports, nothing of it left in the image's conf, var or deploy); starts then take the JVM's, Felix's and
     * the bundles' classes from it; an archive made for another directory or JDK (its .id differs) is not used.
     * On the JDK the tests run on: a dynamic CDS archive on 17 (an AOT cache when they run on 25+).
     */
    @Test
    public void classDataSharingArchiveIsMadeForThisImageAndUsed() throws Exception {
        Path image = copyOfImage();
        try {
            makeArchive(image, java.util.Map.of());
            assertTrue("the archive's JVM options of this JVM", Files.readAllLines(image.resolve("lib/media-proxy.jsa.id"))
                    .get(1).contains("-XX:TrimNativeHeapInterval="));

            Path classes = image.resolve("classes.log");
            assertTrue(startAndCountArchived(image, java.util.Map.of(), classes).archived > 300);
            assertTrue("bundle classes come from the archive", Files.readString(classes).lines()
                    .anyMatch(l -> l.contains("org.mcm.control.") && l.contains("source: shared objects file")));

            Files.writeString(image.resolve("lib/media-proxy.jsa.id"), "another image|another java|0\n");
            assertEquals("an archive that is not this image's is not used", 0,
                    startAndCountArchived(image, java.util.Map.of(), classes).archived);
        } finally {
            delete(image);
        }
    }

    /**
     * On JDK 25+ (Temurin's at {@code /usr/lib/jvm/temurin-25-jdk-amd64}, or the java binary in {@code MCM_AOT_JAVA};
     * skipped when there is none) {@code --cds-archive} makes an ahead-of-time cache (third line of the .id: aot) and
     * starts use it: Felix's and the bundles' classes come from it, and the JDK's warnings about JNA's native access and
     * Felix's sun.misc.Unsafe calls stay away (the options in the .id), so the output is the same as on JDK 17.
     */
    @Test
    public void aheadOfTimeCacheOnJdk25() throws Exception {
        String j = System.getenv().getOrDefault("MCM_AOT_JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        org.junit.Assume.assumeTrue("no JDK 25+ at " + j + " (MCM_AOT_JAVA)", Files.isExecutable(Path.of(j)));
        java.util.Map<String, String> env = java.util.Map.of("JAVA", j);
        Path image = copyOfImage();
        try {
            makeArchive(image, env);
            List<String> id = Files.readAllLines(image.resolve("lib/media-proxy.jsa.id"));
            assertEquals("an AOT cache: " + id, "aot", id.size() > 2 ? id.get(2) : "");
            assertTrue(id.get(0).contains("|" + Path.of(j).toRealPath() + "|"));
            assertTrue(id.get(1), id.get(1).contains("--enable-native-access=ALL-UNNAMED")
                    && id.get(1).contains("--sun-misc-unsafe-memory-access=allow"));

            Path classes = image.resolve("classes.log");
            Started s = startAndCountArchived(image, env, classes);
            assertTrue(s.archived + " of the image's classes from the cache", s.archived > 300);
            assertTrue("bundle classes come from the cache", Files.readString(classes).lines()
                    .anyMatch(l -> l.contains("org.mcm.control.") && l.contains("source: shared objects file")));
            assertTrue("no JDK warnings: " + s.output, s.output.stream().noneMatch(l -> l.startsWith("WARNING")));
        } finally {
            delete(image);
        }
    }

    /** {@code media_proxy --cds-archive} of {@code image} (with {@code env}): written, for this image, nothing left behind. */
    private static void makeArchive(Path image, java.util.Map<String, String> env) throws Exception {
        try (Proxy p = new Proxy(image, env, "media_proxy", "--cds-archive")) {
            assertEquals("stdout " + p.out + " stderr " + p.err, 0, p.exit(180));
            assertTrue(String.join("\n", p.out), String.join("\n", p.out).contains("class-data-sharing archive written"));
        }
        assertTrue(Files.size(image.resolve("lib/media-proxy.jsa")) > 1_000_000);
        assertTrue(Files.readString(image.resolve("lib/media-proxy.jsa.id")).startsWith(image.toRealPath() + "|")
                || Files.readString(image.resolve("lib/media-proxy.jsa.id")).startsWith(image + "|"));
        assertFalse("the training run kept nothing in the image", Files.exists(image.resolve("var"))
                || Files.exists(image.resolve("conf/console.properties")) || Files.exists(image.resolve("lib/media-proxy.jsa.tmp")));
    }

    /** What {@link #startAndCountArchived} saw: the image's classes from an archive, and stdout and stderr so far. */
    private static final class Started {
        final long archived;
        final List<String> output;

        Started(long archived, List<String> output) {
            this.archived = archived;
            this.output = output;
        }
    }

    /**
     * Starts the image (with {@code env}) until it listens; counts the launcher's, Felix's and the bundles' classes
     * that came from an archive of the image (the JDK's own come from the JDK's archive either way).
     */
    private static Started startAndCountArchived(Path image, java.util.Map<String, String> env, Path classes) throws Exception {
        Files.deleteIfExists(classes);
        String[] args = {"-t", Integer.toString(Provisioning.freePort()), "-g", Integer.toString(Provisioning.freePort()),
                "--console-port", Integer.toString(Provisioning.freePort())};
        java.util.Map<String, String> e = new java.util.HashMap<>(env);
        e.put("MCM_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
        List<String> output = new ArrayList<>();
        try (Proxy p = new Proxy(image, e, "media_proxy", args)) {
            p.line("INFO: TCP Server listening on", 60_000);
            p.line("INFO: gRPC Server listening on", 60_000);
            p.line("INFO: media proxy started", 60_000);
            output.addAll(p.out);
            output.addAll(p.err);
        }
        Pattern ours = Pattern.compile(".*\\] (org\\.mcm\\.|org\\.apache\\.felix\\.)\\S+ source: shared objects file.*");
        try (Stream<String> lines = Files.lines(classes)) {
            return new Started(lines.filter(l -> ours.matcher(l).matches()).count(), output);
        }
    }

    /** The console over HTTPS with the operator's own keystore (PKCS#12 made here with keytool), HTTP turned off. */
    @Test
    public void consoleOverHttpsOnly() throws Exception {
        Path ks = Files.createTempDirectory("mcm-tls").resolve("console.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process kt = new ProcessBuilder(keytool, "-genkeypair", "-alias", "console", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit1", "-keypass", "changeit1")
                .redirectErrorStream(true).start();
        kt.getInputStream().readAllBytes();
        assertEquals("keytool", 0, kt.waitFor());
        int https = Provisioning.freePort();
        int httpPort = Provisioning.freePort();
        Path conf = Files.createTempDirectory("mcm-conf");
        List<String> cmd = List.of(home.resolve("bin/media_proxy").toString(), "-t", Integer.toString(Provisioning.freePort()),
                "-g", Integer.toString(Provisioning.freePort()), "--console-port", Integer.toString(httpPort), "--https-port",
                Integer.toString(https), "--keystore", ks.toString(), "--no-http", "--config-dir", conf.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("MCM_KEYSTORE_PASSWORD", "changeit1");
        pb.redirectErrorStream(true).redirectOutput(conf.resolve("out.log").toFile());
        Process p = pb.start();
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(ks)) {
                trust.load(in, "changeit1".toCharArray());
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            String url = "https://127.0.0.1:" + https + "/system/console/bundles.json";
            waitFor("console answers over HTTPS", () -> httpsStatus(tls, url, null, null) == 401, 60_000);
            Matcher m = Pattern.compile("generated password: (\\S+)").matcher(Files.readString(conf.resolve("out.log")));
            assertTrue(m.find());
            assertEquals(200, httpsStatus(tls, url, "admin", m.group(1)));
            assertEquals("plain HTTP is off", -1, http("http://127.0.0.1:" + httpPort + "/system/console/bundles.json", null, null));
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            delete(conf);
            delete(ks.getParent());
        }
    }

    static int httpsStatus(javax.net.ssl.SSLContext tls, String url, String user, String password) {
        try {
            javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) URI.create(url).toURL().openConnection();
            c.setSSLSocketFactory(tls.getSocketFactory());
            if (user != null) {
                c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            }
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            c.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    static int http(String url, String user, String password) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            if (user != null) {
                c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            }
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            c.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    static String httpBody(String url, String user, String password) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        try (var in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }


}
