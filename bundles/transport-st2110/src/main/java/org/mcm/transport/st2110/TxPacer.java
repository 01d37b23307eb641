package org.mcm.transport.st2110;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that sends paced ST 2110-20 video on the kernel fast path: one per session (the default) or one for all
 * such senders of the bundle ({@link #shared()}, setting {@code txSharedPacer}). Each wake-up sends, for every
 * sender, the segmentation batches whose send times fall in the pacing granularity's current interval of the
 * sender's grid (multiples of the granularity on {@code System.nanoTime()}, common to the shared pacer's senders), so
 * N senders on the shared pacer cost one wake-up an interval instead of N. A batch leaves at most one granularity
 * before its send time either way.
 *
 * <p>Measured (four 1080p60 pairs, receivers in the same proxy, 2 cores): the shared pacer's own wake-ups fall from
 * ~7,600 to ~2,000 a second, but every send wakes a local receiving thread that preempts it (~5,000 involuntary
 * switches a second), so the proxy switches as often and spends no less CPU; hence a thread per sender by default.
 *
 * <p>A sender whose work throws (a bug, a failed send) is taken out and turned FAILED alone; the others go on.
 * The thread exists while it has senders and ends with the last one, so a stopped bundle leaves no thread behind.
 */
final class TxPacer {

    /** What the pacer drives: a sender that sends what is due and says when it next has something due. */
    interface Member {

        /**
         * Sends every group due by {@code now} (starting queued frames as their turn comes); returns the time its next
         * group is due (a grid tick), or {@link Long#MAX_VALUE} when it has nothing queued ({@link TxPacer#wake} then
         * wakes the pacer when a frame comes).
         */
        long work(long now) throws Exception;

        /** Called on the pacer's thread when it takes the member in; asks for real-time scheduling if wanted. */
        void joined(TxPacer pacer);

        /** The member's work threw {@code e}: it has been taken out and must not be driven again. */
        void failed(Throwable e);
    }

    private static final TxPacer SHARED = new TxPacer("st2110-20-tx-pacer");

    /** The bundle's pacer that all senders with {@code txSharedPacer} set to true join. */
    static TxPacer shared() {
        return SHARED;
    }

    private final String name;
    private final Object lock = new Object();
    /** Members (guarded by lock); the thread works on a copy taken when {@link #version} moves. */
    private final Set<Member> members = new LinkedHashSet<>();
    private long version;
    /** The version the thread last took its copy at (guarded by lock). */
    private long seen;
    private Thread thread;
    /** SCHED_FIFO priority the thread has (pacer thread only). */
    private int realtimeGranted;
    private volatile int size;
    /** Passes over the members (one a wake-up), since the pacer was made. */
    private volatile long passes;

    TxPacer(String name) {
        this.name = name;
    }

    /** Adds a member; starts the thread if it has none. */
    void join(Member m) {
        Thread t;
        synchronized (lock) {
            members.add(m);
            version++;
            size = members.size();
            if (thread == null) {
                thread = new Thread(this::run, name);
                thread.setDaemon(true);
                thread.start();
            }
            t = thread;
        }
        LockSupport.unpark(t);
    }

    /**
     * Takes a member out and waits (up to {@code millis}) until the thread no longer works on it; true when it is
     * certain not to (false only when the thread did not come round in time).
     */
    boolean leave(Member m, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (lock) {
            if (!members.remove(m)) {
                return true;
            }
            long v = ++version;
            size = members.size();
            if (thread == null || thread == Thread.currentThread()) {
                return true;
            }
            LockSupport.unpark(thread);
            while (seen < v && thread != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** A member that had nothing to send has a frame now. */
    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Passes over the members so far: the thread's wake-ups (tests, stats). */
    long passes() {
        return passes;
    }

    /** Members now. */
    int size() {
        return size;
    }

    /** Whether the calling thread is this pacer's. */
    boolean isPacerThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Asks for SCHED_FIFO at {@code priority} for the pacer's thread (call on it) unless it already has that much;
     * true when the thread runs at that priority or above.
     */
    boolean realtime(RealtimeScheduling.Policy policy, int priority, String who) {
        if (priority <= realtimeGranted) {
            return true;
        }
        if (RealtimeScheduling.apply(policy, priority, who)) {
            realtimeGranted = priority;
            return true;
        }
        return false;
    }

    private void run() {
        Member[] work = new Member[0];
        realtimeGranted = 0; // a new thread has the normal policy
        try {
            while (true) {
                Member[] joined = null;
                synchronized (lock) {
                    if (seen != version) {
                        Member[] before = work;
                        work = members.toArray(new Member[0]);
                        seen = version;
                        lock.notifyAll();
                        joined = newOnes(before, work);
                    }
                    if (work.length == 0) {
                        thread = null; // a join from now on starts a new thread
                        lock.notifyAll();
                        return;
                    }
                }
                if (joined != null) {
                    for (Member m : joined) {
                        m.joined(this);
                    }
                }
                long next = Long.MAX_VALUE;
                passes++;
                for (Member m : work) {
                    long due;
                    try {
                        due = m.work(System.nanoTime());
                    } catch (Throwable e) {
                        drop(m, e);
                        continue;
                    }
                    if (due < next) {
                        next = due;
                    }
                }
                if (next == Long.MAX_VALUE) {
                    LockSupport.parkNanos(100_000_000L); // a frame or a member change unparks it
                } else {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
            }
        } catch (Throwable e) {
            // a fault of the pacer itself: every member fails with the reason instead of waiting on a dead thread
            Member[] all;
            synchronized (lock) {
                all = members.toArray(new Member[0]);
                members.clear();
                version++;
                seen = version;
                size = 0;
                thread = null;
                lock.notifyAll();
            }
            for (Member m : all) {
                tell(m, e);
            }
            if (e instanceof VirtualMachineError v && !(e instanceof OutOfMemoryError)) {
                throw v;
            }
        }
    }

    /** Takes a member whose work threw out (on the pacer's thread) and tells it. */
    private void drop(Member m, Throwable e) {
        synchronized (lock) {
            if (members.remove(m)) {
                version++;
                size = members.size();
            }
        }
        tell(m, e);
    }

    /** Tells a member it failed; whatever its failure handling throws stays with it. */
    private static void tell(Member m, Throwable e) {
        try {
            m.failed(e);
        } catch (RuntimeException | AssertionError | OutOfMemoryError ignored) {
            // the member is out either way; the others must go on
        }
    }

    private static Member[] newOnes(Member[] before, Member[] now) {
        Member[] out = new Member[now.length];
        int n = 0;
        outer:
        for (Member m : now) {
            for (Member b : before) {
                if (b == m) {
                    continue outer;
                }
            }
            out[n++] = m;
        }
        return n == 0 ? null : java.util.Arrays.copyOf(out, n);
    }
}
