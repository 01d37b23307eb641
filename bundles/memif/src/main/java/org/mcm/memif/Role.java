package org.mcm.memif;

/** memif roles. The server (old name master) is the proxy side; the client (slave) allocates all shared memory. */
public enum Role {
    SERVER, CLIENT
}
