package org.mcm.api.frame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A {@link Frame} over any {@link ByteBuffer} (heap or direct), returned to its owner through a callback on
 * {@link #release()}. Useful for transports and tests that own their memory.
 */
@ProviderType
public final class HeapFrame implements Frame {

    private final ByteBuffer data;
    private final Consumer<HeapFrame> onRelease;
    private int length;
    private long timestamp;
    private long sequence;

    public HeapFrame(ByteBuffer data, Consumer<HeapFrame> onRelease) {
        this.data = Objects.requireNonNull(data, "data").duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
        this.onRelease = onRelease;
    }

    public static HeapFrame allocate(int capacity) {
        return new HeapFrame(ByteBuffer.allocate(capacity), null);
    }

    @Override
    public ByteBuffer data() {
        return data;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void length(int length) {
        if (length < 0 || length > data.capacity()) {
            throw new IllegalArgumentException("length " + length + " outside 0.." + data.capacity());
        }
        this.length = length;
    }

    @Override
    public long timestamp() {
        return timestamp;
    }

    @Override
    public void timestamp(long timestamp) {
        this.timestamp = timestamp;
    }

    @Override
    public long sequence() {
        return sequence;
    }

    @Override
    public void sequence(long sequence) {
        this.sequence = sequence;
    }

    @Override
    public void release() {
        if (onRelease != null) {
            onRelease.accept(this);
        }
    }
}
