package org.mcm.console.internal;

/** The tab's HTML: the template from the bundle with the plugin root filled in (HTML-escaped). */
final class Page {

    private Page() {
    }

    static String render(String template, String pluginRoot) {
        return template.replace("${pluginRoot}", escape(pluginRoot));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
