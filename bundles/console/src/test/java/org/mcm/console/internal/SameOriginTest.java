package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SameOriginTest {

    @Test
    void sameOriginAllowed() {
        assertTrue(SameOrigin.allowed("http://127.0.0.1:8080", null, "127.0.0.1:8080"));
        assertTrue(SameOrigin.allowed(null, "http://127.0.0.1:8080/system/console/mcm", "127.0.0.1:8080"));
        assertTrue(SameOrigin.allowed("http://LOCALHOST", null, "localhost:80"));
        assertTrue(SameOrigin.allowed(null, null, "127.0.0.1:8080"), "not a browser page (curl)");
    }

    @Test
    void otherOriginsRefused() {
        assertFalse(SameOrigin.allowed("http://evil.example", null, "127.0.0.1:8080"));
        assertFalse(SameOrigin.allowed("http://127.0.0.1:9999", null, "127.0.0.1:8080"));
        assertFalse(SameOrigin.allowed("null", null, "127.0.0.1:8080"), "sandboxed frame");
        assertFalse(SameOrigin.allowed(null, "http://evil.example/x", "127.0.0.1:8080"));
        assertFalse(SameOrigin.allowed("http://127.0.0.1:8080", null, null));
        assertFalse(SameOrigin.allowed("file:///tmp/x.html", null, "127.0.0.1:8080"));
        assertFalse(SameOrigin.allowed("http://a b", null, "127.0.0.1:8080"));
        // the Origin wins over a forged-looking Referer
        assertFalse(SameOrigin.allowed("http://evil.example", "http://127.0.0.1:8080/", "127.0.0.1:8080"));
    }
}
