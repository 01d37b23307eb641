package org.mcm.memif;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a memif control socket lives: a filesystem path, or a name in Linux's abstract namespace (DPDK's default;
 * {@code socket-abstract=yes}). Abstract addresses are encoded like DPDK and libmemif: a leading NUL and the name,
 * without a trailing NUL.
 */
public final class MemifAddress {

    private final String name;
    private final boolean abstractNamespace;

    private MemifAddress(String name, boolean abstractNamespace) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw new IllegalArgumentException("socket name must be 1..107 bytes: " + name);
        }
        this.abstractNamespace = abstractNamespace;
    }

    public static MemifAddress path(Path path) {
        return new MemifAddress(path.toString(), false);
    }

    public static MemifAddress abstractName(String name) {
        return new MemifAddress(name, true);
    }

    /** {@code @name} is abstract (libmemif's notation), anything else a path. */
    public static MemifAddress parse(String s) {
        return s.startsWith("@") ? abstractName(s.substring(1)) : new MemifAddress(s, false);
    }

    public String name() {
        return name;
    }

    public boolean isAbstract() {
        return abstractNamespace;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemifAddress && ((MemifAddress) o).name.equals(name)
                && ((MemifAddress) o).abstractNamespace == abstractNamespace;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + (abstractNamespace ? 1 : 0);
    }

    @Override
    public String toString() {
        return abstractNamespace ? "@" + name : name;
    }
}
