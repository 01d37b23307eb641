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
import java.util.List;
import java.util.Map;
import java.util.Properties;

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
        props.put(Constants.FRAMEWORK_STORAGE, opts.stateDir.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
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

        Map<String, Object> config = new HashMap<>(props);
        config.put("felix.log.logger", new LogLines.FrameworkLog()); // the framework's messages as log lines too
        Framework fw = new org.apache.felix.framework.Felix(config);
        try {
            fw.init();
            install(fw.getBundleContext(), feature, home.resolve("system"));
            fw.start();
        } catch (BundleException e) {
            throw new StartupException("the OSGi framework did not start: " + e.getMessage());
        }
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
        return -1;
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

    private static void install(BundleContext ctx, FeatureFile feature, Path system) throws BundleException, StartupException {
        List<Bundle> toStart = new ArrayList<>();
        for (FeatureFile.BundleRef ref : feature.bundles()) {
            Path jar = system.resolve(ref.mavenPath());
            if (!Files.isRegularFile(jar)) {
                throw new StartupException("bundle " + ref.mavenId() + " of the appliance feature is missing: " + jar);
            }
            // by reference: Felix reads the jar where it is instead of copying it into its cache at every start
            Bundle b = ctx.installBundle("reference:" + jar.toUri());
            if (ref.startOrder() > 0) {
                b.adapt(BundleStartLevel.class).setStartLevel(ref.startOrder());
            }
            toStart.add(b);
        }
        for (Bundle b : toStart) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start(Bundle.START_ACTIVATION_POLICY);
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
