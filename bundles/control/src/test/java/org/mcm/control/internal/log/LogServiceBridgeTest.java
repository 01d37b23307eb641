package org.mcm.control.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;

/** What the Log Service bridge forwards. */
class LogServiceBridgeTest {

    /** An entry as the Log Service hands it over (a proxy: the LogEntry interface grows between versions). */
    private static LogEntry entry(LogLevel level, String logger, String message, Throwable t) {
        return (LogEntry) java.lang.reflect.Proxy.newProxyInstance(LogEntry.class.getClassLoader(),
                new Class<?>[] {LogEntry.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getLogLevel" -> level;
                    case "getLoggerName" -> logger;
                    case "getMessage" -> message;
                    case "getException" -> t;
                    case "getTime", "getSequence" -> 0L;
                    case "toString" -> "entry " + message;
                    default -> null;
                });
    }

    @Test
    void errorsAreForwardedAndFrameworkEventsBelowWarningAreNot() {
        assertTrue(LogServiceBridge.forward(entry(LogLevel.ERROR, "org.apache.felix.scr", "[org.mcm.x] cannot activate",
                new IllegalStateException("boom"))));
        assertTrue(LogServiceBridge.forward(entry(LogLevel.ERROR, "Events.Framework", "FrameworkEvent ERROR", null)));
        assertFalse(LogServiceBridge.forward(entry(LogLevel.INFO, "Events.Bundle", "BundleEvent STARTED", null)));
        assertFalse(LogServiceBridge.forward(entry(LogLevel.DEBUG, "Events.Service", "ServiceEvent REGISTERED", null)));
    }

    @Test
    void otherEntriesFollowTheLevelOfTheBundlesLogger() {
        // the tests run at slf4j-simple's default level (info), the fuzz execution at error: either way the entry
        // is written exactly when its level is enabled for the logger (named after the bundle; "osgi" without one)
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("osgi");
        assertEquals(log.isWarnEnabled(), LogServiceBridge.forward(entry(LogLevel.AUDIT, "x", "always", null)));
        assertEquals(log.isWarnEnabled(), LogServiceBridge.forward(entry(LogLevel.WARN, "x", "a warning", null)));
        assertEquals(log.isInfoEnabled(), LogServiceBridge.forward(entry(LogLevel.INFO, "x", "configured", null)));
        assertFalse(LogServiceBridge.forward(entry(LogLevel.DEBUG, "x", "a component was activated", null)),
                "debug is below both levels");
    }

    @Test
    void oneEventIsOneLine() {
        assertEquals("first | second | third", LogServiceBridge.oneLine("first\n  second\r\nthird\n"));
        assertEquals("plain", LogServiceBridge.oneLine("plain"));
        assertEquals("osgi", LogServiceBridge.loggerName(null));
    }
}
