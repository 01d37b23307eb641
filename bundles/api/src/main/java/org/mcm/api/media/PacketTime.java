package org.mcm.api.media;

import org.osgi.annotation.versioning.ProviderType;

/** ST 2110-30 / AES67 packet times, in the order upstream MCM numbers them. */
@ProviderType
public enum PacketTime {
    PT_1MS("1ms", 1_000_000),
    PT_125US("125us", 125_000),
    PT_250US("250us", 250_000),
    PT_333US("333us", 333_333),
    PT_4MS("4ms", 4_000_000),
    PT_80US("80us", 80_000),
    PT_1_09MS("1.09ms", 1_088_435),
    PT_0_14MS("0.14ms", 136_054),
    PT_0_09MS("0.09ms", 90_703);

    private final String id;
    private final long nanos;

    PacketTime(String id, long nanos) {
        this.id = id;
        this.nanos = nanos;
    }

    public String id() {
        return id;
    }

    public long nanos() {
        return nanos;
    }

    public static PacketTime byId(String id) {
        for (PacketTime p : values()) {
            if (p.id.equalsIgnoreCase(id) || p.name().equalsIgnoreCase(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown packet time '" + id + "'");
    }
}
