package org.mcm.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * {@code media_proxy}: parses the command line, checks the ports, then starts Apache Felix with the bundles the
 * appliance feature lists ({@code features/appliance.json}, jars from {@code system/}). Exits 0 on a normal stop,
 * 1 when the proxy cannot start (one clear line), 2 for a wrong command line.
 */
public final class Main {

    private Main() {
    }

    /**
     * System property of the class-data-sharing training run ({@code media_proxy --cds-archive}): the launcher starts
     * the proxy on free loopback ports, waits until its SDK, gRPC and console ports accept connections, and exits 0
     * (the JVM then writes the archive of every class loaded so far), or 1 when it did not get there.
     */
    static final String CDS_TRAINING = "mcm.cds.training";

    public static void main(String[] args) {
        if (Boolean.getBoolean(CDS_TRAINING)) {
            System.exit(train(args, System.out, System.err));
        }
        int rc = run(args, System.out, System.err);
        if (rc >= 0) {
            System.exit(rc);
        }
    }

    /** The training run: {@code args} (the dirs to use) plus free ports; see {@link #CDS_TRAINING}. */
    static int train(String[] args, PrintStream out, PrintStream err) {
        int[] ports = new int[3];
        try {
            for (int i = 0; i < ports.length; i++) {
                try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                    ports[i] = s.getLocalPort();
                }
            }
        } catch (IOException e) {
            err.println("ERROR: no free port for the training run: " + e.getMessage());
            return 1;
        }
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("-t", Integer.toString(ports[0]), "-g", Integer.toString(ports[1]), "--console-port",
                Integer.toString(ports[2])));
        int rc = run(a.toArray(new String[0]), out, err);
        if (rc >= 0) {
            return rc == 0 ? 1 : rc;
        }
        long deadline = System.nanoTime() + 120_000_000_000L;
        for (int p : ports) {
            while (!accepts(p)) {
                if (System.nanoTime() > deadline) {
                    err.println("ERROR: the training run's port " + p + " did not open within 120 s");
                    return 1;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return 1;
                }
            }
        }
        return 0;
    }

    private static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Returns an exit code, or -1 when the framework runs (the JVM then lives until it stops). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Path home = home();
        LaunchOptions opts;
        try {
            opts = LaunchOptions.parse(args, home);
        } catch (LaunchOptions.UsageException e) {
            err.println("media_proxy: " + e.getMessage());
            LaunchOptions.usage(err, "media_proxy");
            return 2;
        }
        if (opts.help) {
            LaunchOptions.usage(out, "media_proxy");
            return 0;
        }
        try {
            return start(home, opts, out);
        } catch (StartupException e) {
            err.println("ERROR: " + e.getMessage());
            return 1;
        }
    }

    static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        StartupException(String message) {
            super(message);
        }
    }

    static Path home() {
        String h = System.getProperty("mcm.home");
        return Path.of(h == null ? "." : h).toAbsolutePath().normalize();
    }

    private static int start(Path home, LaunchOptions opts, PrintStream out) throws StartupException {
        long t0 = System.nanoTime();
        Path featureFile = home.resolve("features/appliance.json");
        FeatureFile feature;
        try {
            feature = FeatureFile.read(featureFile);
        } catch (IOException e) {
            throw new StartupException("cannot read the appliance feature " + featureFile + ": " + e.getMessage());
        }
        checkPort(opts.tcpPort == null ? LaunchOptions.DEFAULT_TCP : opts.tcpPort, "0.0.0.0", "SDK TCP server (-t/--tcp)", opts.tcpPort == null);
        checkPort(opts.grpcPort == null ? LaunchOptions.DEFAULT_GRPC : opts.grpcPort, "0.0.0.0", "gRPC server (-g/--grpc)", opts.grpcPort == null);
        if (!opts.httpOff) {
            checkPort(opts.consolePort, "127.0.0.1", "Web Console (--console-port)", false);
        }
        if (opts.httpsPort != null) {
            checkPort(opts.httpsPort, "127.0.0.1", "Web Console over HTTPS (--https-port)", false);
        }
        try {
            Files.createDirectories(opts.deployDir);
            Files.createDirectories(opts.configDir);
            Files.createDirectories(opts.stateDir.resolve("jna"));
        } catch (IOException e) {
            throw new StartupException("cannot create " + e.getMessage());
        }
        String[] credentials = consoleCredentials(opts, out);

        LogLines.install(opts.logLevel);
        Map<String, String> props = new HashMap<>(feature.frameworkProperties());
        props.put(Constants.FRAMEWORK_STORAGE, BundleCache.cacheDir(opts.stateDir).toString());
        props.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*,com.sun.*,jdk.internal.*");
        props.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(feature.maxStartOrder()));
        props.put("felix.log.level", "1");
        props.put("felix.cm.dir", opts.configDir.resolve("cm").toString());
        props.put("felix.fileinstall.dir", opts.deployDir.toString());
        props.put("felix.fileinstall.poll", "1000");
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("felix.fileinstall.bundles.new.start", "true");
        props.put("felix.fileinstall.filter", ".*\\.(jar|cfg|config)");
        props.put("felix.fileinstall.log.level", "3");
        props.put("felix.fileinstall.log.default", "jul"); // without a Log Service: log lines too
        props.put("org.osgi.service.http.port", Integer.toString(opts.consolePort));
        if (opts.httpsPort != null) {
            if (!Files.isReadable(opts.keystore)) {
                throw new StartupException("cannot read the keystore " + opts.keystore);
            }
            String pw = System.getenv("MCM_KEYSTORE_PASSWORD");
            props.put("org.apache.felix.https.enable", "true");
            props.put("org.osgi.service.http.port.secure", Integer.toString(opts.httpsPort));
            props.put("org.apache.felix.https.keystore", opts.keystore.toString());
            if (pw != null) {
                props.put("org.apache.felix.https.keystore.password", pw);
                props.put("org.apache.felix.https.keystore.key.password", pw);
            }
            if (opts.httpOff) {
                props.put("org.apache.felix.http.enable", "false");
            }
        }
        props.put("org.apache.felix.http.host", "127.0.0.1");
        props.put("felix.webconsole.username", credentials[0]);
        props.put("felix.webconsole.password", credentials[1]);
        if (opts.tcpPort != null) {
            props.put("mcm.sdk.port", opts.tcpPort.toString());
        }
        if (opts.grpcPort != null) {
            props.put("mcm.grpc.port", opts.grpcPort.toString());
        }
        if (opts.memifDir != null) {
            props.put("mcm.memif.dir", opts.memifDir);
        }
        // JNA unpacks its native libraries here instead of the user's home (the appliance may run as a service user)
        setIfAbsent("jna.tmpdir", opts.stateDir.resolve("jna").toString());
        if (opts.ip != null) {
            props.put("mcm.dataplane.ip", opts.ip);
        }
        if (opts.dev != null) {
            props.put("mcm.dataplane.device", opts.dev);
            if (!opts.dev.startsWith("kernel:")) {
                out.println("WARN: device '" + opts.dev + "' is not a kernel:<interface>; media uses kernel sockets on the -i address");
            }
        }

        Path system = home.resolve("system");
        List<Path> jars = new ArrayList<>();
        for (FeatureFile.BundleRef ref : feature.bundles()) {
            Path jar = system.resolve(ref.mavenPath());
            if (!Files.isRegularFile(jar)) {
                throw new StartupException("bundle " + ref.mavenId() + " of the appliance feature is missing: " + jar);
            }
            jars.add(jar);
        }
        // the bundle cache of the last start is kept when it was made from this very image by a start that completed
        String stamp;
        try {
            stamp = BundleCache.stamp(home, featureFile, jars);
        } catch (IOException e) {
            stamp = null; // cannot tell what the cache was made from: clean it, and do not mark it reusable
        }
        long stampTime = stamp == null || Boolean.getBoolean(CDS_TRAINING) ? -1 : BundleCache.matches(opts.stateDir, stamp);
        boolean keep = stampTime >= 0;
        try {
            BundleCache.forget(opts.stateDir);
        } catch (IOException e) {
            keep = false;
        }
        Framework started;
        try {
            started = startFramework(props, feature, jars, keep ? stampTime : -1);
        } catch (BundleException | RuntimeException e) {
            if (!keep) {
                throw new StartupException("the OSGi framework did not start: " + e.getMessage());
            }
            java.util.logging.Logger.getLogger(Main.class.getName()).warning(
                    "the kept bundle cache could not be used (" + e.getMessage() + "); starting with a fresh one");
            try {
                started = startFramework(props, feature, jars, -1);
            } catch (BundleException | RuntimeException e2) {
                throw new StartupException("the OSGi framework did not start: " + e2.getMessage());
            }
        }
        Framework fw = started;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(fw), "mcm-shutdown"));
        Thread waiter = new Thread(() -> {
            try {
                fw.waitForStop(0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(0);
        }, "mcm-framework-wait");
        waiter.setDaemon(false);
        waiter.start();
        FrameworkStartLevel fsl = fw.adapt(FrameworkStartLevel.class);
        out.printf("INFO: media proxy started: %d bundles, start level %d, %d ms (console http://127.0.0.1:%d/system/console)%n",
                fw.getBundleContext().getBundles().length, fsl.getStartLevel(), (System.nanoTime() - t0) / 1_000_000,
                opts.consolePort);
        if (stamp != null && !Boolean.getBoolean(CDS_TRAINING) && (fw.getState() & Bundle.ACTIVE) != 0) {
            try {
                BundleCache.remember(opts.stateDir, stamp); // the start is complete: the next one may keep the cache
            } catch (IOException e) {
                java.util.logging.Logger.getLogger(Main.class.getName()).warning("cannot write "
                        + BundleCache.stampFile(opts.stateDir) + " (" + e.getMessage()
                        + "): the next start makes a fresh bundle cache");
            }
        }
        return -1;
    }

    /**
     * Creates, initialises and starts Felix: with the bundle cache as it is when {@code stampTime} is the time of
     * its stamp (then only the feature's bundles as the image has them stay installed before they are started, see
     * {@link BundleCache#reconcile}), or a fresh one when it is negative.
     */
    private static Framework startFramework(Map<String, String> props, FeatureFile feature, List<Path> jars, long stampTime)
            throws BundleException {
        boolean keep = stampTime >= 0;
        Map<String, Object> config = new HashMap<>(props);
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, keep ? "none" : Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.log.logger", new LogLines.FrameworkLog()); // the framework's messages as log lines too
        Framework fw = new org.apache.felix.framework.Felix(config);
        try {
            fw.init();
            BundleContext ctx = fw.getBundleContext();
            if (keep) {
                Set<String> locations = new HashSet<>();
                for (Path jar : jars) {
                    locations.add(location(jar));
                }
                BundleCache.reconcile(ctx, locations, stampTime);
            }
            install(ctx, feature, jars);
            fw.start();
            return fw;
        } catch (BundleException | RuntimeException e) {
            try {
                fw.stop();
                fw.waitForStop(15_000);
            } catch (BundleException | InterruptedException | RuntimeException e2) {
                e.addSuppressed(e2);
            }
            throw e;
        }
    }

    /** The location of a feature bundle: by reference, Felix reads the jar where it is instead of copying it. */
    static String location(Path jar) {
        return "reference:" + jar.toUri();
    }

    private static void stop(Framework fw) {
        try {
            if ((fw.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0) {
                fw.stop();
                fw.waitForStop(15_000);
            }
        } catch (BundleException | InterruptedException e) {
            // the JVM is going down anyway
        }
    }

    private static void install(BundleContext ctx, FeatureFile feature, List<Path> jars) throws BundleException {
        List<Bundle> toStart = new ArrayList<>();
        int initial = ctx.getBundle(0).adapt(FrameworkStartLevel.class).getInitialBundleStartLevel();
        for (int i = 0; i < jars.size(); i++) {
            FeatureFile.BundleRef ref = feature.bundles().get(i);
            // installing a location that is installed (a kept cache) returns that bundle
            Bundle b = ctx.installBundle(location(jars.get(i)));
            // the feature's start level, also over one an operator changed before a restart with a kept cache
            b.adapt(BundleStartLevel.class).setStartLevel(ref.startOrder() > 0 ? ref.startOrder() : initial);
            toStart.add(b);
        }
        for (Bundle b : toStart) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start(Bundle.START_ACTIVATION_POLICY); // persistently: also one an operator stopped before
            }
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static void checkPort(int port, String host, String what, boolean isDefault) throws StartupException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            throw new StartupException("port " + port + " for the " + what + " is already in use"
                    + (isDefault ? " (the default; choose another with the option)" : ""));
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + host + ":" + port + " for the " + what + ": " + e.getMessage());
        }
    }

    /**
     * The console user and password hash: from the options (stored), else from {@code console.properties} in the
     * config dir, else generated on first start, stored there (mode 600) and printed once.
     */
    static String[] consoleCredentials(LaunchOptions opts, PrintStream out) throws StartupException {
        Path file = opts.configDir.resolve("console.properties");
        Properties p = new Properties();
        try {
            if (Files.isRegularFile(file)) {
                try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(in);
                }
            }
            boolean changed = false;
            if (opts.consoleUser != null) {
                p.setProperty("user", opts.consoleUser);
                changed = true;
            }
            if (opts.consolePassword != null) {
                p.setProperty("password", sha256(opts.consolePassword));
                changed = true;
            }
            if (p.getProperty("user") == null) {
                p.setProperty("user", "admin");
                changed = true;
            }
            if (p.getProperty("password") == null) {
                String generated = generatePassword();
                p.setProperty("password", sha256(generated));
                changed = true;
                out.println("INFO: Web Console user '" + p.getProperty("user") + "', generated password: " + generated);
                out.println("INFO: (shown once; stored hashed in " + file + "; change it with --console-password)");
            }
            if (changed) {
                Files.deleteIfExists(file);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    p.store(w, "MCM Web Console credentials (password as {sha-256} hash)");
                }
            }
        } catch (IOException e) {
            throw new StartupException("cannot read or write the console credentials " + file + ": " + e.getMessage());
        }
        return new String[] {p.getProperty("user"), p.getProperty("password")};
    }

    static String sha256(String password) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{sha-256}" + Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String generatePassword() {
        final String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
