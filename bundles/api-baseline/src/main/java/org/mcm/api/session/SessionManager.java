package org.mcm.api.session;

import java.util.List;
import java.util.Optional;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The proxy's session registry, provided by the control bundle. Sessions bind to {@code Transport} services
 * that come and go at run time: when a transport disappears, only its sessions move to
 * {@link SessionState#TRANSPORT_GONE}; when one appears, new sessions can use it at once.
 */
@ProviderType
public interface SessionManager {

    /**
     * Opens a session on the transport named in the spec.
     *
     * @param spec   what to open
     * @param owner  who asks (for the console and logs)
     * @param attach the app-side data path: for TX the manager returns the sink the app's frames go into (see
     *               {@link Session#input()}); for RX, frames received by the transport are written into frames
     *               from {@code attach.source()} and delivered to {@code attach.sink()}. May be null for a
     *               session without a local app (e.g. created over gRPC and fed later).
     * @throws SessionException with {@link ErrorCode#UNKNOWN_TRANSPORT}, {@link ErrorCode#INVALID_ARGUMENT},
     *                          {@link ErrorCode#LIMIT_REACHED} or {@link ErrorCode#TRANSPORT_FAILED}
     */
    Session create(ConnectionSpec spec, String owner, AppAttachment attach) throws SessionException;

    Optional<SessionInfo> get(long id);

    List<SessionInfo> list();

    /**
     * Closes a session; false if there is none with that id. A session that is still open is forgotten; one that
     * had already ended (its transport went away, it failed) stays listed with its state and reason until the
     * retention forgets it, so a second delete of it returns false.
     */
    boolean delete(long id);

    /**
     * {@link #delete(long)} with the reason the session's app is told (e.g. "deleted by a gRPC controller").
     *
     * @since 1.2
     */
    default boolean delete(long id, String reason) {
        return delete(id);
    }

    List<TransportInfo> transports();

    /**
     * The receiver spec described by a session description (e.g. the SDP of an ST 2110 sender), as parsed by the
     * loaded transport it belongs to.
     *
     * @throws SessionException {@link ErrorCode#INVALID_ARGUMENT} when malformed (the message names the line),
     *                          {@link ErrorCode#UNKNOWN_TRANSPORT} when no loaded transport understands it
     * @since 1.1
     */
    ConnectionSpec parseDescription(String description) throws SessionException;

    /**
     * Points an open session at another peer without detaching its app (IS-05 connection management): the
     * transport session is closed and one for {@code spec} is opened with the same app attachment. The new spec
     * must keep the direction and the app's buffer size. When the new one cannot be opened the previous one is
     * reopened (nothing half-applied) and the error is thrown. A null spec disconnects: the transport session is
     * closed and the session stays, in {@link SessionState#CREATED}, until it is reconnected or deleted.
     *
     * @return the session after the change
     * @throws SessionException {@link ErrorCode#NOT_FOUND} when there is no open session with that id,
     *                          {@link ErrorCode#INVALID_ARGUMENT}, {@link ErrorCode#UNKNOWN_TRANSPORT} or
     *                          {@link ErrorCode#TRANSPORT_FAILED} as for {@link #create}
     * @since 1.2
     */
    default SessionInfo reconnect(long id, ConnectionSpec spec) throws SessionException {
        throw new SessionException(ErrorCode.INTERNAL, "this session manager cannot reconnect sessions");
    }

    /** The app side of a session's data path. */
    @ProviderType
    record AppAttachment(FrameSource source, FrameSink sink) {
    }

    /** A live session handle, for the party that created it. */
    @ProviderType
    interface Session {

        long id();

        SessionInfo info();

        /** TX only: where the app's frames go; a frame offered after the session ended is released and dropped. */
        FrameSink input();

        /** Same as {@link SessionManager#delete(long)} for this session. */
        void close();
    }
}
