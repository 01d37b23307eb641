package org.mcm.control.internal.util;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The app-link slot of the SDK port: a bind wakes a waiting request, a greedy rebind keeps the newer service. */
class ServiceSlotTest {

    @Test
    void aBindWakesTheWaiter() throws Exception {
        ServiceSlot<String> slot = new ServiceSlot<>();
        CompletableFuture<String> got = new CompletableFuture<>();
        Thread waiter = new Thread(() -> got.complete(slot.await(30, TimeUnit.SECONDS)), "slot-waiter");
        waiter.start();
        await("the waiter blocked in await").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> waiter.getState() == Thread.State.TIMED_WAITING || waiter.getState() == Thread.State.WAITING);
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
