package org.mcm.sdk;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.VideoFormat;

/**
 * What a connection carries and where: the media format, the transport, the endpoints and the RTP payload type,
 * plus data-path settings. Immutable and thread-safe; build with {@link #builder(MediaFormat)}.
 *
 * <p>Transports and the formats they take:
 * <ul>
 * <li>{@code st2110-20} (video, the default for video), {@code st2110-22} (video, JPEG XS),
 * {@code st2110-30} (audio, the default for audio): upstream payload types 1, 2, 3. (Upstream's {@code rdma} is not
 * offered: this proxy has no RDMA transport.)
 * TX: {@code remote} = destination address and port, {@code local.port} = UDP source port. RX: {@code remote.host}
 * = sender or multicast group, {@code local.port} = UDP port to listen on, {@code local.host} = multicast source
 * filter (all as upstream).</li>
 * <li>{@code st2110-40} (ancillary data, a blob format; upstream payload type 4): buffers as upstream 24.09 sizes
 * them, TX the user data words of one ANC packet (255 bytes), RX one RTP packet (1460 bytes); endpoints as above.</li>
 * <li>{@code local} (any format, the default for blobs): app to app through the proxy's shared memory, no network.
 * Sent with this proxy's own create command (18, pooled 19), never as an upstream payload type: upstream 24.09 takes
 * payload type 0 (NONE) for ST 2110-20, and so does this proxy. {@code remote} (host and optional port) names the group: a TX and the RXs
 * with the same remote key are joined by the proxy.</li>
 * </ul>
 *
 * <p>For the direct app-to-app mode (no proxy, {@link McmClient#createDirectTx}) set {@link Builder#memif}; the
 * transport and endpoints are then ignored.
 */
public final class ConnectionOptions {

    /** Transports the SDK knows how to request. */
    public static final List<String> TRANSPORTS = List.of("local", "st2110-20", "st2110-22", "st2110-30", "st2110-40",
            "rtsp");

    /** Largest IP text the upstream struct holds (46 bytes with the NUL). */
    public static final int MAX_HOST_LENGTH = 45;

    private final MediaFormat format;
    private final String transport;
    private final Endpoint local;
    private final Endpoint remote;
    private final int payloadType;
    private final Duration connectTimeout;
    private final Duration closeLinger;
    private final boolean polling;
    private final String memifSocketPath;
    private final long memifInterfaceId;
    private final boolean memifServer;
    private final int memifLog2RingSize;
    private final int memifBufferSize;
    private final String memifSecret;
    private final String token;
    private final boolean proxyBuffers;

    private ConnectionOptions(Builder b) {
        this.proxyBuffers = b.proxyBuffers;
        this.format = b.format;
        this.transport = b.transport != null ? b.transport : defaultTransport(b.format);
        this.local = b.local;
        this.remote = b.remote;
        this.payloadType = b.payloadType;
        this.connectTimeout = b.connectTimeout;
        this.closeLinger = b.closeLinger;
        this.polling = b.polling;
        this.memifSocketPath = b.memifSocketPath;
        this.memifInterfaceId = b.memifInterfaceId;
        this.memifServer = b.memifServer;
        this.memifLog2RingSize = b.memifLog2RingSize;
        this.memifBufferSize = b.memifBufferSize;
        this.memifSecret = b.memifSecret;
        this.token = b.token;
    }

    public static Builder builder(MediaFormat format) {
        return new Builder(format);
    }

    static String defaultTransport(MediaFormat f) {
        if (f instanceof VideoFormat) {
            return "st2110-20";
        }
        if (f instanceof AudioFormat) {
            return "st2110-30";
        }
        return "local";
    }

    public MediaFormat format() { return format; }

    /** The transport name (one of {@link #TRANSPORTS}). */
    public String transport() { return transport; }

    public Endpoint local() { return local; }

    public Endpoint remote() { return remote; }

    /** RTP payload type 0..127; 0 = the transport's default. */
    public int payloadType() { return payloadType; }

    /** How long creating a connection waits for the memif data path to come up. */
    public Duration connectTimeout() { return connectTimeout; }

    /**
     * How long {@link Connection#close()} of a TX connection waits before it tears down, so the last buffers
     * leave the ring; null = automatic (upstream's 20 frame times, at most 500 ms; 50 ms for audio and blobs).
     */
    public Duration closeLinger() { return closeLinger; }

    /** Receive by spinning on the ring (lowest latency, one busy core) instead of sleeping on its eventfd. */
    public boolean polling() { return polling; }

