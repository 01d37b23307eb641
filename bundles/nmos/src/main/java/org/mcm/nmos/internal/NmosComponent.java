package org.mcm.nmos.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionListener;
import org.mcm.api.session.SessionManager;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy as an NMOS node (IS-04 v1.3 Node API and registration, IS-05 v1.1 Connection API). Listens for session
 * changes to keep the registry current. A change of configuration restarts the node.
 */
@Component(service = {SessionListener.class, NmosComponent.class}, immediate = true, configurationPid = NmosComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = NmosComponent.Config.class)
public class NmosComponent implements SessionListener {

    public static final String PID = "org.mcm.nmos";
    private static final Logger LOG = LoggerFactory.getLogger(NmosComponent.class);

    @ObjectClassDefinition(name = "MCM NMOS node",
            description = "The proxy as an AMWA NMOS node: IS-04 Node API and registration, IS-05 Connection API.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Serve the Node and Connection APIs and register.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Bind address", description = "Address the Node and Connection APIs listen on (loopback by default; the facility's controllers need an address they can reach).")
        String bind() default "127.0.0.1";

        @AttributeDefinition(name = "Port", description = "TCP port of the Node and Connection APIs (0: any free port).", min = "0", max = "65535")
        int port() default 8012;

        @AttributeDefinition(name = "Advertised host", description = "Address put in the hrefs and sent to the registry; the bind address when empty.")
        String host() default "";

        @AttributeDefinition(name = "Label", description = "Label of the node and its device.")
        String label() default "MCM media proxy";

        @AttributeDefinition(name = "Id seed", description = "Name the stable resource ids are derived from; two proxies on one network need different seeds. The host name when empty.")
        String seed() default "";

        @AttributeDefinition(name = "Media interface address", description = "Address of the media interface (IS-05 constraints, 'auto'); the bind address when empty.")
        String interfaceIp() default "";

        @AttributeDefinition(name = "Registries", description = "IS-04 registries in priority order, as base URLs (http://registry:8235). Empty: found by DNS-SD when discovery is on, else no registration.")
        String[] registries() default {};

        @AttributeDefinition(name = "DNS-SD discovery", description = "With no registry configured: browse mDNS for _nmos-register._tcp (ordered by 'pri'). Needs a non-loopback advertised host or mDNS address.")
        boolean discovery() default true;

        @AttributeDefinition(name = "DNS-SD domain", description = "With no registry configured and discovery on: also browse unicast DNS-SD, "
                + "the _nmos-register._tcp PTR/SRV/TXT records of this DNS domain (e.g. studio.example.com). Empty: mDNS only.")
        String dnsSdDomain() default "";

        @AttributeDefinition(name = "DNS server", description = "Unicast DNS-SD: host or host:port of the DNS server to ask; the system's resolvers when empty.")
        String dnsServer() default "";

        @AttributeDefinition(name = "mDNS address", description = "Address of the interface mDNS runs on; the advertised host (else the bind address) when empty. Loopback or wildcard: no discovery.")
        String mdnsAddress() default "";

        @AttributeDefinition(name = "Peer-to-peer mode", description = "With discovery on and no registry holding the node: advertise it as _nmos-node._tcp with the ver_* TXT records.")
        boolean peerToPeer() default true;

        @AttributeDefinition(name = "Idle receivers", description = "Receivers offered to controllers before any app asks, per media type: "
                + "e.g. video/raw:1,video/jxsv:1,audio/L24:1,data/smpte291:0. An IS-05 activation with a sender's SDP starts an RX session; "
                + "the app attaches as a memif client at <idle receiver socket directory>/nmos-rx-<type>-<n>.sock (e.g. nmos-rx-video-raw-1.sock).")
        String idleReceivers() default "";

        @AttributeDefinition(name = "Idle receiver socket directory", description = "Where the idle receivers' memif sockets are made; "
                + "the proxy's memif directory (--memif-dir, else /run/mcm) when empty.")
        String idleReceiverDir() default "";

