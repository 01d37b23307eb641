package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks text against the Prometheus text exposition format 0.0.4 the way a scraper reads it: every line is a
 * HELP, TYPE or sample line; label values only use the three escapes; a family's HELP and TYPE come once, before
 * its samples, and its samples are contiguous; no two samples have the same name and labels. Returns the samples.
 */
final class ExpositionFormat {

    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) ((?:[^\\\\\\n]|\\\\[\\\\n])*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (NaN|[+-]Inf|[+-]?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

    private ExpositionFormat() {
    }

    /** sample key (name + rendered labels) to value; labels are unescaped in the key. */
    static Map<String, Double> check(String text) {
        assertTrue(text.endsWith("\n"), "the last line ends with a line feed");
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> helps = new HashSet<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                String family = m.group(1);
                assertTrue(helps.add(family), "one HELP for " + family);
                assertFalse(closed.contains(family)
                        || samples.keySet().stream().anyMatch(k -> k.startsWith(family + "{") || k.equals(family)),
                        "HELP before samples: " + line);
                assertFalse(m.group(2).isBlank(), "HELP text: " + line);
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertEquals(null, types.put(m.group(1), m.group(2)), "one TYPE for " + m.group(1));
                if (m.group(2).equals("counter")) {
                    assertTrue(m.group(1).endsWith("_total"), "counter names end in _total: " + m.group(1));
                }
                if (current != null && !current.equals(m.group(1))) {
                    closed.add(current);
                }
                current = m.group(1);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                assertTrue(types.containsKey(name), "TYPE before sample: " + line);
                assertEquals(current, name, "samples of a family are together: " + line);
                assertFalse(closed.contains(name), "family continued later: " + line);
                StringBuilder key = new StringBuilder(name);
                if (m.group(3) != null) {
                    key.append('{');
                    Matcher l = LABEL.matcher(m.group(3));
                    int at = 0;
                    Set<String> names = new HashSet<>();
                    while (at < m.group(3).length()) {
                        if (!l.find(at) || l.start() != at) {
                            fail("bad label syntax at " + at + ": " + line);
                        }
                        assertTrue(names.add(l.group(1)), "label once: " + line);
                        key.append(l.group(1)).append('=').append(unescape(l.group(2))).append(';');
                        at = l.end();
                    }
                    key.append('}');
                }
                String v = m.group(4);
                double value = v.equals("NaN") ? Double.NaN : v.equals("+Inf") ? Double.POSITIVE_INFINITY
                        : v.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(v);
                assertEquals(null, samples.put(key.toString(), value), "duplicate series: " + line);
            } else {
                fail("not a line of the text format: [" + line + "]");
            }
        }
        return samples;
    }

    static String unescape(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                char e = v.charAt(++i);
                b.append(e == 'n' ? '\n' : e);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
