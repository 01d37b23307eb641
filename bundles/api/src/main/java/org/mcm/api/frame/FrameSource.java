package org.mcm.api.frame;

import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Hands out empty frames to fill, for example free buffers of an application's shared-memory region, so a
 * receiver can write network payload straight into the memory the application will read.
 */
@ConsumerType
public interface FrameSource {

    /**
     * Returns an empty frame, waiting up to {@code timeout} for one to become free.
     *
     * @return the frame, or {@code null} when none became free in time
     * @throws InterruptedException if interrupted while waiting
     */
    Frame acquire(long timeout, TimeUnit unit) throws InterruptedException;

    /** Capacity in bytes of each frame this source hands out. */
    int frameCapacity();
}