    /** Direct mode: the memif socket path ({@code @name} = abstract), null when not set. */
    public String memifSocketPath() { return memifSocketPath; }

    public long memifInterfaceId() { return memifInterfaceId; }

    /** Direct mode: this app is the memif server (upstream "master"); false = client ("slave"). */
    public boolean memifServer() { return memifServer; }

    public int memifLog2RingSize() { return memifLog2RingSize; }

    /** Direct mode, client role: bytes per shared buffer; 0 = the format's buffer size. */
    public int memifBufferSize() { return memifBufferSize; }

    public String memifSecret() { return memifSecret; }

    /** The token sent to the proxy for this connection, overriding the client's; null = the client's. */
    public String token() { return token; }

    /** The proxy brings the shared memory (see {@link Builder#proxyBuffers}). */
    public boolean proxyBuffers() { return proxyBuffers; }

    @Override
    public String toString() {
        if (memifSocketPath != null) {
            return format + " direct memif " + memifSocketPath + " id " + memifInterfaceId
                    + (memifServer ? " (server)" : " (client)");
        }
        return format + " " + transport + " local " + local + " remote " + remote
                + (payloadType != 0 ? " pt " + payloadType : "");
    }

    /** Not thread-safe; {@link #build()} validates everything and throws {@link IllegalArgumentException}. */
    public static final class Builder {
        private final MediaFormat format;
        private String transport;
        private Endpoint local = Endpoint.NONE;
        private Endpoint remote = Endpoint.NONE;
        private int payloadType;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration closeLinger;
        private boolean polling;
        private boolean proxyBuffers;
        private String memifSocketPath;
        private long memifInterfaceId;
        private boolean memifServer;
        private int memifLog2RingSize = 4;
        private int memifBufferSize;
        private String memifSecret = "";
        private String token;

        private Builder(MediaFormat format) {
            this.format = Objects.requireNonNull(format, "format");
        }

        /** One of {@link #TRANSPORTS} (case-insensitive). */
        public Builder transport(String v) {
            this.transport = Objects.requireNonNull(v, "transport").trim().toLowerCase(Locale.ROOT);
            return this;
        }

        public Builder local(Endpoint v) { this.local = Objects.requireNonNull(v, "local"); return this; }

        public Builder local(String host, int port) { return local(new Endpoint(host, port)); }

        public Builder remote(Endpoint v) { this.remote = Objects.requireNonNull(v, "remote"); return this; }

        public Builder remote(String host, int port) { return remote(new Endpoint(host, port)); }

        /** RTP payload type 0..127 (0 = transport default, e.g. 112 for ST 2110-20). */
        public Builder payloadType(int v) { this.payloadType = v; return this; }

        public Builder connectTimeout(Duration v) { this.connectTimeout = Objects.requireNonNull(v); return this; }

        public Builder closeLinger(Duration v) { this.closeLinger = v; return this; }

        public Builder polling(boolean v) { this.polling = v; return this; }

        /**
         * Zero copy between apps on one proxy (this proxy's extension, not upstream 24.09): the proxy allocates the
         * shared buffers from a pool that all apps of a local group share, and this app attaches as the memif
         * master (it listens on a socket the proxy names). A frame a TX app fills is then the very buffer the RX
         * apps read: nothing is copied anywhere, whatever the frame size. RX apps map the pool read only (their
         * buffers cannot be written). Works with any transport; the zero-copy hand-over needs both ends in this
         * mode. Default false (the upstream layout: the app allocates, the proxy copies between apps).
         */
        public Builder proxyBuffers(boolean v) { this.proxyBuffers = v; return this; }

        /**
         * Direct app-to-app mode (upstream PROTO_MEMIF): both apps name the same socket path and interface id;
         * exactly one of them is the server.
         */
        public Builder memif(String socketPath, long interfaceId, boolean server) {
            this.memifSocketPath = Objects.requireNonNull(socketPath, "socketPath");
            this.memifInterfaceId = interfaceId;
            this.memifServer = server;
            return this;
        }

        /** Direct mode: slots per ring as log2, 1..14 (default 4, as upstream). */
        public Builder memifLog2RingSize(int v) { this.memifLog2RingSize = v; return this; }

        /** Direct mode, client role: bytes per buffer (default: the format's buffer size). */
        public Builder memifBufferSize(int v) { this.memifBufferSize = v; return this; }

        /** Direct mode: memif shared secret, at most 23 bytes (default none). */
        public Builder memifSecret(String v) { this.memifSecret = Objects.requireNonNull(v); return this; }

