package org.mcm.memif.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.mcm.memif.MemifAddress;
import org.mcm.memif.MemifException;
import org.mcm.memif.MemifSocket;
import org.mcm.memif.service.MemifService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@link MemifService}. Activation fails with one line naming the platform when the native helper
 * fragment for it is missing (see {@link org.mcm.memif.MemifUnavailableException}).
 */
@Component(service = MemifService.class, immediate = true, property = "mcm.memif.protocol.version=2.0")
public final class MemifServiceComponent implements MemifService {

    private static final Logger LOG = LoggerFactory.getLogger(MemifServiceComponent.class);

    private final List<MemifSocket> sockets = new CopyOnWriteArrayList<>();

    @Activate
    void activate() {
        Native.check();
        LOG.info("memif 2.0 ready (native helpers for {})", Native.platform());
    }

    @Deactivate
    void deactivate() {
        for (MemifSocket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    @Override
    public MemifSocket openServer(String address) throws MemifException {
        return track(MemifSocket.server(MemifAddress.parse(address)));
    }

    @Override
    public MemifSocket openClient(String address) throws MemifException {
        return track(MemifSocket.client(MemifAddress.parse(address)));
    }

    private MemifSocket track(MemifSocket s) {
        sockets.removeIf(MemifSocket::isClosed);
        sockets.add(s);
        return s;
    }

    @Override
    public List<MemifSocket> sockets() {
        sockets.removeIf(MemifSocket::isClosed);
        return List.copyOf(sockets);
    }

    @Override
    public String platform() {
        return Native.platform();
    }
}
