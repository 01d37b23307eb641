package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void familiesHaveHelpAndTypeAndTheirSamplesTogether() {
        PrometheusText p = new PrometheusText();
        p.family("mcm_a_total", PrometheusText.Type.COUNTER, "A counter.");
        p.family("mcm_b", PrometheusText.Type.GAUGE, "A gauge.");
        p.sample("mcm_a_total", Map.of("x", "1"), 5);
        p.sample("mcm_b", Map.of(), 2.5);
        p.sample("mcm_a_total", Map.of("x", "2"), 7);
        String text = p.render();
        assertEquals("""
                # HELP mcm_a_total A counter.
                # TYPE mcm_a_total counter
                mcm_a_total{x="1"} 5
                mcm_a_total{x="2"} 7
                # HELP mcm_b A gauge.
                # TYPE mcm_b gauge
                mcm_b 2.5
                """, text);
        ExpositionFormat.check(text);
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        PrometheusText p = new PrometheusText();
        p.family("mcm_x", PrometheusText.Type.GAUGE, "Help with \\ backslash\nand a new line.");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("owner", "sdk:\"quoted\" \\path\\\nnext");
        labels.put("plain", "a{b}=c,d");
        p.sample("mcm_x", labels, 1);
        String text = p.render();
        assertTrue(text.contains("# HELP mcm_x Help with \\\\ backslash\\nand a new line.\n"), text);
        assertTrue(text.contains("mcm_x{owner=\"sdk:\\\"quoted\\\" \\\\path\\\\\\nnext\",plain=\"a{b}=c,d\"} 1\n"), text);
        Map<String, Double> samples = ExpositionFormat.check(text);
        assertEquals(Map.of("mcm_x{owner=sdk:\"quoted\" \\path\\\nnext;plain=a{b}=c,d;}", 1.0), samples);
    }

    @Test
    void specialNumbers() {
        assertEquals("NaN", PrometheusText.number(Double.NaN));
        assertEquals("+Inf", PrometheusText.number(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", PrometheusText.number(Double.NEGATIVE_INFINITY));
        assertEquals("3", PrometheusText.number(3.0));
        assertEquals("0.25", PrometheusText.number(0.25));
        assertEquals("1.0E20", PrometheusText.number(1e20));
    }

    @Test
    void invalidNamesAreRefused() {
        PrometheusText p = new PrometheusText();
        assertThrows(IllegalArgumentException.class, () -> p.family("9bad", PrometheusText.Type.GAUGE, "x"));
        assertThrows(IllegalArgumentException.class, () -> p.family("bad-name", PrometheusText.Type.GAUGE, "x"));
        p.family("mcm_ok", PrometheusText.Type.GAUGE, "x");
        assertThrows(IllegalArgumentException.class, () -> p.family("mcm_ok", PrometheusText.Type.COUNTER, "x"));
        assertThrows(IllegalArgumentException.class, () -> p.sample("mcm_ok", Map.of("bad-label", "v"), 1));
        assertThrows(IllegalArgumentException.class, () -> p.sample("mcm_ok", Map.of("__reserved", "v"), 1));
        assertThrows(IllegalArgumentException.class, () -> p.sample("mcm_undeclared", Map.of(), 1));
    }

    @Test
    void sanitizeMakesNameParts() {
        assertEquals("frames_dropped", PrometheusText.sanitize("frames_dropped"));
        assertEquals("rx_bytes_per_s_", PrometheusText.sanitize("RX bytes/per-s."));
    }
}
