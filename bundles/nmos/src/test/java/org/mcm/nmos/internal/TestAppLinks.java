package org.mcm.nmos.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;

/**
 * An app link service for the node's tests: records what is opened and closed (no app ever attaches: the sources
 * give no buffer, as a real link's do until its app connects). The memif end of the idle receivers is tested with
 * the real memif bundle and an SDK app in NmosIT.
 */
final class TestAppLinks implements AppLinkService {

    /** One link opened, with the reason it was closed (null while open). */
    static final class Link implements AppLink {
        final AppLinkRequest request;
        volatile String closed;

        Link(AppLinkRequest request) {
            this.request = request;
        }

        @Override
        public AppLinkRequest request() {
            return request;
        }

        @Override
        public boolean isConnected() {
            return false;
        }

        @Override
        public FrameSource source() {
            return new FrameSource() {
                @Override
                public org.mcm.api.frame.Frame acquire(long timeout, java.util.concurrent.TimeUnit unit) {
                    return null;
                }

                @Override
                public int frameCapacity() {
                    return (int) request.bufferSize();
                }
            };
        }

        @Override
        public FrameSink sink() {
            return f -> {
                f.release();
                return false;
            };
        }

        @Override
        public void start(FrameSink target) {
            throw new IllegalStateException("an RX link is not started");
        }

        @Override
        public void onDetach(Consumer<String> listener) {
        }

        @Override
        public Map<String, Long> stats() {
            return Map.of();
        }

        @Override
        public void close() {
            close("closed");
        }

        @Override
        public void close(String reason) {
            if (closed == null) {
                closed = reason;
            }
        }
    }

    final List<Link> opened = new CopyOnWriteArrayList<>();

    @Override
    public AppLink open(AppLinkRequest request) {
        Link l = new Link(request);
        opened.add(l);
        return l;
    }

    @Override
    public String kind() {
        return "test";
    }
}
