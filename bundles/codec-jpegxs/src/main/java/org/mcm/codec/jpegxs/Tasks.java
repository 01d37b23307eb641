package org.mcm.codec.jpegxs;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.mcm.api.codec.CodecException;

/** Waiting for the parts of a frame that helper threads work on. */
final class Tasks {

    private Tasks() {
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
