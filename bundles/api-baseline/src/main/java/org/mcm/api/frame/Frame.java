package org.mcm.api.frame;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One media buffer on the data path: a video frame, an audio packet or a blob. The {@link #data()} buffer is a
 * view of the memory that holds the payload (for memif, a slice of the shared-memory region), never a copy;
 * its position is 0 and its limit the capacity a writer may fill.
 *
 * <p>A frame is owned by exactly one party at a time. Whoever holds it must either pass it on (e.g.
 * {@link FrameSink#accept(Frame)}) or {@link #release()} it; touching it after that is a bug.
 */
@ConsumerType
public interface Frame {

    /** The payload memory, a view with position 0 and limit = capacity. */
    ByteBuffer data();

    /** Bytes of valid payload (what a writer filled; what a reader may read). */
    int length();

    /** Sets the number of valid payload bytes; must be within 0..data().capacity(). */
    void length(int length);

    /** Media timestamp (e.g. RTP 90 kHz clock for video), 0 when unknown. */
    long timestamp();

    void timestamp(long timestamp);

    /** Sequence number of this frame within its session. */
    long sequence();

    void sequence(long sequence);

    /** Gives the frame back to its owner's pool; afterwards the frame must not be used. */
    void release();
}
