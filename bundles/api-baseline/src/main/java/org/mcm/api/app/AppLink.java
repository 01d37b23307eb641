package org.mcm.api.app;

import java.util.Map;

import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One app's shared-memory attachment to a session, on the proxy side. Frames are views of the shared memory:
 * nothing is copied between the app and the proxy.
 */
@ProviderType
public interface AppLink extends AutoCloseable {

    AppLinkRequest request();

    /** True while the app is attached. */
    boolean isConnected();

    /**
     * RX sessions: free buffers of the app's memory for the transport to fill. Acquiring returns null while the app
     * is not attached or all buffers are in use.
     */
    FrameSource source();

    /** RX sessions: complete frames go to the app. */
    FrameSink sink();

    /**
     * TX sessions: starts delivering the frames the app sends to {@code target} (ownership passes with each frame;
     * releasing it hands the buffer back to the app).
     */
    void start(FrameSink target);

    /** Told once when the app detaches or the link fails, with the reason. */
    void onDetach(java.util.function.Consumer<String> listener);

    Map<String, Long> stats();

    /** Detaches the app and frees everything. */
    @Override
    void close();

    /** Detaches the app telling it why (memif carries the reason in its DISCONNECT message) and frees everything. */
    void close(String reason);
}
