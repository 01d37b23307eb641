package org.mcm.console.internal;

import java.util.Collection;
import java.util.Map;

/**
 * A small streaming JSON writer (RFC 8259) for the console's data endpoint. Strings are escaped so the output is
 * also safe inside an HTML script element ({@code <}, {@code >}, {@code &}, U+2028/2029 are written as \\u
 * escapes). Numbers that JSON cannot carry (NaN, infinities) are written as null.
 */
final class Json {

    private final StringBuilder out = new StringBuilder(256);
    /** Per nesting level: true once the first member/element was written. */
    private final java.util.ArrayDeque<boolean[]> levels = new java.util.ArrayDeque<>();
    private boolean afterName;

    Json beginObject() {
        valuePrefix();
        out.append('{');
        levels.push(new boolean[1]);
        return this;
    }

    Json endObject() {
        levels.pop();
        out.append('}');
        return this;
    }

    Json beginArray() {
        valuePrefix();
        out.append('[');
        levels.push(new boolean[1]);
        return this;
    }

    Json endArray() {
        levels.pop();
        out.append(']');
        return this;
    }

    Json name(String name) {
        boolean[] level = levels.peek();
        if (level == null) {
            throw new IllegalStateException("name outside an object");
        }
        if (level[0]) {
            out.append(',');
        }
        level[0] = true;
        quote(name);
        out.append(':');
        afterName = true;
        return this;
    }

    Json value(String s) {
        valuePrefix();
        if (s == null) {
            out.append("null");
        } else {
            quote(s);
        }
        return this;
    }

    Json value(long v) {
        valuePrefix();
        out.append(v);
        return this;
    }

    Json value(double v) {
        valuePrefix();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            out.append("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
        } else {
            out.append(v);
        }
        return this;
    }

    Json value(boolean v) {
        valuePrefix();
        out.append(v);
        return this;
    }

    Json field(String name, String v) {
        return name(name).value(v);
    }

    Json field(String name, long v) {
        return name(name).value(v);
    }

    Json field(String name, double v) {
        return name(name).value(v);
    }

    Json field(String name, boolean v) {
        return name(name).value(v);
    }

    Json field(String name, Collection<String> strings) {
        name(name).beginArray();
        for (String s : strings) {
            value(s);
        }
        return endArray();
    }

    Json field(String name, Map<String, Long> numbers) {
        name(name).beginObject();
        for (Map.Entry<String, Long> e : numbers.entrySet()) {
            field(e.getKey(), e.getValue() == null ? 0L : e.getValue());
        }
        return endObject();
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void valuePrefix() {
        if (afterName) {
            afterName = false;
            return;
        }
        boolean[] level = levels.peek();
        if (level != null) {
            if (level[0]) {
                out.append(',');
            }
            level[0] = true;
        }
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
