package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The tab's page and its static files, as served from the bundle. */
class PageTest {

    static String resource(String path) throws IOException {
        try (InputStream in = PageTest.class.getResourceAsStream(path)) {
            assertNotNull(in, path + " in the bundle");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void pluginRootIsFilledInEscaped() throws IOException {
        String html = Page.render(resource("/templates/mcm.html"), "/system/console/mcm");
        assertFalse(html.contains("${"), "every placeholder filled");
        assertTrue(html.contains("data-root=\"/system/console/mcm\""));
        assertTrue(html.contains("<script src=\"/system/console/mcm/res/mcm.js\"></script>"));
        assertTrue(html.contains("href=\"/system/console/mcm/res/mcm.css\""));
        assertEquals("/a&quot;&gt;&lt;x&#39;&amp;", Page.escape("/a\"><x'&"));
        assertFalse(Page.render("${pluginRoot}", "/x\"><script>").contains("<script>"));
    }

    @Test
    void theElementsTheScriptAndTheBrowserTestUseExist() throws IOException {
        String html = resource("/templates/mcm.html");
        for (String id : new String[] {"mcm-root", "mcm-status", "mcm-message", "mcm-sessions", "mcm-no-sessions",
                "mcm-chart-throughput", "mcm-chart-loss", "mcm-transports", "mcm-create", "mcm-sdp", "mcm-create-button"}) {
            assertTrue(html.contains("id=\"" + id + "\""), id);
        }
        String js = resource("/res/mcm.js");
        for (String id : new String[] {"mcm-root", "mcm-status", "mcm-message", "mcm-no-sessions", "mcm-chart-throughput",
                "mcm-chart-loss", "mcm-create", "mcm-sdp"}) {
            assertTrue(js.contains("'" + id + "'"), id);
        }
        assertTrue(js.contains("'/data.json'") && js.contains("'/action'"));
        assertTrue(js.contains("method: 'POST'"), "changes are POSTed");
    }

    @Test
    void nothingIsLoadedFromElsewhere() throws IOException {
        // the appliance runs without internet: no CDN, no absolute URL, no protocol-relative URL
        Pattern external = Pattern.compile("(https?:)?//[a-zA-Z0-9.-]+\\.[a-z]{2,}|url\\(|@import|\\beval\\(");
        for (String path : new String[] {"/templates/mcm.html", "/res/mcm.js", "/res/mcm.css"}) {
            String text = resource(path);
            var m = external.matcher(text);
            assertFalse(m.find(), path + " refers elsewhere: " + (m.find(0) ? m.group() : ""));
            assertFalse(text.contains("innerHTML"), path + ": data goes in with textContent only");
        }
    }
}
