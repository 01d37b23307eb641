package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.Direction;
import org.mcm.api.session.TransportInfo;

class TransportRowsTest {

    private static final Set<Direction> BOTH = Set.of(Direction.TX, Direction.RX);

    @Test
    void runningStoppedAndNeverStartedTransportBundles() {
        TransportRows rows = new TransportRows();
        List<TransportInfo> loaded = List.of(
                new TransportInfo("st2110-20", "video", BOTH, "org.mcm.transport.st2110", "1.0.0", 2),
                new TransportInfo("st2110-30", "audio", BOTH, "org.mcm.transport.st2110", "1.0.0", 1),
                new TransportInfo("local", "local", BOTH, "org.mcm.transport.local", "1.0.0", 0));
        List<TransportRows.BundleFacts> bundles = List.of(
                new TransportRows.BundleFacts(30, "org.mcm.transport.st2110", "1.0.0", "ACTIVE", Set.of("st2110-20", "st2110-30"), true),
                new TransportRows.BundleFacts(31, "org.mcm.transport.local", "1.0.0", "ACTIVE", Set.of("local"), true),
                new TransportRows.BundleFacts(5, "org.apache.felix.scr", "2.2.18", "ACTIVE", Set.of(), false),
                new TransportRows.BundleFacts(40, "com.example.transport.rtsp", "0.1.0", "INSTALLED", Set.of(), true));
        List<TransportRows.Row> r = rows.rows(loaded, bundles);
        assertEquals(3, r.size(), r.toString());
        TransportRows.Row st = r.stream().filter(x -> x.bundleId() == 30).findFirst().orElseThrow();
        assertEquals(Set.of("st2110-20", "st2110-30"), st.protocols());
        assertEquals(3, st.activeSessions());
        assertTrue(st.loaded());
        TransportRows.Row rtsp = r.stream().filter(x -> x.bundleId() == 40).findFirst().orElseThrow();
        assertTrue(rtsp.protocols().isEmpty());
        assertFalse(rtsp.loaded());
        assertFalse(r.stream().anyMatch(x -> x.bundleId() == 5), "not a transport bundle");

        // the local bundle is stopped: still listed, with the protocol it spoke
        List<TransportRows.Row> after = rows.rows(loaded.subList(0, 2), List.of(bundles.get(0),
                new TransportRows.BundleFacts(31, "org.mcm.transport.local", "1.0.0", "RESOLVED", Set.of(), true)));
        TransportRows.Row local = after.stream().filter(x -> x.bundleId() == 31).findFirst().orElseThrow();
        assertEquals("RESOLVED", local.state());
        assertEquals(Set.of("local"), local.protocols());
        assertEquals(0, local.activeSessions());
        assertFalse(local.loaded());
    }

    @Test
    void aTransportWithoutAMatchingBundleStillShows() {
        List<TransportRows.Row> r = new TransportRows().rows(
                List.of(new TransportInfo("x", "d", BOTH, "gone.bundle", "1", 0)), List.of());
        assertEquals(1, r.size());
        assertEquals(-1, r.get(0).bundleId());
    }
}
