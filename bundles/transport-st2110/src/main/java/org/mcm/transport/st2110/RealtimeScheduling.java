package org.mcm.transport.st2110;

import com.sun.jna.Library;
import com.sun.jna.Native;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in real-time scheduling (SCHED_FIFO) of a session's pacing thread (setting {@code txRealtimePriority}), so that
 * its wake-ups between batches are not delayed behind ordinary threads on a busy machine. The kernel grants it to a
 * process running as root or with CAP_SYS_NICE (or within RLIMIT_RTPRIO); otherwise the thread keeps its ordinary
 * policy, one WARN line says so and the session's {@code tx_realtime_refused} stat is 1. A pacing thread sleeps
 * between its batches, so it takes the core only for its sends.
 */
final class RealtimeScheduling {

    private static final Logger LOG = LoggerFactory.getLogger(RealtimeScheduling.class);

    /** Highest {@code txRealtimePriority} accepted (SCHED_FIFO goes to 99; the kernel's own interrupt threads run at 50). */
    static final int MAX_PRIORITY = 49;

    /** Linux errno values. */
    static final int EPERM = 1;
    static final int ENOSYS = 38;

    private static final long SYS_GETTID = 186; // x86_64
    private static final int SCHED_FIFO = 1;

    /** Asks the kernel for SCHED_FIFO at a priority for the calling thread; returns 0 or the errno. */
    @FunctionalInterface
    interface Policy {
        int setFifoForCallingThread(int priority);
    }

    /** The real one: {@code sched_setscheduler(gettid(), SCHED_FIFO, {priority})} through JNA (libc). */
    static final Policy NATIVE = priority -> {
        try {
            LibC c = LibC.INSTANCE;
            int tid = (int) c.syscall(SYS_GETTID);
            return c.sched_setscheduler(tid, SCHED_FIFO, new int[] {priority}) == 0 ? 0 : Native.getLastError();
        } catch (LinkageError e) { // no JNA or no libc: nothing to ask
            return ENOSYS;
        }
    };

    /** libc through JNA's interface mapping (variadic syscall). */
    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        long syscall(long number, Object... args);

        int sched_setscheduler(int pid, int policy, int[] param);
    }

    private RealtimeScheduling() {
    }

    /** Checks the {@code txRealtimePriority} setting: 0 (off) to {@link #MAX_PRIORITY}. */
    static int priority(int p) {
        if (p < 0 || p > MAX_PRIORITY) {
            throw new IllegalArgumentException("txRealtimePriority must be 0 (off) to " + MAX_PRIORITY + ", got " + p);
        }
        return p;
    }

    /**
     * Asks for SCHED_FIFO at {@code priority} for the calling thread; true when granted. When refused, one WARN line
     * names the thread ({@code who}) and the reason, and the thread runs on as it was.
     */
    static boolean apply(Policy policy, int priority, String who) {
        int errno = policy.setFifoForCallingThread(priority);
        if (errno == 0) {
            LOG.info("{}: real-time scheduling SCHED_FIFO priority {}", who, priority);
            return true;
        }
        LOG.warn("{}: real-time scheduling (txRealtimePriority={}) refused ({}): the thread keeps the normal policy; "
                + "run the proxy as root or give it CAP_SYS_NICE, or set txRealtimePriority=0", who, priority,
                errno == EPERM ? "EPERM: not permitted" : "errno " + errno);
        return false;
    }
}
