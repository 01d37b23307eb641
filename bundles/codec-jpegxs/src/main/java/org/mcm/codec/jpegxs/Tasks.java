package org.mcm.codec.jpegxs;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.mcm.api.codec.CodecException;

/** The helper threads of an encoder or decoder: their pool, who does which component, waiting for them. */
final class Tasks {

    private Tasks() {
    }

    /** A fixed pool of daemon threads (they never keep the JVM alive), named after their owner. */
    static ExecutorService pool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Components to workers: largest first, each to the least loaded worker (4:2:2 on two workers: luma on one,
     * both chroma components on the other). Returns the worker of every component.
     */
    static int[] byComponent(Geometry g, int workers) {
        final int[] owner = new int[g.nc];
        final long[] load = new long[workers];
        final boolean[] done = new boolean[g.nc];
        for (int n = 0; n < g.nc; n++) {
            int big = -1;
            for (int c = 0; c < g.nc; c++) {
                if (!done[c] && (big < 0 || (long) g.compW[c] * g.compH[c] > (long) g.compW[big] * g.compH[big])) {
                    big = c;
                }
            }
            done[big] = true;
            int best = 0;
            for (int t = 1; t < workers; t++) {
                if (load[t] < load[best]) {
                    best = t;
                }
            }
            owner[big] = best;
            load[best] += (long) g.compW[big] * g.compH[big];
        }
        return owner;
    }

    /**
     * Waits for every task; then throws {@code first} (a failure of the caller's own part, may be null) or else the
     * first task's CodecException. Runtime exceptions and errors of a task are rethrown as they are.
     */
    static void join(List<Future<?>> fs, CodecException first, String who) throws CodecException {
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof CodecException) {
                    first = first == null ? (CodecException) c : first;
                } else if (c instanceof RuntimeException) {
                    throw (RuntimeException) c;
                } else if (c instanceof Error) {
                    throw (Error) c;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CodecException(who + ": interrupted", e);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
