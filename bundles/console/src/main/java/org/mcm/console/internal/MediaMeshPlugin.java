package org.mcm.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.TransportInfo;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Console's "Media Mesh" tab ({@code /system/console/mcm}): live sessions and transports, start/stop/
 * uninstall of transport bundles, create (from an SDP) and delete connections, live charts. The page is static
 * HTML plus plain JavaScript served from this bundle; it polls {@code data.json} every second. Every change is a
 * POST (to {@code action}), refused when it comes from another origin.
 */
@Component(service = Servlet.class)
@WebConsolePlugin(label = MediaMeshPlugin.LABEL, title = "Media Mesh")
public class MediaMeshPlugin extends AbstractServlet {

    static final String LABEL = "mcm";
    static final String TRANSPORT_SERVICE = "org.mcm.api.transport.Transport";
    static final String PROTOCOL_PROPERTY = "mcm.transport.protocol";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MediaMeshPlugin.class);

    private final transient Rates rates = new Rates();
    private final transient TransportRows transportRows = new TransportRows();
    private transient BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SessionManager sessions;

    public MediaMeshPlugin() {
    }

    @Activate
    void activate(BundleContext ctx) {
        this.context = ctx;
    }

    // ---- GET: data.json and resources are answered here; anything else is left to the console, which frames
    // ---- renderContent() with its header and navigation

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        String path = subPath(req);
        if (path.equals("/data.json")) {
            byte[] body = dataJson().getBytes(StandardCharsets.UTF_8);
            setNoCache(resp);
            resp.setStatus(HttpServletResponse.SC_OK);
            resp.setContentType("application/json;charset=utf-8");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
            return;
        }
        if (path.equals("/action")) {
            resp.setHeader("Allow", "POST");
            resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "POST only");
            return;
        }
        super.doGet(req, resp);
    }

    @Override
    public void renderContent(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object root = req.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT);
        String pluginRoot = root == null ? req.getContextPath() + req.getServletPath() + "/" + LABEL : root.toString();
        resp.getWriter().write(Page.render(template(), pluginRoot));
    }

    // ---- POST: the changes

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String sub = subPath(req);
        if (!sub.equals("/action") && !sub.equals("/upload")) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        if (!SameOrigin.allowed(req.getHeader("Origin"), req.getHeader("Referer"), req.getHeader("Host"))) {
            reply(resp, HttpServletResponse.SC_FORBIDDEN, false, "cross-origin request refused");
            return;
        }
        if (sub.equals("/upload")) {
            upload(req, resp);
            return;
        }
        String action = req.getParameter("action");
        try {
            switch (action == null ? "" : action) {
                case "create" -> create(req, resp);
                case "delete" -> delete(req, resp);
                case "start", "stop", "uninstall" -> bundle(action, req, resp);
                default -> reply(resp, HttpServletResponse.SC_BAD_REQUEST, false, "unknown action: " + action);
            }
        } catch (NumberFormatException e) {
            reply(resp, HttpServletResponse.SC_BAD_REQUEST, false, "not a number: " + e.getMessage());
        }
    }

    private void create(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        SessionManager m = sessions;
        if (m == null) {
            reply(resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, false, "the session manager is not running");
            return;
        }
        String sdp = req.getParameter("sdp");
        String user = req.getRemoteUser();
        try {
            ConnectionSpec spec = m.parseDescription(sdp == null ? "" : sdp);
            SessionManager.Session s = m.create(spec, "console:" + (user == null ? "operator" : user), null);
            LOG.info("console: session {} created from an SDP ({} {} over {})", s.id(), spec.direction(),
                    spec.format(), spec.transport());
            reply(resp, HttpServletResponse.SC_OK, true, "session " + s.id() + " created");
        } catch (SessionException e) {
            int status = e.code() == ErrorCode.INVALID_ARGUMENT || e.code() == ErrorCode.UNKNOWN_TRANSPORT
                    ? HttpServletResponse.SC_BAD_REQUEST : HttpServletResponse.SC_CONFLICT;
            reply(resp, status, false, e.toString());
        } catch (RuntimeException e) {
            reply(resp, HttpServletResponse.SC_BAD_REQUEST, false, String.valueOf(e.getMessage()));
        }
    }

    private void delete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        SessionManager m = sessions;
        if (m == null) {
            reply(resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, false, "the session manager is not running");
            return;
        }
        long id = Long.parseLong(String.valueOf(req.getParameter("id")).trim());
        if (m.delete(id)) {
            LOG.info("console: session {} deleted", id);
            reply(resp, HttpServletResponse.SC_OK, true, "session " + id + " deleted");
        } else {
            reply(resp, HttpServletResponse.SC_NOT_FOUND, false, "no session " + id);
        }
    }

    /** Largest bundle accepted by the upload. */
    static final int MAX_UPLOAD = 64 << 20;

    /**
     * Hot deploy from the tab: the request body is a bundle jar. A bundle with the same symbolic name is updated in
     * place (its sessions end and new ones use the new code), otherwise the jar is installed; then it is started.
     */
    private void upload(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] jar = req.getInputStream().readNBytes(MAX_UPLOAD + 1);
        if (jar.length == 0 || jar.length > MAX_UPLOAD) {
            reply(resp, HttpServletResponse.SC_BAD_REQUEST, false, jar.length == 0 ? "empty upload"
                    : "bundle larger than " + (MAX_UPLOAD >> 20) + " MiB");
            return;
        }
        String bsn;
        String version;
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(new java.io.ByteArrayInputStream(jar))) {
            java.util.jar.Manifest mf = in.getManifest();
            String raw = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
            if (raw == null || raw.isBlank()) {
                reply(resp, HttpServletResponse.SC_BAD_REQUEST, false, "not an OSGi bundle (no Bundle-SymbolicName in the manifest)");
                return;
            }
            bsn = raw.split(";")[0].trim();
            version = String.valueOf(mf.getMainAttributes().getValue("Bundle-Version"));
        } catch (IOException e) {
            reply(resp, HttpServletResponse.SC_BAD_REQUEST, false, "not a jar: " + e.getMessage());
            return;
        }
        try {
            Bundle existing = null;
            for (Bundle b : context.getBundles()) {
                if (bsn.equals(b.getSymbolicName())) {
                    existing = b;
                }
            }
            Bundle b;
            if (existing != null) {
                existing.update(new java.io.ByteArrayInputStream(jar));
                b = existing;
            } else {
                b = context.installBundle("mcm-console-upload:" + bsn, new java.io.ByteArrayInputStream(jar));
            }
            if (b.getHeaders().get(org.osgi.framework.Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
            LOG.info("console: bundle {} {} {} from an upload", bsn, version, existing != null ? "updated" : "installed");
            reply(resp, HttpServletResponse.SC_OK, true, (existing != null ? "updated " : "installed ") + bsn + " " + version);
        } catch (BundleException | IllegalStateException e) {
            reply(resp, HttpServletResponse.SC_CONFLICT, false, bsn + ": " + e.getMessage());
        }
    }

    private void bundle(String action, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long id = Long.parseLong(String.valueOf(req.getParameter("bundle")).trim());
        Bundle b = context.getBundle(id);
        boolean transportBundle = b != null && transportRows(List.of()).stream().anyMatch(r -> r.bundleId() == id);
        if (!transportBundle) {
            // this tab manages transport bundles only; the Bundles tab manages the rest
            reply(resp, HttpServletResponse.SC_NOT_FOUND, false, "no transport bundle " + id);
            return;
        }
        try {
            switch (action) {
                case "start" -> b.start();
                case "stop" -> b.stop();
                default -> b.uninstall();
            }
            LOG.info("console: {} bundle {} ({})", action, id, b.getSymbolicName());
            reply(resp, HttpServletResponse.SC_OK, true, action + " " + b.getSymbolicName() + ": done");
        } catch (BundleException | IllegalStateException e) {
            reply(resp, HttpServletResponse.SC_CONFLICT, false, action + " " + b.getSymbolicName() + ": " + e.getMessage());
        }
    }

    // ---- data

    String dataJson() {
        SessionManager m = sessions;
        List<SessionInfo> list = List.of();
        List<TransportInfo> transports = List.of();
        boolean up = m != null;
        if (up) {
            try {
                list = m.list();
                transports = m.transports();
            } catch (RuntimeException e) {
                up = false;
            }
        }
        return ConsoleData.render(up, list, transportRows(transports), codecRows(), rates, System.nanoTime(),
                System.currentTimeMillis());
    }

    /** Codec services (e.g. jpegxs) and the bundles that provide them. */
    private List<ConsoleData.CodecRow> codecRows() {
        List<ConsoleData.CodecRow> rows = new ArrayList<>();
        BundleContext ctx = context;
        if (ctx == null) {
            return rows;
        }
        try {
            ServiceReference<?>[] refs = ctx.getAllServiceReferences("org.mcm.api.codec.Codec", null);
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    Bundle b = r.getBundle();
                    if (b != null) {
                        rows.add(new ConsoleData.CodecRow(String.valueOf(r.getProperty("mcm.codec.name")), b.getSymbolicName(),
                                b.getVersion().toString(), stateName(b.getState())));
                    }
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            // no filter given
        }
        return rows;
    }

    private List<TransportRows.Row> transportRows(List<TransportInfo> loaded) {
        List<TransportInfo> l = loaded;
        if (l.isEmpty()) {
            SessionManager m = sessions;
            if (m != null) {
                try {
                    l = m.transports();
                } catch (RuntimeException e) {
                    l = List.of();
                }
            }
        }
        return transportRows.rows(l, bundleFacts());
    }

    private List<TransportRows.BundleFacts> bundleFacts() {
        List<TransportRows.BundleFacts> facts = new ArrayList<>();
        BundleContext ctx = context;
        if (ctx == null) {
            return facts;
        }
        for (Bundle b : ctx.getBundles()) {
            Set<String> protocols = new TreeSet<>();
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    Object oc = r.getProperty(Constants.OBJECTCLASS);
                    if (oc instanceof String[] names && List.of(names).contains(TRANSPORT_SERVICE)) {
                        Object p = r.getProperty(PROTOCOL_PROPERTY);
                        if (p != null) {
                            protocols.add(p.toString());
                        }
                    }
                }
            }
            Dictionary<String, String> headers = b.getHeaders("");
            String provided = headers.get(Constants.PROVIDE_CAPABILITY);
            String version = headers.get(Constants.BUNDLE_VERSION);
            facts.add(new TransportRows.BundleFacts(b.getBundleId(), String.valueOf(b.getSymbolicName()),
                    version == null ? b.getVersion().toString() : version, stateName(b.getState()), protocols,
                    provided != null && provided.contains(TRANSPORT_SERVICE)));
        }
        return facts;
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNKNOWN(" + state + ")";
        };
    }

    // ---- helpers

    /** The request path below the plugin's label: "" for the page itself, "/data.json", "/res/mcm.js"... */
    static String subPath(HttpServletRequest req) {
        String p = req.getPathInfo();
        if (p == null) {
            return "";
        }
        String prefix = "/" + LABEL;
        return p.startsWith(prefix) ? p.substring(prefix.length()) : p;
    }

    private static void reply(HttpServletResponse resp, int status, boolean ok, String message) throws IOException {
        byte[] body = new Json().beginObject().field("ok", ok).field("message", message).endObject().toString()
                .getBytes(StandardCharsets.UTF_8);
        setNoCache(resp);
        resp.setStatus(status);
        resp.setContentType("application/json;charset=utf-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private String template() throws IOException {
        try (InputStream in = MediaMeshPlugin.class.getResourceAsStream("/templates/mcm.html")) {
            if (in == null) {
                throw new IOException("template /templates/mcm.html missing from the bundle");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
