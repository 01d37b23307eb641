package org.mcm.nmos.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.session.ErrorCode;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured pool of idle receivers ({@code idleReceivers = video/raw:1,audio/L24:1,...}): IS-04 receivers with
 * no session behind them until an IS-05 activation gives one a sender's SDP. The activation then opens an app link
 * (memif, the proxy as server) at a socket path named after the receiver and an RX session for the SDP's stream on
 * it; an app attaches to that socket as a memif client (direct mode: {@code mcm-receiver --memif <path>}, upstream
 * SDK {@code PROTO_MEMIF}) and gets the stream. Disabling the receiver ends the session and closes the link.
 */
final class IdlePool {

    private static final Logger LOG = LoggerFactory.getLogger(IdlePool.class);

    /** The media types a slot can be configured for, with the transport that carries them. */
    enum Kind {
        VIDEO_RAW("video/raw", "st2110-20", "urn:x-nmos:format:video"),
        VIDEO_JXSV("video/jxsv", "st2110-22", "urn:x-nmos:format:video"),
        AUDIO_L24("audio/L24", "st2110-30", "urn:x-nmos:format:audio"),
        AUDIO_L16("audio/L16", "st2110-30", "urn:x-nmos:format:audio"),
        DATA_SMPTE291("video/smpte291", "st2110-40", "urn:x-nmos:format:data");

        final String mediaType;
        final String transport;
        final String format;

        Kind(String mediaType, String transport, String format) {
            this.mediaType = mediaType;
            this.transport = transport;
            this.format = format;
        }

        static Kind of(String key) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            if (k.equals("data/smpte291")) {
                return DATA_SMPTE291;
            }
            for (Kind c : values()) {
                if (c.mediaType.toLowerCase(Locale.ROOT).equals(k)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown media type '" + key.trim() + "' (video/raw, video/jxsv, audio/L24, audio/L16, data/smpte291)");
        }

        /** Null when the spec (parsed from an SDP) carries this kind, else why not. */
        String mismatch(ConnectionSpec spec) {
            if (!spec.transport().equals(transport)) {
                return "the SDP describes an " + spec.transport() + " stream, this receiver takes " + mediaType + " (" + transport + ")";
            }
            if (this == AUDIO_L24 || this == AUDIO_L16) {
                int bits = this == AUDIO_L24 ? 24 : 16;
                if (!(spec.format() instanceof AudioFormat a) || a.bitDepth() != bits) {
                    return "the SDP describes " + spec.format() + ", this receiver takes " + mediaType;
                }
            } else if ((this == VIDEO_RAW || this == VIDEO_JXSV) && !(spec.format() instanceof VideoFormat)) {
                return "the SDP describes " + spec.format() + ", this receiver takes " + mediaType;
            }
            return null;
        }
    }

    /** One idle receiver; {@code sessionId} is 0 while it has no session. Guarded by the Connection API's port. */
    static final class Slot {
        final Kind kind;
        final int index;
        final String socketPath;
        volatile long sessionId;
        AppLink link;

        Slot(Kind kind, int index, String dir) {
            this.kind = kind;
            this.index = index;
            this.socketPath = dir + "/nmos-rx-" + kind.mediaType.replace('/', '-').toLowerCase(Locale.ROOT) + "-" + index + ".sock";
        }

        /** Stable name: the resource id is derived from it. */
        String key() {
            return kind.mediaType + "#" + index;
        }

        String owner() {
            return "nmos idle receiver " + key();
        }
    }

    static final int RING_LOG2 = 4;

    private final List<Slot> slots;
    private final SessionManager sessions;
    private final Supplier<AppLinkService> links;

    IdlePool(List<Slot> slots, SessionManager sessions, Supplier<AppLinkService> links) {
        this.slots = List.copyOf(slots);
        this.sessions = sessions;
        this.links = links;
    }

