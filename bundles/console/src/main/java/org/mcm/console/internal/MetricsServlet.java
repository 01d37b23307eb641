package org.mcm.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionListener;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.TransportInfo;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus text endpoint {@code /metrics} on the HTTP whiteboard (the console's Jetty, bound to loopback). Also a
 * {@link SessionListener}, so sessions that start and end between two scrapes are still counted.
 */
@Component(service = {Servlet.class, SessionListener.class}, property = {
        "osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=mcm-metrics",
        "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=default)"})
public class MetricsServlet extends HttpServlet implements SessionListener {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    private final transient ProxyMetrics metrics = new ProxyMetrics();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SessionManager sessions;

    @Override
    public void sessionChanged(SessionInfo session) {
        metrics.observe(session);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
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
        byte[] body = metrics.scrape(up, list, transports).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(PrometheusText.CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
