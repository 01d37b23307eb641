package org.mcm.control.internal.util;

import java.util.concurrent.TimeUnit;

/**
 * The current service of an optional dynamic reference, with a wait for its arrival: the bind method wakes the
 * waiters at once (no polling). A greedy reference binds the better service before it unbinds the old one, so an
 * unbind only clears the slot when it names the service the slot holds.
 */
public final class ServiceSlot<T> {

    private T service; // guarded by this

    public synchronized void bind(T s) {
        service = s;
        notifyAll();
    }

    public synchronized void unbind(T s) {
        if (service == s) {
            service = null;
        }
    }

    public synchronized T get() {
        return service;
    }

    /** The service, waiting at most {@code timeout} for one to be bound; null if none came (or interrupted). */
    public synchronized T await(long timeout, TimeUnit unit) {
        long end = System.nanoTime() + unit.toNanos(timeout);
        long left;
        while (service == null && (left = end - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return service;
    }
}
