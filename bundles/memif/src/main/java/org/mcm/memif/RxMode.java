package org.mcm.memif;

/**
 * How a receiver waits for frames. {@link #INTERRUPT}: sleeps on the ring's eventfd, which the peer writes after
 * each burst. {@link #POLLING}: spins on the ring index and sets the ring's MASK_INT flag so the peer skips the
 * eventfd write.
 */
public enum RxMode {
    INTERRUPT, POLLING
}
