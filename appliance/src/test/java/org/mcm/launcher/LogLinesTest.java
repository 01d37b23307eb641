package org.mcm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

/** The launcher's side of the one log format: java.util.logging and Felix's own messages as log lines. */
class LogLinesTest {

    @Test
    void aJulRecordIsOneLineInTheFormat() {
        LogRecord r = new LogRecord(Level.WARNING, "Failed to bind {0}\nsecond line");
        r.setParameters(new Object[] {"0.0.0.0:8001"});
        r.setLoggerName("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport");
        r.setInstant(Instant.parse("2026-01-02T03:04:05.678Z"));
        String s = new LogLines.OneLineFormatter().format(r);
        String line = s.substring(0, s.length() - System.lineSeparator().length());
        assertTrue(LogLines.LINE.matcher(line).matches(), line);
        assertTrue(line.startsWith(LogLines.time(r.getInstant()) + " [" + Thread.currentThread().getName() + "] WARN "
                + "NettyServerTransport - Failed to bind 0.0.0.0:8001 | second line"), line);
        assertEquals(1, s.lines().count(), s);
    }

    @Test
    void levelsMapAsSlf4jNamesThem() {
        assertEquals("ERROR", LogLines.levelName(Level.SEVERE));
        assertEquals("WARN", LogLines.levelName(Level.WARNING));
        assertEquals("INFO", LogLines.levelName(Level.INFO));
        assertEquals("DEBUG", LogLines.levelName(Level.CONFIG));
        assertEquals("DEBUG", LogLines.levelName(Level.FINE));
        assertEquals("TRACE", LogLines.levelName(Level.FINEST));
        assertEquals(Level.WARNING, LogLines.julLevel("warn"));
        assertEquals(Level.INFO, LogLines.julLevel("info"));
    }

    @Test
    void aStackTraceFollowsItsLine() {
        LogRecord r = new LogRecord(Level.SEVERE, "it broke");
        r.setLoggerName("x.y.Z");
        r.setThrown(new IllegalStateException("because"));
        List<String> lines = new LogLines.OneLineFormatter().format(r).lines().toList();
        assertTrue(LogLines.LINE.matcher(lines.get(0)).matches(), lines.get(0));
        assertTrue(lines.get(0).contains(" ERROR Z - it broke"), lines.get(0));
        assertEquals("java.lang.IllegalStateException: because", lines.get(1));
    }

    @Test
    void felixMessagesBecomeRecordsOfTheFrameworkLogger() {
        Logger jul = Logger.getLogger("org.apache.felix.framework");
        List<LogRecord> got = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord record) {
                got.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        jul.setUseParentHandlers(false);
        try {
            LogLines.FrameworkLog log = new LogLines.FrameworkLog();
            log.setLogLevel(4);
            log.log((org.osgi.framework.Bundle) null, 1, "Unable to resolve org.mcm.x", new RuntimeException("r"));
            log.log((org.osgi.framework.Bundle) null, 2, "a warning");
        } finally {
            jul.removeHandler(h);
            jul.setUseParentHandlers(true);
        }
        assertEquals(2, got.size());
        assertEquals(Level.SEVERE, got.get(0).getLevel());
        assertEquals("Unable to resolve org.mcm.x", got.get(0).getMessage());
        assertEquals("r", got.get(0).getThrown().getMessage());
        assertEquals(Level.WARNING, got.get(1).getLevel());
    }
}
