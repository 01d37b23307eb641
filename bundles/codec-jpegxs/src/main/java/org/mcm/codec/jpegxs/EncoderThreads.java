package org.mcm.codec.jpegxs;

import org.mcm.api.codec.CodecException;

/**
 * The JPEG XS encoder's threading: one {@link EncoderWorker} per thread and a crew of helper threads (made on first
 * use, daemon, named {@code jpegxs-enc}) that run parts of a job on them, the calling thread taking part 0. The
 * output never depends on the thread count. Handing out a job and waiting for it allocate nothing (a monitor's
 * wait and notify, no futures or queue nodes), so that encoding frame after frame makes no garbage.
 */
final class EncoderThreads implements AutoCloseable {

    /** A unit of parallel work. */
    interface Task {
        void run(int index, EncoderWorker w) throws CodecException;
    }

    final int threads;
    final EncoderWorker[] workers;
    private Thread[] crew; // crew[i] runs part i (crew[0] unused: the caller's part)
    // the job being run (guarded by this): its task, how many parts, a generation number each helper waits to
    // change, the parts not yet done and the first failure of a helper's part
    private Task task;
    private int parts;
    private long generation;
    private int pending;
    private Throwable failure;
    private boolean closed;

    EncoderThreads(EncoderState s, int threads) {
        this.threads = threads;
        workers = new EncoderWorker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new EncoderWorker(s);
        }
    }

    /** Runs task(0..n-1), parts 1.. on the helpers when there are more than one; part 0 on the calling thread. */
    void parallel(int n, Task task) throws CodecException {
        if (n <= 1 || threads == 1) {
            for (int i = 0; i < n; i++) {
                task.run(i, workers[0]);
            }
            return;
        }
        start(n, task);
        CodecException first = null;
        try {
            task.run(0, workers[0]); // the calling thread does part 0
        } catch (CodecException e) {
            first = e;
        } catch (RuntimeException | Error e) {
            join(null);
            throw e;
        }
        join(first);
    }

    /** Starts parts 1..n-1 of task on the helpers (n at most the thread count); {@link #join} waits for them. */
    synchronized void start(int n, Task t) {
        if (n > threads) {
            throw new IllegalArgumentException(n + " parts for " + threads + " threads");
        }
        if (crew == null) {
            crew = new Thread[threads];
            for (int i = 1; i < threads; i++) {
                final int index = i;
                Thread h = new Thread(() -> helper(index), "jpegxs-enc");
                h.setDaemon(true);
                crew[i] = h;
                h.start();
            }
        }
        task = t;
        parts = n;
        pending = n - 1;
        failure = null;
        generation++;
        notifyAll();
    }

    /**
     * Waits for the helpers' parts of the job started last; then throws {@code first} (a failure of the caller's
     * own part, may be null) or else a helper's CodecException; a helper's runtime exception or error is rethrown
     * as it is.
     */
    void join(CodecException first) throws CodecException {
        Throwable f;
        synchronized (this) {
            boolean interrupted = false;
            while (pending > 0 && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the helpers use this job's buffers: wait for them all the same
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            f = pending > 0 ? new CodecException("JPEG XS encoder: closed while encoding") : failure;
            task = null;
        }
        if (first != null) {
            throw first;
        }
        if (f instanceof CodecException) {
            throw (CodecException) f;
        } else if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        } else if (f instanceof Error) {
            throw (Error) f;
        }
    }

    private void helper(int index) {
        long seen = 0;
        while (true) {
            Task t;
            synchronized (this) {
                while (!closed) {
                    if (generation != seen) {
                        seen = generation;
                        if (index < parts && task != null) {
                            break; // a part of this job for this helper
                        }
                    } else {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            // closed: seen below; otherwise wait on
                        }
                    }
                }
                if (closed) {
                    return;
                }
                t = task;
            }
            Throwable err = null;
            try {
                t.run(index, workers[index]);
            } catch (Throwable e) {
                err = e;
            }
            synchronized (this) {
                if (err != null && failure == null) {
                    failure = err;
                }
                pending--;
                notifyAll();
            }
        }
    }

    /** Stops the helper threads. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
        if (crew != null) {
            for (int i = 1; i < crew.length; i++) {
                crew[i].interrupt();
            }
        }
    }
}