    /**
     * Parses {@code video/raw:1,video/jxsv:1,audio/L24:1,data/smpte291:0} (count per media type; a type without a
     * count means 1) into slots whose sockets are under {@code dir}.
     *
     * @throws IllegalArgumentException naming the bad item
     */
    static List<Slot> parse(String config, String dir) {
        List<Slot> out = new ArrayList<>();
        if (config == null || config.isBlank()) {
            return out;
        }
        List<Kind> seen = new ArrayList<>();
        for (String item : config.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int colon = item.lastIndexOf(':');
            Kind kind = Kind.of(colon < 0 ? item : item.substring(0, colon));
            int n = 1;
            if (colon >= 0) {
                try {
                    n = Integer.parseInt(item.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("idle receivers '" + item.trim() + "': the count is not a number");
                }
            }
            if (n < 0 || n > 64) {
                throw new IllegalArgumentException("idle receivers '" + item.trim() + "': count " + n + " is not within 0..64");
            }
            if (seen.contains(kind)) {
                throw new IllegalArgumentException("idle receivers: " + kind.mediaType + " given twice");
            }
            seen.add(kind);
            for (int i = 1; i <= n; i++) {
                out.add(new Slot(kind, i, dir));
            }
        }
        return out;
    }

    List<Slot> slots() {
        return slots;
    }

    /**
     * The stream an app gets: 10-bit 4:2:2 video arrives (RFC 4175 pgroups on the wire) as planar yuv422p10le, the
     * layout upstream's SDK apps use ({@code mcm-receiver -x yuv422p10le}, 2 bytes a sample); other formats as the
     * SDP describes them.
     */
    static ConnectionSpec forApp(ConnectionSpec spec) {
        if (spec.format() instanceof VideoFormat v && v.pixelFormat() == PixelFormat.YUV422_10_PGROUP) {
            ConnectionSpec.Builder b = ConnectionSpec.builder(spec.direction(), spec.transport(),
                    new VideoFormat(v.width(), v.height(), v.frameRate(), PixelFormat.YUV422P10LE))
                    .local(spec.local()).remote(spec.remote()).payloadType(spec.payloadType());
            spec.options().forEach(b::option);
            return b.build();
        }
        return spec;
    }

    /** The slot a session belongs to, or null. */
    Slot slotOf(long sessionId) {
        for (Slot s : slots) {
            if (s.sessionId == sessionId && sessionId != 0) {
                return s;
            }
        }
        return null;
    }

    /** True while the slot's session is open. */
    boolean live(Slot s) {
        long id = s.sessionId;
        return id != 0 && sessions.get(id).filter(i -> !i.state().isTerminal()).isPresent();
    }

    /**
     * Makes the slot receive {@code target}: opens the link and the session when it has none, else re-targets the
     * session (a stream of another frame size gets a new link: the app attaches again). Null ends it.
     */
    void apply(Slot s, ConnectionSpec wire) throws SessionException {
        ConnectionSpec target = wire == null ? null : forApp(wire);
        if (target == null) {
            end(s, "disabled through IS-05");
            return;
        }
        if (live(s)) {
            SessionInfo cur = sessions.get(s.sessionId).orElseThrow();
            if (cur.spec().format().bufferSize() == target.format().bufferSize()) {
                sessions.reconnect(s.sessionId, target);
                return;
            }
        }
        end(s, "re-targeted to a stream of another frame size");
        AppLinkService service = links.get();
        if (service == null) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED, "no app data path is running (memif bundle stopped)");
        }
        String name = "nmos_rx_" + s.kind.mediaType.replace('/', '_').toLowerCase(Locale.ROOT) + "_" + s.index;
        AppLink link;
        try {
            // 16 buffers a ring: upstream's direct memif mode (the way these apps attach) uses log2 ring size 4
            link = service.open(new AppLinkRequest(Direction.RX, s.socketPath, 0, name, target.format().bufferSize(), RING_LOG2, "",
                    false));
        } catch (IOException | RuntimeException e) {
            throw new SessionException(ErrorCode.TRANSPORT_FAILED, "app link at " + s.socketPath + ": " + e.getMessage());
        }
        try {
            SessionManager.Session session = sessions.create(target, s.owner(), new SessionManager.AppAttachment(link.source(), link.sink()));
            s.link = link;
            s.sessionId = session.id();
            LOG.info("NMOS {}: session {} receives {} (app: memif client at {})", s.owner(), session.id(), target.remote(), s.socketPath);
        } catch (SessionException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** Ends the slot's session and link (nothing when idle). */
    void end(Slot s, String why) {
        long id = s.sessionId;
        AppLink link = s.link;
        s.sessionId = 0;
        s.link = null;
        if (id != 0) {
            sessions.delete(id, "NMOS " + s.owner() + ": " + why);
        }
        if (link != null) {
            link.close("NMOS " + s.owner() + ": " + why);
        }
    }

    /** The node stops: every slot's session and link end. */
    void close() {
        for (Slot s : slots) {
            end(s, "NMOS node stopped");
        }
    }
}
