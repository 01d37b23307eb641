package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;

/**
 * Issue 17, defects 4 and 7: the same-origin rule in front of the whole console (a preprocessor of the HTTP service)
 * and the protection of /metrics (loopback Host only, optional bearer token).
 */
class ConsoleGuardsTest {

    static HttpServletRequest request(String method, String uri, Map<String, String> headers) {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getRequestURI" -> uri;
                    case "getHeader" -> headers.get(((String) args[0]).toLowerCase());
                    default -> null;
                });
    }

    /** A response recording its status and body. */
    static final class Response {
        final AtomicInteger status = new AtomicInteger(200);
        final StringWriter text = new StringWriter();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Map<String, String> headers = new HashMap<>();
        final HttpServletResponse proxy = (HttpServletResponse) Proxy.newProxyInstance(
                HttpServletResponse.class.getClassLoader(), new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "setStatus", "sendError" -> status.set((Integer) args[0]);
                        case "setHeader" -> headers.put((String) args[0], (String) args[1]);
                        case "getWriter" -> {
                            return new PrintWriter(text, true);
                        }
                        case "getOutputStream" -> {
                            return new ServletOutputStream() {
                                @Override
                                public boolean isReady() {
                                    return true;
                                }

                                @Override
                                public void setWriteListener(WriteListener l) {
                                }

                                @Override
                                public void write(int b) {
                                    bytes.write(b);
                                }
                            };
                        }
                        default -> {
                        }
                    }
                    return null;
                });
    }

    static Map<String, String> headers(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i].toLowerCase(), kv[i + 1]);
        }
        return m;
    }

    boolean passes(String method, String uri, Map<String, String> h) throws Exception {
        AtomicBoolean reached = new AtomicBoolean();
        Response r = new Response();
        new ConsoleOriginGuard().doFilter(request(method, uri, h), r.proxy, (rq, rs) -> reached.set(true));
        if (!reached.get()) {
            assertEquals(403, r.status.get());
        }
        return reached.get();
    }

    @Test
    void crossOriginStateChangesToAnyConsolePageAreRefused() throws Exception {
        String host = "127.0.0.1:8080";
        // the Web Console's own endpoints: stop a bundle, create a configuration
        assertFalse(passes("POST", "/system/console/bundles/42", headers("Host", host, "Origin", "http://evil.example")));
        assertFalse(passes("POST", "/system/console/configMgr/[Temporary PID replaced by real PID upon save]",
                headers("Host", host, "Referer", "http://evil.example/page.html")));
        assertFalse(passes("DELETE", "/system/console/anything", headers("Host", host, "Origin", "null")));
        assertFalse(passes("PUT", "/system/console/x", headers("Host", host, "Origin", "http://127.0.0.1:9999")));
        // the console's own pages, reads, and non-browser clients pass
        assertTrue(passes("POST", "/system/console/bundles/42", headers("Host", host, "Origin", "http://127.0.0.1:8080")));
        assertTrue(passes("GET", "/system/console/bundles", headers("Host", host, "Origin", "http://evil.example")));
        assertTrue(passes("POST", "/system/console/bundles/42", headers("Host", host)));
    }

    MetricsServlet metrics(String token) {
        MetricsServlet s = new MetricsServlet();
        s.activate((MetricsServlet.Config) Proxy.newProxyInstance(MetricsServlet.Config.class.getClassLoader(),
                new Class<?>[] {MetricsServlet.Config.class}, (p, m, args) -> m.getName().equals("token") ? token
                        : MetricsServlet.Config.class));
        return s;
    }

    int scrape(MetricsServlet s, Map<String, String> h) throws Exception {
        Response r = new Response();
        s.doGet(request("GET", "/metrics", h), r.proxy);
        if (r.status.get() == 200) {
            assertTrue(r.bytes.toString().contains("mcm_session_manager_up 0"), r.bytes.toString());
        }
        return r.status.get();
    }

    @Test
    void metricsAnswerOnlyLoopbackHostsAndTheTokenWhenOneIsSet() throws Exception {
        MetricsServlet open = metrics("");
        assertEquals(200, scrape(open, headers("Host", "127.0.0.1:8080")));
        assertEquals(200, scrape(open, headers("Host", "localhost:8080")));
        assertEquals(200, scrape(open, headers("Host", "[::1]:8080")));
        assertEquals(403, scrape(open, headers("Host", "evil.example:8080")), "a rebinding page's Host");
        assertEquals(403, scrape(open, headers("Host", "127.0.0.1.evil.example")));
        assertEquals(403, scrape(open, headers()));
        MetricsServlet locked = metrics("scrape-token");
        assertEquals(401, scrape(locked, headers("Host", "127.0.0.1:8080")));
        assertEquals(401, scrape(locked, headers("Host", "127.0.0.1:8080", "Authorization", "Bearer wrong")));
        assertEquals(200, scrape(locked, headers("Host", "127.0.0.1:8080", "Authorization", "Bearer scrape-token")));
        MetricsServlet hashed = metrics("sha256:" + MetricsServlet.sha256("scrape-token"));
        assertEquals(200, scrape(hashed, headers("Host", "127.0.0.1:8080", "Authorization", "Bearer scrape-token")));
    }
}
