package org.mcm.console.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writer of the Prometheus text exposition format 0.0.4: one {@code # HELP} and one {@code # TYPE} line per
 * metric family, all samples of a family together, label values escaped ({@code \\}, {@code "}, newline), HELP
 * text escaped ({@code \\}, newline), every line ending in {@code \n}.
 */
final class PrometheusText {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    enum Type {
        COUNTER, GAUGE;

        String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private record Sample(Map<String, String> labels, String value) {
    }

    private static final class Family {
        final Type type;
        final String help;
        final List<Sample> samples = new ArrayList<>();

        Family(Type type, String help) {
            this.type = type;
            this.help = help;
        }
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** Declares a family (so it is written with HELP/TYPE even when it has no sample). */
    PrometheusText family(String name, Type type, String help) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
        Family f = families.get(name);
        if (f == null) {
            families.put(name, new Family(type, help));
        } else if (f.type != type) {
            throw new IllegalArgumentException("metric " + name + " declared as " + f.type + " and " + type);
        }
        return this;
    }

    PrometheusText sample(String name, Map<String, String> labels, long value) {
        return add(name, labels, Long.toString(value));
    }

    PrometheusText sample(String name, Map<String, String> labels, double value) {
        return add(name, labels, number(value));
    }

    private PrometheusText add(String name, Map<String, String> labels, String value) {
        Family f = families.get(name);
        if (f == null) {
            throw new IllegalArgumentException("metric family not declared: " + name);
        }
        for (String l : labels.keySet()) {
            if (!LABEL_NAME.matcher(l).matches() || l.startsWith("__")) {
                throw new IllegalArgumentException("invalid label name: " + l);
            }
        }
        f.samples.add(new Sample(new LinkedHashMap<>(labels), value));
        return this;
    }

    String render() {
        StringBuilder out = new StringBuilder(4096);
        for (Map.Entry<String, Family> e : families.entrySet()) {
            String name = e.getKey();
            Family f = e.getValue();
            out.append("# HELP ").append(name).append(' ').append(escapeHelp(f.help)).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(f.type.text()).append('\n');
            for (Sample s : f.samples) {
                out.append(name);
                if (!s.labels.isEmpty()) {
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<String, String> l : s.labels.entrySet()) {
                        if (!first) {
                            out.append(',');
                        }
                        first = false;
                        out.append(l.getKey()).append("=\"").append(escapeLabelValue(l.getValue())).append('"');
                    }
                    out.append('}');
                }
                out.append(' ').append(s.value).append('\n');
            }
        }
        return out.toString();
    }

    static String escapeLabelValue(String v) {
        if (v == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String escapeHelp(String v) {
        StringBuilder b = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** A metric name part from free text: lower case, anything but [a-z0-9_] becomes '_'. */
    static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toLowerCase(s.charAt(i));
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
        return b.length() == 0 ? "_" : b.toString();
    }
}
