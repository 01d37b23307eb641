package org.mcm.console.internal;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.Preprocessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The same-origin rule of the Media Mesh tab, in front of everything the console's HTTP server serves (the whole Felix
 * Web Console: bundles, configuration, components, ..., and this project's pages): a state-changing request (any
 * method but GET, HEAD, OPTIONS, TRACE) whose {@code Origin} (or {@code Referer}) names another site than the one the
 * browser addressed is refused with 403 before any servlet sees it. The console authenticates with HTTP Basic, which
 * a browser would otherwise send along with a page's cross-site POST (stop a bundle, create a configuration).
 * A whiteboard {@link Preprocessor} runs for every request of the HTTP service, whatever servlet context serves it.
 */
@Component(service = Preprocessor.class)
public class ConsoleOriginGuard implements Preprocessor {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleOriginGuard.class);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    final LongAdder refused = new LongAdder();
    private volatile long lastLog;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse resp
                && !SAFE.contains(req.getMethod().toUpperCase(Locale.ROOT))
                && !SameOrigin.allowed(req.getHeader("Origin"), req.getHeader("Referer"), req.getHeader("Host"))) {
            refused.increment();
            long now = System.nanoTime();
            if (now - lastLog > 10_000_000_000L) { // one line per 10 s at most; the rest are only counted
                lastLog = now;
                LOG.warn("console: cross-origin {} {} from origin {} refused ({} so far)", req.getMethod(),
                        req.getRequestURI(), req.getHeader("Origin") != null ? req.getHeader("Origin") : req.getHeader("Referer"),
                        refused.sum());
            }
            resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
            resp.setContentType("text/plain;charset=utf-8");
            resp.getWriter().write("cross-origin request refused\n");
            return;
        }
        chain.doFilter(request, response);
    }
}
