package org.mcm.memif;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one memif interface. Immutable; build with {@link #builder(long)}.
 *
 * <p>On the client side the ring counts, ring size and buffer size define the shared memory it allocates (region 0:
 * the rings; region 1: the buffers, like libmemif). On the server side the ring counts are the most rings per
 * direction it accepts, and the limits bound what a client may ask for.
 */
public final class InterfaceConfig {

    /** Largest region a server maps (a Java buffer view is limited to 2 GiB - 1). */
    public static final long MAX_REGION_SIZE = Integer.MAX_VALUE;

    private final long id;
    private final String name;
    private final String secret;
    private final RxMode rxMode;
    private final int log2RingSize;
    private final int bufferSize;
    private final int c2sRings;
    private final int s2cRings;
    private final int maxFrameSize;
    private final long maxRegionSize;
    private final boolean requireSealedRegions;
    private final Duration reconnectInterval;
    private final MemifInterface.Listener listener;
    private final BufferPool pool;
    private final boolean poolReadOnly;

    private InterfaceConfig(Builder b) {
        this.pool = b.pool;
        this.poolReadOnly = b.poolReadOnly;
        this.id = b.id;
        this.name = b.name;
        this.secret = b.secret;
        this.rxMode = b.rxMode;
        this.log2RingSize = b.log2RingSize;
        this.bufferSize = b.bufferSize;
        this.c2sRings = b.c2sRings;
        this.s2cRings = b.s2cRings;
        this.maxFrameSize = b.maxFrameSize;
        this.maxRegionSize = b.maxRegionSize;
        this.requireSealedRegions = b.requireSealedRegions;
        this.reconnectInterval = b.reconnectInterval;
        this.listener = b.listener;
    }

    public static Builder builder(long id) {
        return new Builder(id);
    }

    public long id() { return id; }
    public String name() { return name; }
    public String secret() { return secret; }
    public RxMode rxMode() { return rxMode; }
    public int log2RingSize() { return log2RingSize; }
    public int bufferSize() { return bufferSize; }
    public int c2sRings() { return c2sRings; }
    public int s2cRings() { return s2cRings; }
    public int maxFrameSize() { return maxFrameSize; }
    public long maxRegionSize() { return maxRegionSize; }
    public boolean requireSealedRegions() { return requireSealedRegions; }
    public Duration reconnectInterval() { return reconnectInterval; }
    public MemifInterface.Listener listener() { return listener; }
    public BufferPool pool() { return pool; }
    public boolean poolReadOnly() { return poolReadOnly; }

    public static final class Builder {
        private final long id;
        private String name = "mcm-java";
        private String secret = "";
        private RxMode rxMode = RxMode.INTERRUPT;
        private int log2RingSize = 10;
        private int bufferSize = 2048;
        private int c2sRings = 1;
        private int s2cRings = 1;
        private int maxFrameSize = 64 << 20;
        private long maxRegionSize = MAX_REGION_SIZE;
        private boolean requireSealedRegions = true;
        private Duration reconnectInterval = Duration.ofMillis(500);
        private MemifInterface.Listener listener;
        private BufferPool pool;
        private boolean poolReadOnly;

        private Builder(long id) {
            if (id < 0 || id > 0xffffffffL) {
                throw new IllegalArgumentException("interface id is a u32: " + id);
            }
            this.id = id;
        }

        /** Interface / application name sent in INIT, CONNECT and CONNECTED (at most 31 bytes). */
        public Builder name(String v) { this.name = Objects.requireNonNull(v); return this; }

        /** Shared secret (at most 23 bytes); empty means none. */
        public Builder secret(String v) {
            if (v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 23) {
                throw new IllegalArgumentException("secret longer than 23 bytes");
            }
            this.secret = v;
            return this;
        }

        public Builder rxMode(RxMode v) { this.rxMode = Objects.requireNonNull(v); return this; }

        /** Slots per ring as log2, 1..14 (client; a server accepts 1..14). */
        public Builder log2RingSize(int v) {
            if (v < 1 || v > 14) {
                throw new IllegalArgumentException("log2 ring size must be 1..14: " + v);
            }
            this.log2RingSize = v;
            return this;
        }

        /** Bytes per buffer (client side); one descriptor can carry up to this much. */
        public Builder bufferSize(int v) {
            if (v < 64) {
                throw new IllegalArgumentException("buffer size too small: " + v);
            }
            this.bufferSize = v;
            return this;
        }

        /** Ring (queue) counts per direction: client wants this many, server accepts at most this many. */
        public Builder rings(int c2s, int s2c) {
            if (c2s < 1 || c2s > 256 || s2c < 1 || s2c > 256) {
                throw new IllegalArgumentException("ring counts must be 1..256");
            }
            this.c2sRings = c2s;
            this.s2cRings = s2c;
            return this;
        }

        /** Largest frame accepted as a descriptor chain (receive) or sent chained. */
        public Builder maxFrameSize(int v) { this.maxFrameSize = v; return this; }

        /** Largest region a server accepts from its client. */
        public Builder maxRegionSize(long v) {
            if (v <= 0 || v > MAX_REGION_SIZE) {
                throw new IllegalArgumentException("max region size must be 1.." + MAX_REGION_SIZE);
            }
            this.maxRegionSize = v;
            return this;
        }

        /**
         * Server: reject regions whose memfd is not sealed against shrinking (default). An unsealed region can be
         * truncated by the peer while mapped, which would crash this process with SIGBUS. libmemif, DPDK
         * (non-zero-copy) and this library seal; DPDK's zero-copy mode passes unsealed EAL memory.
         */
        public Builder requireSealedRegions(boolean v) { this.requireSealedRegions = v; return this; }

        /** Client: delay between connection attempts. */
        public Builder reconnectInterval(Duration v) { this.reconnectInterval = Objects.requireNonNull(v); return this; }

        public Builder listener(MemifInterface.Listener v) { this.listener = v; return this; }

        /**
         * Client: take the buffers from a shared pool instead of allocating them (region 1 is the pool's region,
         * the buffer size is the pool's): frames received on one interface of the pool can be sent on another
         * without a copy. With readOnly the peer gets a read-only file description of the pool (for a peer that
         * only receives).
         */
        public Builder pool(BufferPool v, boolean readOnly) {
            this.pool = v;
            this.poolReadOnly = readOnly;
            if (v != null) {
                this.bufferSize = v.bufferSize();
            }
            return this;
        }

        public InterfaceConfig build() {
            return new InterfaceConfig(this);
        }
    }
}
