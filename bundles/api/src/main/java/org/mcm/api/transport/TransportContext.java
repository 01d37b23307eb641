package org.mcm.api.transport;

import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What the proxy gives a transport session: the app-side data path and a way to report trouble.
 */
@ProviderType
public interface TransportContext {

    /** The proxy's id of the session. */
    long sessionId();

    /**
     * RX: free frames to receive into (e.g. buffers of the app's shared memory). Null for TX sessions or when no
     * app is attached.
     */
    FrameSource frameSource();

    /** RX: where complete frames go. Null for TX sessions or when no app is attached. */
    FrameSink output();

    /**
     * The transport hit an error it cannot recover from; the session moves to FAILED with this reason. The
     * transport should stop its threads; the proxy will still call {@link TransportSession#close()}.
     */
    void failed(String reason);
}
