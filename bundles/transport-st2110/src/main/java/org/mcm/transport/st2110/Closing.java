package org.mcm.transport.st2110;

import java.io.Closeable;
import java.io.IOException;

/** Teardown steps the sessions share: closing that cannot fail the close, and a bounded wait for a thread. */
final class Closing {

    private Closing() {
    }

    /** Closes c (null: nothing); an error while closing is of no use to anyone tearing down. */
    static void quietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Waits up to millis for t to end; an interrupt is kept for the caller. */
    static void join(Thread t, long millis) {
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
