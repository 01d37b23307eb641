package org.mcm.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * Command line of {@code media_proxy}: the upstream options ({@code -h -d -i -g -t}, same meaning and help shape)
 * plus what the appliance needs. Parsing is done by Apache Commons CLI; values are validated here.
 */
public final class LaunchOptions {

    /** A wrong option or value: the launcher prints the message and the usage on stderr and exits 2. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    public static final String DEFAULT_DEV = "kernel:lo";
    public static final String DEFAULT_IP = "127.0.0.1";
    public static final int DEFAULT_GRPC = 8001;
    public static final int DEFAULT_TCP = 8002;
    public static final int DEFAULT_CONSOLE = 8080;
    public static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

    public boolean help;
    /** Null when not given: the configuration (or default) stays as it is. */
    public String dev;
    public String ip;
    public Integer grpcPort;
    public Integer tcpPort;
    public int consolePort = DEFAULT_CONSOLE;
    /** Web Console over HTTPS (also on 127.0.0.1) when set, with a PKCS#12 or JKS keystore. */
    public Integer httpsPort;
    public Path keystore;
    public String keystorePassword;
    public boolean httpOff;
    public String consoleUser;
    public String consolePassword;
    public Path deployDir;
    public Path configDir;
    /** Runtime state (OSGi bundle cache, unpacked native libraries): {@code --state-dir}, else {@code MCM_STATE_DIR}, else {@code <home>/var}. */
    public Path stateDir;
    /** Null when not given (ConfigAdmin value or /run/mcm stays). */
    public String memifDir;
    public String logLevel = "info";

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder("h").longOpt("help").desc("Print this help and exit.").get());
        o.addOption(Option.builder("d").longOpt("dev").hasArg().argName("dev_port").get());
        o.addOption(Option.builder("i").longOpt("ip").hasArg().argName("ip_address").get());
        o.addOption(Option.builder("g").longOpt("grpc").hasArg().argName("port_number").get());
        o.addOption(Option.builder("t").longOpt("tcp").hasArg().argName("port_number").get());
        o.addOption(Option.builder().longOpt("console-port").hasArg().argName("port_number").get());
        o.addOption(Option.builder().longOpt("console-user").hasArg().argName("name").get());
        o.addOption(Option.builder().longOpt("console-password").hasArg().argName("password").get());
        o.addOption(Option.builder().longOpt("deploy-dir").hasArg().argName("dir").get());
        o.addOption(Option.builder().longOpt("config-dir").hasArg().argName("dir").get());
        o.addOption(Option.builder().longOpt("state-dir").hasArg().argName("dir").get());
        o.addOption(Option.builder().longOpt("https-port").hasArg().argName("port_number").get());
        o.addOption(Option.builder().longOpt("keystore").hasArg().argName("file").get());
        o.addOption(Option.builder().longOpt("no-http").get());
        o.addOption(Option.builder().longOpt("memif-dir").hasArg().argName("dir").get());
        o.addOption(Option.builder().longOpt("log-level").hasArg().argName("level").get());
        return o;
    }

    public static void usage(PrintStream out, String program) {
        out.println("Usage: " + program + " [OPTION]");
        out.println("-h, --help\t\t\tPrint this help and exit.");
        out.println("-d, --dev=dev_port\t\tNetwork device for media: kernel:<interface> (defaults: " + DEFAULT_DEV + ").");
        out.println("-i, --ip=ip_address\t\tIP address for media data transportation (defaults: " + DEFAULT_IP + ").");
        out.println("-g, --grpc=port_number\t\tPort number gRPC controller (defaults: " + DEFAULT_GRPC + ").");
        out.println("-t, --tcp=port_number\t\tPort number for TCP socket controller (defaults: " + DEFAULT_TCP + ").");
        out.println("    --console-port=port_number\tWeb Console HTTP port on 127.0.0.1 (defaults: " + DEFAULT_CONSOLE + ").");
        out.println("    --console-user=name\t\tWeb Console user (defaults: admin, with a password generated on first start).");
        out.println("    --console-password=password\tWeb Console password (stored hashed in the config dir).");
        out.println("    --deploy-dir=dir\t\tHot-deploy folder for bundles and .cfg files (defaults: <home>/deploy).");
        out.println("    --config-dir=dir\t\tOperator configuration: credentials and ConfigAdmin store (defaults: <home>/conf).");
        out.println("    --state-dir=dir\t\tRuntime state: bundle cache, native libraries (defaults: $MCM_STATE_DIR, else <home>/var).");
        out.println("    --https-port=port_number\tAlso serve the Web Console over HTTPS on 127.0.0.1 (needs --keystore).");
        out.println("    --keystore=file\t\tPKCS#12 or JKS keystore with the console's key and certificate; its password in $MCM_KEYSTORE_PASSWORD.");
        out.println("    --no-http\t\t\tServe the Web Console over HTTPS only.");
        out.println("    --memif-dir=dir\t\tWhere per-session memif sockets are created (defaults: /run/mcm).");
        out.println("    --log-level=level\t\terror, warn, info, debug or trace (defaults: info).");
        out.println("-g/-t/-i/-d/--memif-dir apply to this run only; without them the values stored through ConfigAdmin (Web Console, .cfg) apply, else the defaults.");
    }

    public static LaunchOptions parse(String[] args, Path home) throws UsageException {
        return parse(args, home, System.getenv("MCM_STATE_DIR"));
    }

    /** {@code stateDirEnv}: the value of {@code MCM_STATE_DIR} (null or empty when unset). */
    static LaunchOptions parse(String[] args, Path home, String stateDirEnv) throws UsageException {
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options(), args, false);
        } catch (ParseException e) {
            throw new UsageException(e.getMessage());
        }
        if (!cl.getArgList().isEmpty()) {
            throw new UsageException("unexpected argument: " + cl.getArgList().get(0));
        }
        LaunchOptions o = new LaunchOptions();
        o.help = cl.hasOption("h");
        if (cl.hasOption("d")) {
            o.dev = device(cl.getOptionValue("d"));
        }
        if (cl.hasOption("i")) {
            o.ip = ipLiteral(cl.getOptionValue("i"));
        }
        if (cl.hasOption("g")) {
            o.grpcPort = port("-g/--grpc", cl.getOptionValue("g"));
        }
        if (cl.hasOption("t")) {
            o.tcpPort = port("-t/--tcp", cl.getOptionValue("t"));
        }
        if (cl.hasOption("console-port")) {
            o.consolePort = port("--console-port", cl.getOptionValue("console-port"));
        }
        if (cl.hasOption("console-user")) {
            o.consoleUser = nonEmpty("--console-user", cl.getOptionValue("console-user"));
        }
        if (cl.hasOption("console-password")) {
            o.consolePassword = cl.getOptionValue("console-password");
            if (o.consolePassword.length() < 8) {
                throw new UsageException("--console-password must have at least 8 characters");
            }
        }
        o.deployDir = cl.hasOption("deploy-dir") ? Path.of(nonEmpty("--deploy-dir", cl.getOptionValue("deploy-dir"))).toAbsolutePath()
                : home.resolve("deploy");
        o.configDir = cl.hasOption("config-dir") ? Path.of(nonEmpty("--config-dir", cl.getOptionValue("config-dir"))).toAbsolutePath()
                : home.resolve("conf");
        if (cl.hasOption("https-port")) {
            o.httpsPort = port("--https-port", cl.getOptionValue("https-port"));
            if (!cl.hasOption("keystore")) {
                throw new UsageException("--https-port needs --keystore");
            }
        }
        if (cl.hasOption("keystore")) {
            o.keystore = Path.of(nonEmpty("--keystore", cl.getOptionValue("keystore"))).toAbsolutePath();
            if (o.httpsPort == null) {
                throw new UsageException("--keystore is for --https-port");
            }
        }
        o.httpOff = cl.hasOption("no-http");
        if (o.httpOff && o.httpsPort == null) {
            throw new UsageException("--no-http needs --https-port (the console would be unreachable)");
        }
        if (o.httpsPort != null && o.httpsPort == o.consolePort && !o.httpOff) {
            throw new UsageException("--https-port and --console-port must differ");
        }
        if (cl.hasOption("state-dir")) {
            o.stateDir = Path.of(nonEmpty("--state-dir", cl.getOptionValue("state-dir"))).toAbsolutePath();
        } else if (stateDirEnv != null && !stateDirEnv.isBlank()) {
            o.stateDir = Path.of(stateDirEnv.trim()).toAbsolutePath();
        } else {
            o.stateDir = home.resolve("var");
        }
        if (cl.hasOption("memif-dir")) {
            o.memifDir = Path.of(nonEmpty("--memif-dir", cl.getOptionValue("memif-dir"))).toAbsolutePath().toString();
            if (o.memifDir.length() > 80) {
                throw new UsageException("--memif-dir path too long for memif socket names (" + o.memifDir.length() + " > 80 characters)");
            }
        }
        if (cl.hasOption("log-level")) {
            String l = cl.getOptionValue("log-level").toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(l)) {
                throw new UsageException("invalid --log-level '" + cl.getOptionValue("log-level") + "' (one of " + LOG_LEVELS + ")");
            }
            o.logLevel = l;
        }
        if (o.grpcPort != null && o.grpcPort.equals(o.tcpPort)) {
            throw new UsageException("-g/--grpc and -t/--tcp must differ (both " + o.grpcPort + ")");
        }
        return o;
    }

    static int port(String name, String value) throws UsageException {
        try {
            int p = Integer.parseInt(value.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException("invalid " + name + " value '" + value + "' (a port number 1-65535)");
    }

    static String nonEmpty(String name, String value) throws UsageException {
        if (value == null || value.isBlank()) {
            throw new UsageException(name + " needs a value");
        }
        return value.trim();
    }

    /** Accepts IPv4 and IPv6 literals only (no name lookups at start). */
    static String ipLiteral(String value) throws UsageException {
        String v = value.trim();
        if (v.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}")) {
            return v;
        }
        if (v.indexOf(':') >= 0 && v.matches("[0-9A-Fa-f:.]+")) {
            try {
                java.net.InetAddress.getByName(v); // a literal: parsed, never resolved
                return v;
            } catch (java.net.UnknownHostException e) {
                // fall through
            }
        }
        throw new UsageException("invalid -i/--ip value '" + value + "' (an IPv4 or IPv6 address)");
    }

    /**
     * kernel:&lt;ifname&gt;, native_af_xdp:&lt;ifname&gt; or a bare interface name, which must exist on this machine
     * (multicast senders send on it and receivers join groups on it); or an upstream PCI address (accepted with a
     * warning; kernel sockets are used).
     */
    static String device(String value) throws UsageException {
        return device(value, name -> {
            try {
                return java.net.NetworkInterface.getByName(name) != null;
            } catch (java.net.SocketException e) {
                return false;
            }
        });
    }

    static String device(String value, java.util.function.Predicate<String> interfaceExists) throws UsageException {
        String v = value.trim();
        if (v.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            return v;
        }
        if (v.matches("(kernel:|native_af_xdp:)?[A-Za-z0-9_.\\-@]{1,15}")) {
            String name = v.substring(v.indexOf(':') + 1);
            if (!interfaceExists.test(name)) {
                throw new UsageException("invalid -d/--dev value '" + value + "': no network interface '" + name
                        + "' on this machine (see 'ip link')");
            }
            return v;
        }
        throw new UsageException("invalid -d/--dev value '" + value + "' (kernel:<interface> or a PCI address)");
    }
}