        /**
         * The token this connection proves itself with (AUTH before CREATE_SESSION), overriding
         * {@link McmClient.Builder#token}; an empty string sends none.
         */
        public Builder token(String v) { this.token = Objects.requireNonNull(v, "token"); return this; }

        public ConnectionOptions build() {
            ConnectionOptions o = new ConnectionOptions(this);
            if ("rdma".equals(o.transport)) {
                throw new IllegalArgumentException("transport rdma is not offered: this proxy has no RDMA transport "
                        + "(known: " + String.join(", ", TRANSPORTS) + ")");
            }
            if (!TRANSPORTS.contains(o.transport)) {
                throw new IllegalArgumentException("unknown transport '" + o.transport + "' (known: "
                        + String.join(", ", TRANSPORTS) + ")");
            }
            switch (o.transport) {
                case "st2110-20", "st2110-22" -> {
                    if (!(format instanceof VideoFormat)) {
                        throw new IllegalArgumentException("transport " + o.transport + " carries video, not " + format);
                    }
                }
                case "rtsp" -> {
                    // H.264 access units (upstream payload type 5): any video format or a blob sizes the buffers
                    if (format instanceof AudioFormat) {
                        throw new IllegalArgumentException("transport rtsp carries H.264 video, not " + format);
                    }
                }
                case "st2110-30" -> {
                    if (!(format instanceof AudioFormat)) {
                        throw new IllegalArgumentException("transport st2110-30 carries audio, not " + format);
                    }
                }
                case "st2110-40" -> {
                    if (!(format instanceof BlobFormat)) {
                        throw new IllegalArgumentException("transport st2110-40 carries ancillary data (a blob), not "
                                + format);
                    }
                }
                default -> {
                    if (memifSocketPath == null && remote.host().isEmpty()) {
                        throw new IllegalArgumentException("transport local needs a remote key (remote host, "
                                + "optionally a port) naming the group that joins TX and RX");
                    }
                }
            }
            if (format.bufferSize() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("buffers of " + format.bufferSize()
                        + " bytes do not fit one shared-memory buffer (2 GiB limit)");
            }
            checkHost("local", local);
            checkHost("remote", remote);
            if (payloadType < 0 || payloadType > 127) {
                throw new IllegalArgumentException("RTP payload type must be 0..127: " + payloadType);
            }
            if (connectTimeout.isNegative()) {
                throw new IllegalArgumentException("negative connect timeout");
            }
            if (closeLinger != null && closeLinger.isNegative()) {
                throw new IllegalArgumentException("negative close linger");
            }
            if (memifSocketPath != null) {
                if (memifSocketPath.isEmpty()
                        || memifSocketPath.getBytes(StandardCharsets.UTF_8).length > 107) {
                    throw new IllegalArgumentException("memif socket path must be 1..107 bytes");
                }
                if (memifInterfaceId < 0 || memifInterfaceId > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException("memif interface id is a u32: " + memifInterfaceId);
                }
                if (memifLog2RingSize < 1 || memifLog2RingSize > 14) {
                    throw new IllegalArgumentException("memif log2 ring size must be 1..14: " + memifLog2RingSize);
                }
                if (memifBufferSize != 0 && memifBufferSize < format.bufferSize()) {
                    throw new IllegalArgumentException("memif buffer size " + memifBufferSize
                            + " is smaller than one " + format + " buffer (" + format.bufferSize() + " bytes)");
                }
                if (memifSecret.getBytes(StandardCharsets.UTF_8).length > 23) {
                    throw new IllegalArgumentException("memif secret longer than 23 bytes");
                }
            }
            if (token != null) {
                McmClient.checkToken(token);
            }
            if (memifSocketPath == null && format instanceof VideoFormat v) {
                org.mcm.sdk.internal.Wire.pixFmt(v.pixelFormat()); // upstream 24.09 numbering must have it
            }
            if (format instanceof BlobFormat && !"local".equals(o.transport) && !"rtsp".equals(o.transport)
                    && !"st2110-40".equals(o.transport)) {
                throw new IllegalArgumentException("blobs travel only over the local, rtsp and st2110-40 transports");
            }
            return o;
        }

        private static void checkHost(String what, Endpoint e) {
            byte[] b = e.host().getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_HOST_LENGTH) {
                throw new IllegalArgumentException(what + " host longer than " + MAX_HOST_LENGTH + " bytes: " + e.host());
            }
            for (byte c : b) {
                if (c < 0x21 || c > 0x7E) {
                    throw new IllegalArgumentException(what + " host must be printable ASCII without spaces: '"
                            + e.host() + "'");
                }
            }
        }
    }
}
