package org.mcm.api.frame;

/**
 * Consumer of frames. Ownership of the frame passes to the sink whether or not it returns {@code true}: a sink
 * that cannot take the frame releases it and returns {@code false} (and counts the drop).
 */
@FunctionalInterface
public interface FrameSink {

    boolean accept(Frame frame);
}
