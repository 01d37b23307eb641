package org.mcm.control.internal.log;

import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards what other bundles write to the OSGi Log Service (SCR, ConfigAdmin, FileInstall, the framework's event
 * errors) to SLF4J, so it comes out as one line in the proxy's one log format instead of staying unread in the log
 * service's memory. The SLF4J logger is the writing bundle's symbolic name. The framework's own event entries
 * ({@code BundleEvent STARTED}, {@code ServiceEvent REGISTERED}, ...) are kept out unless they are warnings or errors:
 * they repeat what the Web Console shows and would flood the log at start. Felix Log exports the Log Service 1.5
 * API this is built against.
 */
@Component(service = {}, immediate = true)
public final class LogServiceBridge implements LogListener {

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindLogReader(LogReaderService reader) {
        reader.addLogListener(this);
    }

    void unbindLogReader(LogReaderService reader) {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        forward(entry);
    }

    /**
     * Writes one entry to SLF4J; returns whether it was written (false: a framework event below WARN, or below the
     * level). AUDIT entries (to be logged always) are written as WARN.
     */
    static boolean forward(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        String message = entry.getMessage() == null ? "" : entry.getMessage();
        if (level.implies(LogLevel.INFO) && isFrameworkEvent(entry.getLoggerName())) {
            return false;
        }
        Logger log = LoggerFactory.getLogger(loggerName(entry.getBundle()));
        Throwable t = entry.getException();
        String line = oneLine(message);
        switch (level) {
            case ERROR:
                if (!log.isErrorEnabled()) {
                    return false;
                }
                log.error(line, t);
                return true;
            case AUDIT:
            case WARN:
                if (!log.isWarnEnabled()) {
                    return false;
                }
                log.warn(line, t);
                return true;
            case INFO:
                if (!log.isInfoEnabled()) {
                    return false;
                }
                log.info(line, t);
                return true;
            case DEBUG:
                if (!log.isDebugEnabled()) {
                    return false;
                }
                log.debug(line, t);
                return true;
            default:
                if (!log.isTraceEnabled()) {
                    return false;
                }
                log.trace(line, t);
                return true;
        }
    }

    /** The framework's own entries: loggers {@code Events.Bundle}, {@code Events.Service}, {@code Events.Framework}. */
    static boolean isFrameworkEvent(String loggerName) {
        return loggerName != null && loggerName.startsWith("Events.");
    }

    static String loggerName(Bundle b) {
        if (b == null) {
            return "osgi";
        }
        return b.getSymbolicName() == null ? "bundle" + b.getBundleId() : b.getSymbolicName();
    }

    /** Line breaks inside a message become " | ", so that one event stays one line. */
    static String oneLine(String m) {
        return m.indexOf('\n') < 0 && m.indexOf('\r') < 0 ? m : m.strip().replaceAll("\\s*[\r\n]+\\s*", " | ");
    }
}
