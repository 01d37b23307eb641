package org.mcm.launcher;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * One line per event in one format for everything the appliance logs. Bundles log through SLF4J, whose backend
 * (slf4j-simple, started inside the framework) is configured here to write
 * {@code 2026-12-06T13:41:46.123 [thread] LEVEL Name - message}; the other paths are bridged into that same line:
 * {@code java.util.logging} (gRPC, Netty) and {@link System.Logger} (whose default backend is
 * {@code java.util.logging}) through {@link OneLineFormatter} on the root handler, the Felix framework's own messages
 * through {@link FrameworkLog}. OSGi Log Service entries (SCR, ConfigAdmin, FileInstall) are forwarded to SLF4J by
 * the control bundle's log bridge. A stack trace follows its line, as with slf4j-simple.
 */
final class LogLines {

    /** The date format slf4j-simple is given, so both write the same time stamp. */
    static final String DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS";

    /** A log line: time stamp, [thread] (a name may hold brackets), level, short logger name, " - ", message. */
    static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\[.*\\] (ERROR|WARN|INFO|DEBUG|TRACE) \\S+ - .*");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern(DATE_FORMAT, Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private LogLines() {
    }

    /**
     * Sets up every logging path of the process for the given level ({@code error, warn, info, debug, trace}):
     * slf4j-simple's system properties (unless already set) and the root handler of {@code java.util.logging}.
     */
    static void install(String level) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.out");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", DATE_FORMAT);
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        // SLF4J 2 loads this provider directly, through slf4j-api's class loader (the mcm-slf4j-provider fragment
        // imports its package there), instead of a ServiceLoader lookup that would need a mediator such as SPI Fly
        setIfAbsent("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
        setIfAbsent("slf4j.internal.verbosity", "WARN"); // no "connected with provider" report line

        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(julLevel(level));
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (isLoggable(r)) {
                    PrintStream out = System.out;
                    out.print(getFormatter().format(r));
                    out.flush();
                }
            }

            @Override
            public void flush() {
                System.out.flush();
            }

            @Override
            public void close() {
                flush();
            }
        };
        h.setFormatter(new OneLineFormatter());
        h.setLevel(Level.ALL);
        root.addHandler(h);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    static Level julLevel(String level) {
        switch (level) {
            case "error":
                return Level.SEVERE;
            case "warn":
                return Level.WARNING;
            case "debug":
                return Level.FINE;
            case "trace":
                return Level.FINEST;
            default:
                return Level.INFO;
        }
    }

    /** The slf4j-simple level name of a {@code java.util.logging} level. */
    static String levelName(Level l) {
        int v = l.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (v >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    /** The last part of a dotted name, as slf4j-simple's {@code showShortLogName}. */
    static String shortName(String name) {
        if (name == null || name.isEmpty()) {
            return "root";
        }
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /** A {@code java.util.logging} record as one slf4j-simple line (and its stack trace, if any). */
    static final class OneLineFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(128);
            TIME.formatTo(r.getInstant(), b);
            b.append(" [").append(Thread.currentThread().getName()).append("] ").append(levelName(r.getLevel()))
                    .append(' ').append(shortName(r.getLoggerName())).append(" - ")
                    .append(oneLine(formatMessage(r))).append(System.lineSeparator());
            if (r.getThrown() != null) {
                StringWriter sw = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(sw));
                b.append(sw);
            }
            return b.toString();
        }
    }

    /** A message on one line: line breaks inside it become " | ". */
    static String oneLine(String m) {
        if (m == null) {
            return "";
        }
        return m.indexOf('\n') < 0 && m.indexOf('\r') < 0 ? m : m.strip().replaceAll("\\s*[\r\n]+\\s*", " | ");
    }

    /** Formats one instant as the log lines do (for tests). */
    static String time(Instant t) {
        return TIME.format(t);
    }

    /**
     * The Felix framework's own messages (resolver errors, bundle events it reports itself) as
     * {@code java.util.logging} records of the logger {@code org.apache.felix.framework}, hence as log lines
     * instead of Felix's {@code ERROR: ...} prints.
     */
    static final class FrameworkLog extends org.apache.felix.framework.Logger {
        private static final Logger JUL = Logger.getLogger("org.apache.felix.framework");

        @Override
        @SuppressWarnings("rawtypes") // Felix declares the raw type
        protected void doLog(Bundle bundle, ServiceReference sr, int level, String msg, Throwable t) {
            Level l = level <= LOG_ERROR ? Level.SEVERE
                    : level == LOG_WARNING ? Level.WARNING : level == LOG_INFO ? Level.INFO : Level.FINE;
            StringBuilder m = new StringBuilder();
            if (bundle != null) {
                m.append(bundle.getSymbolicName() == null ? "bundle " + bundle.getBundleId() : bundle.getSymbolicName())
                        .append(": ");
            }
            m.append(msg);
            if (sr != null) {
                m.append(" (").append(sr).append(')');
            }
            LogRecord r = new LogRecord(l, m.toString());
            r.setLoggerName(JUL.getName());
            r.setThrown(t);
            JUL.log(r);
        }
    }
}
