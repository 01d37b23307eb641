package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.testing.TestApp;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportSession;

/**
 * Fault drill (issue 17), receiver gone and back, with a real receiver at both ends of the drill:
 * {@link ReceiverLeavesTest} proves a sender counts ICMP unreachable and that datagrams reach a socket bound again;
 * here the receiver is an RX session of the same transport, it leaves while the sender streams (its session
 * closed, its socket gone), a new RX session binds the same port, and what it delivers must be whole frames,
 * byte for byte what the first receiver delivered (and, where the essence is carried unchanged, what was sent),
 * with the sender never touched and never failed.
 */
class ReceiverBackTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"st2110-20 auto", "st2110-20 off", "st2110-22 auto", "st2110-22 off", "st2110-30 off"})
    void aNewReceiverOnTheSamePortGetsCompleteFramesAgain(String path) throws Exception {
        String kind = path.split(" ")[0];
        Transport t = ReceiverLeavesTest.transport(kind, path.split(" ")[1]);
        byte[] content = ReceiverLeavesTest.content(kind);
        int port = ReceiveOffloadTest.freeUdpPort();
        ConnectionSpec txSpec = ReceiverLeavesTest.spec(kind, port);
        ConnectionSpec.Builder rxb = ConnectionSpec.builder(Direction.RX, kind, txSpec.format())
                .local(new Endpoint("127.0.0.1", port));
        txSpec.options().forEach(rxb::option);
        ConnectionSpec rxSpec = rxb.build();
        int capacity = (int) txSpec.format().bufferSize();
        ReceiverLeavesTest.Watch watch = new ReceiverLeavesTest.Watch();
        TransportSession tx = t.open(txSpec, watch);
        try {
            TestApp first = new TestApp(8, capacity);
            TransportSession rx = t.open(rxSpec, first);
            List<byte[]> before = new ArrayList<>();
            assertTrue(ReceiverLeavesTest.pumpUntil(tx, content, () -> collect(first, before) >= 3, 10_000),
                    "the first receiver gets frames: " + rx.stats());
            rx.close(); // the receiver leaves

            assertTrue(ReceiverLeavesTest.pumpUntil(tx, content, () -> tx.stats().get("icmp_unreachable") > 0, 5000),
                    "the sender sees the receiver gone: " + tx.stats());
            long sentWhileGone = tx.stats().get("frames");
            assertTrue(ReceiverLeavesTest.pumpUntil(tx, content, () -> tx.stats().get("frames") > sentWhileGone + 3, 5000),
                    "the sender goes on: " + tx.stats());

            TestApp second = new TestApp(8, capacity);
            TransportSession rx2 = t.open(rxSpec, second); // back, on the same port
            try {
                List<byte[]> after = new ArrayList<>();
                assertTrue(ReceiverLeavesTest.pumpUntil(tx, content, () -> collect(second, after) >= 5, 10_000),
                        "the new receiver gets frames: " + rx2.stats());
                for (byte[] b : after) {
                    assertArrayEquals(before.get(0), b, "a complete frame, as the first receiver had it");
                }
                if (!kind.equals("st2110-22")) { // -22 is lossy: the first receiver's decoded frame is the reference
                    assertArrayEquals(content, before.get(0), "what was sent");
                }
                Map<String, Long> ts = tx.stats();
                System.out.printf("ReceiverBackTest %s: %d frames before, %d after it came back; sender frames %d, "
                        + "icmp_unreachable %d, send_errors %d; new receiver frames %d, frames_incomplete %d%n", path,
                        before.size(), after.size(), ts.get("frames"), ts.get("icmp_unreachable"), ts.get("send_errors"),
                        rx2.stats().get("frames"), rx2.stats().get("frames_incomplete"));
                assertNull(second.failure);
            } finally {
                rx2.close();
            }
            assertNull(watch.failure, "the sender must not fail");
            assertEquals(0L, tx.stats().get("send_errors"), tx.stats().toString());
            assertFalse(before.isEmpty());
        } finally {
            tx.close();
        }
    }

    private static int collect(TestApp app, List<byte[]> into) {
        try {
            into.addAll(app.drain());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return into.size();
    }
}
