package org.mcm.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.mcm.api.control.Counters;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionListener;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.TransportInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus text endpoint {@code /metrics} on the HTTP whiteboard (the console's Jetty, bound to loopback). Also a
 * {@link SessionListener}, so sessions that start and end between two scrapes are still counted.
 *
 * <p>Protection: it answers only requests addressed to a loopback name or address (the Host header), so a web page
 * that rebinds its own DNS name to 127.0.0.1 cannot read it; and with a token configured (PID
 * {@code org.mcm.console.metrics}) only requests with {@code Authorization: Bearer <token>}. What it exposes is listed
 * in the README (counters, session ids, states, owners, formats; no secrets, no payload).
 */
@Component(service = {Servlet.class, SessionListener.class}, configurationPid = MetricsServlet.PID)
@HttpWhiteboardServletPattern("/metrics")
@HttpWhiteboardServletName("mcm-metrics")
@HttpWhiteboardContextSelect("(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "="
        + HttpWhiteboardConstants.HTTP_WHITEBOARD_DEFAULT_CONTEXT_NAME + ")")
@Designate(ocd = MetricsServlet.Config.class)
public class MetricsServlet extends HttpServlet implements SessionListener {

    public static final String PID = "org.mcm.console.metrics";

    @ObjectClassDefinition(name = "MCM Prometheus endpoint", description = "/metrics on the console's HTTP server (loopback only).")
    public @interface Config {
        @AttributeDefinition(name = "Bearer token", description = "When set, a scrape must send 'Authorization: Bearer "
                + "<token>' (Prometheus: authorization.credentials); the token itself or sha256:<hex of its SHA-256>. "
                + "Empty: any local process may scrape.", type = AttributeType.PASSWORD, required = false)
        String token() default "";
    }

    private volatile String tokenSha256 = "";

    @Activate
    @Modified
    void activate(Config c) {
        String t = c.token() == null ? "" : c.token().trim();
        tokenSha256 = t.isEmpty() ? "" : t.regionMatches(true, 0, "sha256:", 0, 7) ? t.substring(7).toLowerCase(java.util.Locale.ROOT)
                : sha256(t);
    }

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    private final transient ProxyMetrics metrics = new ProxyMetrics();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SessionManager sessions;

    /** The proxy-wide counters (control bundle); absent while control is stopped. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Counters counters;

    @Override
    public void sessionChanged(SessionInfo session) {
        metrics.observe(session);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!loopbackHost(req.getHeader("Host"))) {
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "metrics are served to loopback addresses only");
            return;
        }
        String want = tokenSha256;
        if (!want.isEmpty()) {
            String auth = req.getHeader("Authorization");
            String got = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? sha256(auth.substring(7).trim()) : "";
            if (!java.security.MessageDigest.isEqual(want.getBytes(StandardCharsets.US_ASCII), got.getBytes(StandardCharsets.US_ASCII))) {
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"mcm-metrics\"");
                resp.sendError(HttpServletResponse.SC_UNAUTHORIZED, "bearer token required");
                return;
            }
        }
        SessionManager m = sessions;
        List<SessionInfo> list = List.of();
        List<TransportInfo> transports = List.of();
        boolean up = m != null;
        if (up) {
            try {
                list = m.list();
                transports = m.transports();
            } catch (RuntimeException e) {
                LOG.debug("session manager unavailable for a scrape: {}", e.toString());
                up = false;
            }
        }
        Counters c = counters;
        java.util.Map<String, Long> proxyCounters = null;
        if (c != null) {
            try {
                proxyCounters = c.snapshot();
            } catch (RuntimeException e) {
                LOG.debug("proxy counters unavailable for a scrape: {}", e.toString());
            }
        }
        byte[] body = metrics.scrape(up, list, transports, proxyCounters).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(PrometheusText.CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    /** Whether the Host header names this machine's loopback: localhost, 127.0.0.0/8 or [::1] (any port). */
    static boolean loopbackHost(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1");
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
