package org.mcm.transport.st2110;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.mcm.api.transport.TransportException;

/**
 * The direct memory of one session (frame-sized buffers: staging frames, encoded segments), taken within the limits
 * of the settings and given back when the session ends. Each allocation is accounted against the session's limit and
 * the bundle-wide one before it is made, so a request beyond them is refused with a clear error instead of running
 * the JVM out of direct memory; {@link #close} frees the buffers at once (their cleaner, through
 * {@code sun.misc.Unsafe.invokeCleaner}, looked up once; without it the buffers are left to the collector) and
 * returns their bytes to the account.
 *
 * <p>The bundle-wide account is static on purpose: it belongs to this bundle's class loader, so a bundle update starts
 * from zero together with the sessions it closed.
 */
final class DirectArena implements AutoCloseable {

    private static final long MIB = 1L << 20;
    /** Bytes held by the arenas of all sessions of this bundle. */
    private static final AtomicLong TOTAL = new AtomicLong();
    private static final MethodHandle INVOKE_CLEANER = cleaner();

    private final String owner;
    private final long sessionLimit;
    private final long totalLimit;
    private final List<ByteBuffer> buffers = new ArrayList<>();
    private long held;
    private boolean closed;

    DirectArena(String owner, long sessionLimitBytes, long totalLimitBytes) {
        this.owner = owner;
        this.sessionLimit = sessionLimitBytes;
        this.totalLimit = totalLimitBytes;
    }

    /** An arena with the limits of the settings. */
    static DirectArena of(String owner, Settings s) {
        return new DirectArena(owner, s.maxSessionMemoryMiB() * MIB, s.maxMemoryMiB() * MIB);
    }

    /** The refusal for a frame larger than the settings allow, or null. */
    static String frameTooLarge(long frameBytes, Settings s) {
        long max = s.maxFrameMiB() * MIB;
        return frameBytes > max ? "a frame of " + mib(frameBytes) + " exceeds the limit of " + s.maxFrameMiB()
                + " MiB (maxFrameMiB of org.mcm.transport.st2110)" : null;
    }

    /** Bytes held by all sessions' arenas right now. */
    static long totalHeld() {
        return TOTAL.get();
    }

    /** A new direct buffer of {@code bytes}, accounted; refused beyond the limits (or when the JVM has no more). */
    synchronized ByteBuffer allocate(int bytes) throws TransportException {
        if (closed) {
            throw new TransportException(owner + ": session memory already released");
        }
        if (held + bytes > sessionLimit) {
            throw new TransportException(owner + " needs more than " + mib(sessionLimit) + " of buffers (maxSessionMemoryMiB"
                    + " of org.mcm.transport.st2110); asked for " + mib(held + bytes));
        }
        long now;
        do {
            now = TOTAL.get();
            if (now + bytes > totalLimit) {
                throw new TransportException(owner + ": the ST 2110 sessions hold " + mib(now) + " of buffers; "
                        + mib(bytes) + " more would exceed maxMemoryMiB (" + mib(totalLimit) + ")");
            }
        } while (!TOTAL.compareAndSet(now, now + bytes));
        ByteBuffer b;
        try {
            b = ByteBuffer.allocateDirect(bytes);
        } catch (OutOfMemoryError e) {
            TOTAL.addAndGet(-bytes);
            throw new TransportException(owner + ": the JVM has no " + mib(bytes) + " of direct memory left ("
                    + e.getMessage() + "); lower maxMemoryMiB or raise -XX:MaxDirectMemorySize");
        }
        buffers.add(b);
        held += bytes;
        return b;
    }

    /** Bytes this arena holds. */
    synchronized long held() {
        return held;
    }

    /**
     * Frees every buffer and returns the bytes to the account. Call it only when no thread can touch the buffers any
     * more (the session's threads have ended); {@link #release()} is for the case where one may still run.
     */
    @Override
    public void close() {
        end(true);
    }

    /** Returns the bytes to the account but leaves the buffers to the collector (a thread may still hold one). */
    void release() {
        end(false);
    }

    private synchronized void end(boolean free) {
        if (closed) {
            return;
        }
        closed = true;
        for (ByteBuffer b : buffers) {
            if (free && INVOKE_CLEANER != null) {
                try {
                    INVOKE_CLEANER.invoke(b);
                } catch (Throwable t) {
                    // left to the collector
                }
            }
        }
        buffers.clear();
        TOTAL.addAndGet(-held);
        held = 0;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }

    /** {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null where the JDK hides it. */
    private static MethodHandle cleaner() {
        try {
            // through the platform loader: the class lives in the JDK (jdk.unsupported), not in an OSGi import
            Class<?> unsafe = Class.forName("sun.misc.Unsafe", false, ClassLoader.getPlatformClassLoader());
            Field f = unsafe.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
