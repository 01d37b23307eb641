package org.mcm.transport.st2110;

import java.util.function.BooleanSupplier;

import org.mcm.api.transport.TransportContext;

/**
 * The one way the ST 2110 sessions run their threads (receive, send, encode, decode, convert): whatever escapes a
 * session's loop while the session is meant to run (a bug, an {@code OutOfMemoryError}) turns the session FAILED with
 * the reason, through {@link TransportContext#failed}, which tells its app and is counted ({@code sessions_failed});
 * a session never dies silently with its app waiting on a dead stream. An end while the session is closing is normal.
 */
final class SessionThread {

    private SessionThread() {
    }

    /** A daemon thread, not started, running {@code loop} under that rule. */
    static Thread of(String name, TransportContext ctx, BooleanSupplier running, Runnable loop) {
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } catch (Throwable e) {
                if (running.getAsBoolean()) {
                    ctx.failed(name + " stopped: " + e);
                }
                if (e instanceof VirtualMachineError v && !(e instanceof OutOfMemoryError)) {
                    throw v;
                }
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
