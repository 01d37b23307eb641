package org.mcm.api.frame;

import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes frames: a transport's input, or the app side of a receiving session. Taking a frame takes its ownership.
 */
@ConsumerType
@FunctionalInterface
public interface FrameSink {

    /**
     * Takes the frame (ownership passes, also when the result is false). False when it could not be delivered
     * (counted by the sink).
     */
    boolean accept(Frame frame);

    /**
     * Whether {@link #acceptShared} can deliver this frame of another session without copying its payload: true
     * when this sink's peer can reach the memory that holds it (e.g. both app links draw from one shared buffer
     * pool). Cheap; does not change anything.
     *
     * @since 1.1
     */
    default boolean canShare(Frame source) {
        return false;
    }

    /**
     * Zero-copy hand-over of another session's frame that {@link #canShare} accepted: the sink takes its own
     * reference to the memory holding the payload and delivers it, waiting up to the timeout for room. The caller
     * keeps ownership of {@code source} (and releases it as usual). False when it was not delivered (no room in
     * time, peer gone, or not shareable); nothing is held then.
     *
     * @since 1.1
     */
    default boolean acceptShared(Frame source, long timeout, TimeUnit unit) throws InterruptedException {
        return false;
    }
}
