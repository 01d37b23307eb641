/**
 * memif 2.0, the shared-memory packet interface of VPP, libmemif and DPDK net_memif, as a plain Java library:
 * {@link org.mcm.memif.MemifSocket} (server or client role, several interfaces per socket) and
 * {@link org.mcm.memif.MemifInterface} (zero-copy frames in the shared memory). Needs the native helper fragment of
 * the platform.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.mcm.memif;
