package org.mcm.itests;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The itests' readiness polls (Awaitility), shared by the process tests and the Pax Exam tests (the container gets
 * Awaitility and its Hamcrest from {@link Provisioning}): wait for the condition itself, never for a fixed time.
 * Uncaught exceptions of other threads are not caught: the failsafe JVM runs one Felix after another, and a gRPC
 * thread an earlier container left behind must not fail the next test's wait.
 */
public final class Polls {

    private Polls() {
    }

    /** Polls {@code cond} every 50 ms until it holds; fails naming {@code what} after {@code millis}. */
    public static void waitFor(String what, BooleanSupplier cond, long millis) {
        await(what).dontCatchUncaughtExceptions().atMost(Duration.ofMillis(millis)).pollInterval(Duration.ofMillis(50)).until(cond::getAsBoolean);
    }

    /** Waits until {@code file} contains {@code text} (a process's log or status output). */
    public static void waitForText(Path file, String text, long millis) {
        await("'" + text + "' in " + file).dontCatchUncaughtExceptions().atMost(Duration.ofMillis(millis)).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.exists(file) && Files.readString(file).contains(text));
    }
}
