package org.mcm.codec.jpegxs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.mcm.api.codec.CodecException;

/**
 * The JPEG XS encoder's threading: one {@link EncoderWorker} per thread and a small pool (made on first use) that
 * runs parts of a job on them, the calling thread taking part 0. The output never depends on the thread count.
 */
final class EncoderThreads implements AutoCloseable {

    /** A unit of parallel work. */
    interface Task {
        void run(int index, EncoderWorker w) throws CodecException;
    }

    final int threads;
    final EncoderWorker[] workers;
    private ExecutorService pool;

    EncoderThreads(EncoderState s, int threads) {
        this.threads = threads;
        workers = new EncoderWorker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new EncoderWorker(s);
        }
    }

    /** Starts job on the pool. */
    Future<?> submit(Callable<?> job) {
        return pool().submit(job);
    }

    private ExecutorService pool() {
        if (pool == null) {
            pool = Tasks.pool(threads, "jpegxs-enc");
        }
        return pool;
    }

    static void join(List<Future<?>> fs) throws CodecException {
        Tasks.join(fs, null, "JPEG XS encoder");
    }

    /** Runs task(0..n-1), on the pool when there is more than one. */
    void parallel(int n, Task task) throws CodecException {
        if (n <= 1 || threads == 1) {
            for (int i = 0; i < n; i++) {
                task.run(i, workers[0]);
            }
            return;
        }
        ExecutorService p = pool();
        List<Future<?>> fs = new ArrayList<>(n);
        for (int i = 1; i < n; i++) {
            final int index = i;
            fs.add(p.submit(() -> {
                task.run(index, workers[index]);
                return null;
            }));
        }
        CodecException first = null;
        try {
            task.run(0, workers[0]); // the calling thread does part 0
        } catch (CodecException e) {
            first = e;
        }
        Tasks.join(fs, first, "JPEG XS encoder");
    }

    /** Stops the pool's threads. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }
}
