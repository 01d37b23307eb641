package org.mcm.sdk;

import java.io.IOException;
import java.nio.file.Path;

/** The proxy double for tests in other packages. */
public final class ProxyDoubleAccess implements AutoCloseable {

    private final ProxyDouble proxy;

    public ProxyDoubleAccess(Path dir, int bufferSize) throws IOException {
        proxy = new ProxyDouble(dir);
        proxy.bufferSize = bufferSize;
    }

    public int port() {
        return proxy.port();
    }

    /** Waits until this many sessions have their memif server up. */
    public void awaitSessions(int n) throws InterruptedException {
        for (int i = 1; i <= n; i++) {
            proxy.awaitSession(i);
        }
    }

    @Override
    public void close() throws IOException {
        proxy.close();
    }
}
