package org.mcm.sdk.apps;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sample apps' log level, set before anything logs: WARN by default, so a run prints only the app's own lines
 * (and real problems); DEBUG with {@code -v/--verbose} (the library's INFO lines and its connection events: memif
 * logs a link coming and going at DEBUG). The SDK and the memif library log through SLF4J: its simple
 * backend (shipped with the apps, not forced on SDK users) is configured through its system properties, to standard
 * error so that {@code -o -} keeps standard output for frames; {@code java.util.logging} (and {@link System.Logger},
 * whose default backend it is) gets the same threshold. A level given with {@code -Dorg.slf4j.simpleLogger.*} in
 * {@code MCM_JAVA_OPTS} wins.
 */
final class AppLogging {

    /** Held so that the level set on it stays. */
    private static final Logger JUL_ROOT = Logger.getLogger("");

    private AppLogging() {
    }

    /** Whether the command line asks for the library's log lines ({@code -v} or {@code --verbose}). */
    static boolean verbose(String[] args) {
        List<String> a = List.of(args);
        return a.contains("-v") || a.contains("--verbose");
    }

    static void configure(boolean verbose) {
        String level = verbose ? "debug" : "warn";
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        JUL_ROOT.setLevel(verbose ? Level.FINE : Level.WARNING);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
