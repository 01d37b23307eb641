package org.mcm.control.internal.util;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The app-link slot of the SDK port: a bind wakes a waiting request, a greedy rebind keeps the newer service. */
class ServiceSlotTest {

    @Test
    void aBindWakesTheWaiter() throws Exception {
        ServiceSlot<String> slot = new ServiceSlot<>();
        CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> slot.await(30, TimeUnit.SECONDS));
        Thread.sleep(100); // the waiter is (most likely) waiting by now; either way it must get the service
        slot.bind("memif");
        assertSame("memif", got.get(30, TimeUnit.SECONDS));
    }

    @Test
    void nothingBoundIsNullAfterTheWait() {
        assertNull(new ServiceSlot<String>().await(20, TimeUnit.MILLISECONDS));
    }

    @Test
    void theOldServiceGoingAwayAfterAGreedyRebindKeepsTheNewOne() {
        ServiceSlot<String> slot = new ServiceSlot<>();
        slot.bind("old");
        slot.bind("new"); // a greedy reference binds the better service first
        slot.unbind("old");
        assertSame("new", slot.get());
        slot.unbind("new");
        assertNull(slot.get());
    }
}