        @AttributeDefinition(name = "Heartbeat interval (ms)", description = "Time between registry heartbeats (IS-04 recommends 5000).", min = "100")
        long heartbeatMillis() default 5000;
    }

    @Reference
    SessionManager sessions;

    /** The app data path (memif) the idle receivers' sessions attach apps with; they fail clearly without it. */
    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    volatile org.mcm.api.app.AppLinkService appLinks;

    private String memifDir = "/run/mcm";

    private volatile NmosService service;

    private java.io.File keysFile;
    private String frameworkId = "";

    @Activate
    void activate(Config c, org.osgi.framework.BundleContext ctx) {
        keysFile = ctx.getDataFile("session-keys.properties");
        frameworkId = String.valueOf(ctx.getProperty(org.osgi.framework.Constants.FRAMEWORK_UUID));
        String dir = ctx.getProperty("mcm.memif.dir"); // --memif-dir of this run
        if (dir != null && !dir.isBlank()) {
            memifDir = dir;
        }
        start(c);
    }

    /**
     * The keys the resource ids of the running sessions derive from, saved when the node stops: a bundle restart
     * (the sessions live on, possibly re-targeted by IS-05) keeps their ids. Only the same framework run reads them.
     */
    private java.util.Map<Long, String> readKeys() {
        java.util.Map<Long, String> out = new java.util.HashMap<>();
        if (keysFile == null || !keysFile.isFile()) {
            return out;
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(keysFile.toPath())) {
            p.load(r);
        } catch (IOException e) {
            LOG.warn("NMOS: cannot read {}: {}", keysFile, e.getMessage());
            return out;
        }
        if (!frameworkId.equals(p.getProperty("framework"))) {
            return out;
        }
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("session.")) {
                try {
                    out.put(Long.parseLong(k.substring(8)), p.getProperty(k));
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        }
        return out;
    }

    private void writeKeys(java.util.Map<Long, String> keys) {
        if (keysFile == null) {
            return;
        }
        java.util.Properties p = new java.util.Properties();
        p.setProperty("framework", frameworkId);
        keys.forEach((id, key) -> p.setProperty("session." + id, key));
        try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(keysFile.toPath())) {
            p.store(w, "MCM NMOS: session id -> resource id key (valid for one framework run)");
        } catch (IOException e) {
            LOG.warn("NMOS: cannot write {}: {}", keysFile, e.getMessage());
        }
    }

    private volatile Thread starter;

    /** The node starts on a thread of its own: the framework's start-level thread does not wait for it. */
    private void start(Config c) {
        if (!c.enabled()) {
            LOG.info("NMOS node disabled by configuration");
            return;
        }
        Thread t = new Thread(() -> {
            String seed = c.seed().isBlank() ? hostName() : c.seed();
            List<String> registries = c.registries() == null ? List.of() : Arrays.asList(c.registries());
            Settings s = new Settings(c.bind(), c.port(), c.host(), c.label(), seed, c.interfaceIp(), registries, c.heartbeatMillis(),
                    c.discovery(), c.mdnsAddress(), c.peerToPeer())
                    .withIdleReceivers(c.idleReceivers(), c.idleReceiverDir().isBlank() ? memifDir : c.idleReceiverDir())
                    .withUnicastDnsSd(c.dnsSdDomain(), c.dnsServer());
            NmosService n = new NmosService(sessions, s, readKeys(), () -> appLinks);
            try {
                n.start();
                service = n;
            } catch (IOException | RuntimeException e) {
                n.stop();
                LOG.error("NMOS node cannot start on {}:{}: {} (the proxy carries on without NMOS)", c.bind(), c.port(), e.toString());
            }
        }, "nmos-start");
        t.setDaemon(true);
        starter = t;
        t.start();
    }

    @Deactivate
    void deactivate() {
        Thread t = starter;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        NmosService n = service;
        service = null;
        if (n != null) {
            writeKeys(n.keys());
            n.stop();
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "mcm-proxy";
        }
    }

    @Override
    public void sessionChanged(SessionInfo session) {
        NmosService n = service;
        if (n != null && (Model.carried(session) || session.state().isTerminal())) {
            n.changed();
        }
    }

    /** For the Web Console page: the running node, or null. */
    NmosService service() {
        return service;
    }
}
