package org.mcm.memif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.memif.internal.Msg;

/**
 * What memif logs through SLF4J (slf4j-simple at its default INFO level here, writing to System.err): a link that
 * comes and goes is DEBUG (silent at INFO), a peer that breaks the protocol is one WARN line, at most five per socket
 * every 10 s with the number held back in the next one, and every violation is counted.
 */
@Timeout(60)
class MemifLoggingTest {

    @TempDir
    Path dir;

    /** Runs the body with System.err captured; the lines that name the address. */
    private static List<String> captured(MemifAddress addr, ThrowingRunnable body) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        old.print(out); // still in the test's output
        return out.lines().filter(l -> l.contains(addr.name())).toList();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aLinkThatComesAndGoesLogsNothingAtInfo() throws Exception {
        MemifAddress addr = MemifAddress.path(dir.resolve("quiet.sock"));
        List<String> lines = captured(addr, () -> {
            try (MemifSocket server = MemifSocket.server(addr)) {
                MemifInterface s = server.createInterface(InterfaceConfig.builder(0).build());
                for (int k = 0; k < 3; k++) {
                    try (MemifSocket client = MemifSocket.client(addr)) {
                        MemifInterface c = client.createInterface(InterfaceConfig.builder(0).build());
                        assertTrue(c.awaitConnected(5, TimeUnit.SECONDS));
                        assertTrue(s.awaitConnected(5, TimeUnit.SECONDS));
                    }
                    assertTrue(s.awaitDisconnected(5, TimeUnit.SECONDS));
                }
            }
        });
        assertEquals(List.of(), lines, "connects and disconnects are DEBUG");
    }

    @Test
    void protocolErrorsLogOneLineEachAtMostFivePerWindowAndAllAreCounted() throws Exception {
        MemifAddress addr = MemifAddress.path(dir.resolve("noisy.sock"));
        int peers = 20;
        long[] counted = new long[1];
        List<String> lines = captured(addr, () -> {
            try (MemifSocket server = MemifSocket.server(addr)) {
                server.createInterface(InterfaceConfig.builder(0).build());
                for (int k = 0; k < peers; k++) {
                    try (RawPeer p = new RawPeer(addr)) {
                        p.expect(Msg.HELLO);
                        p.init(77); // no such interface
                        p.expect(Msg.DISCONNECT);
                    }
                }
                assertTrue(MemifLoopbackTest.waitFor(() -> server.protocolErrors() == peers));
                counted[0] = server.protocolErrors();
            }
        });
        assertEquals(peers, counted[0], "every violation counted");
        assertEquals(ControlLoop.WARN_LINES_PER_WINDOW, lines.size(), "lines: " + lines);
        for (String l : lines) {
            assertTrue(l.contains("WARN") && l.contains("protocol error, disconnected: ID not found"), l);
        }
    }
}
