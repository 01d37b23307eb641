package org.mcm.memif.service;

import java.util.List;

import org.mcm.memif.MemifException;
import org.mcm.memif.MemifSocket;

/**
 * The memif data path as an OSGi service: opens memif control sockets (server role for the proxy, client role
 * for tests and SDK-side tools) and closes them all when the providing bundle stops. Registered only when the
 * platform's native helper fragment is present.
 */
public interface MemifService {

    /** Opens a server socket at a path, or in the abstract namespace for {@code @name}. */
    MemifSocket openServer(String address) throws MemifException;

    /** Opens a client socket towards a server at a path or {@code @name}. */
    MemifSocket openClient(String address) throws MemifException;

    /** Sockets opened through this service and still open. */
    List<MemifSocket> sockets();

    /** The native platform in use, e.g. {@code linux-x86-64}. */
    String platform();
}
