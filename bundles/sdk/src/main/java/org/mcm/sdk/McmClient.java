package org.mcm.sdk;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.mcm.api.connection.Direction;
import org.mcm.memif.InterfaceConfig;
import org.mcm.memif.MemifAddress;
import org.mcm.memif.MemifException;
import org.mcm.memif.MemifInterface;
import org.mcm.memif.MemifSocket;
import org.mcm.memif.MemifUnavailableException;
import org.mcm.memif.RxMode;
import org.mcm.sdk.internal.Wire;

/**
 * Entry point of the SDK: where the media proxy is, and the factory of {@link Connection}s.
 *
 * <p>Like the upstream C SDK, every connection has its own TCP control connection to the proxy (opened by
 * {@link #createTx}/{@link #createRx}, closed by {@link Connection#close()}); building a client opens nothing.
 * Upstream 24.09 protocol: CREATE_SESSION with the 304-byte {@code mcm_conn_param}, QUERY_MEMIF_PARAM for the
 * 296-byte {@code memif_conn_param}, then memif as client ("slave") on the socket the proxy named, and
 * DESTROY_SESSION on close.
 *
 * <p>Thread-safe: any number of threads may create connections on one client. {@link #close()} closes every
 * connection the client created.
 */
public final class McmClient implements AutoCloseable {

    public static final String ENV_IP = "MCM_MEDIA_PROXY_IP";
    public static final String ENV_PORT = "MCM_MEDIA_PROXY_PORT";
    /** The app's token for the proxy (sent as AUTH before every CREATE_SESSION); unset or empty = none. */
    public static final String ENV_TOKEN = "MCM_TOKEN";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8002;

    private static final int DEFAULT_LOG2_RING = 4;

    private final String host;
    private final int port;
    private final Duration controlTimeout;
    private final String token;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private McmClient(String host, int port, Duration controlTimeout, String token) {
        this.host = host;
        this.port = port;
        this.controlTimeout = controlTimeout;
        this.token = token;
    }

    /** A client for the proxy at host:port, with a 5 s control timeout. */
    public static McmClient connect(String host, int port) {
        return builder().address(host, port).build();
    }

    /**
     * A client for {@code MCM_MEDIA_PROXY_IP}:{@code MCM_MEDIA_PROXY_PORT} (defaults 127.0.0.1:8002) with the token
     * of {@code MCM_TOKEN} (none when unset).
     */
    public static McmClient fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Like {@link #fromEnvironment()} with the given variables. */
    public static McmClient fromEnvironment(Map<String, String> env) {
        String ip = env.getOrDefault(ENV_IP, "");
        String p = env.getOrDefault(ENV_PORT, "");
        int port = DEFAULT_PORT;
        if (!p.isBlank()) {
            try {
                port = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(ENV_PORT + " is not a port number: '" + p + "'");
            }
        }
        Builder b = builder().address(ip.isBlank() ? DEFAULT_HOST : ip.trim(), port);
        String token = env.getOrDefault(ENV_TOKEN, "");
        if (!token.isEmpty()) {
            b.token(token);
        }
        return b.build();
    }

    /** A builder with this client's settings (address, timeout, token), e.g. to change the address. */
    public Builder toBuilder() {
        Builder b = builder().address(host, port).controlTimeout(controlTimeout);
        b.token = token;
        return b;
    }

    /** Whether connections of this client send a token (the token itself is not shown). */
    public boolean hasToken() {
        return token != null;
    }

    static void checkToken(String t) {
        int n = t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (n > Wire.MAX_TOKEN_BYTES) {
            throw new IllegalArgumentException("token longer than " + Wire.MAX_TOKEN_BYTES + " bytes");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Connect and reply timeout of the control protocol. */
    public Duration controlTimeout() {
        return controlTimeout;
    }

    /** Connections created by this client and not closed yet. */
    public List<Connection> connections() {
        return List.copyOf(open);
    }

    /** A connection that sends media through the proxy. */
    public Connection createTx(ConnectionOptions options) throws McmException {
        return create(Direction.TX, options);
    }

    /** A connection that receives media through the proxy. */
    public Connection createRx(ConnectionOptions options) throws McmException {
        return create(Direction.RX, options);
    }

    /**
     * Creates a session at the proxy and attaches its memif data path.
     *
     * @throws McmException {@link ErrorCode#CONNECTION_FAILED} (proxy unreachable, memif did not come up),
     *         {@link ErrorCode#PROXY_REFUSED} (the proxy closed the connection instead of replying),
     *         {@link ErrorCode#TIMEOUT} (no reply in {@link #controlTimeout()}), {@link ErrorCode#PROTOCOL_ERROR},
     *         {@link ErrorCode#INVALID_PARAM}, {@link ErrorCode#NATIVE_UNAVAILABLE}
     */
    public Connection create(Direction direction, ConnectionOptions options) throws McmException {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(options, "options");
        if (closed) {
            throw new McmException(ErrorCode.CONNECTION_CLOSED, "client is closed");
        }
        if (options.memifSocketPath() != null) {
            throw new McmException(ErrorCode.INVALID_PARAM,
                    "options name a direct memif socket; use McmClient.createDirectTx/createDirectRx");
        }
        byte[] param;
        try {
            param = Wire.connParam(direction, options);
        } catch (IllegalArgumentException e) {
            throw new McmException(ErrorCode.INVALID_PARAM, e.getMessage());
        }
        String proxy = host + ":" + port;
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, controlTimeout.toMillis()));
        Socket s = new Socket();
        MemifSocket ms = null;
        long id = 0;
        boolean ok = false;
        try {
            try {
                s.connect(new InetSocketAddress(host, port), timeoutMs);
                s.setTcpNoDelay(true);
                s.setSoTimeout(timeoutMs);
            } catch (IOException e) {
                throw new McmException(ErrorCode.CONNECTION_FAILED, "cannot reach the media proxy at " + proxy + ": "
                        + e.getMessage(), e);
            }
            InputStream in = s.getInputStream();
            String tok = options.token() != null ? options.token() : token;
            if (tok != null && !tok.isEmpty()) {
                authenticate(s, in, tok, proxy);
            }
            boolean pooled = options.proxyBuffers();
            send(s, Wire.request(Wire.createCommand(options.transport(), pooled), param), proxy);
            byte[] idBytes = reply(in, 4, proxy, "CREATE_SESSION");
            id = Integer.toUnsignedLong(ByteBuffer.wrap(idBytes).order(ByteOrder.LITTLE_ENDIAN).getInt());
            send(s, Wire.request(Wire.CMD_QUERY_MEMIF_PARAM, Wire.sessionId(id)), proxy);
            Wire.MemifParams mp = Wire.memifParams(reply(in, Wire.MEMIF_PARAM_SIZE, proxy, "QUERY_MEMIF_PARAM"));
            s.setSoTimeout(0);
            int bufferSize = checkParams(mp, options, proxy, id, pooled);
            int log2 = mp.log2RingSize() == 0 ? DEFAULT_LOG2_RING : mp.log2RingSize();
            Connection[] self = new Connection[1];
            InterfaceConfig cfg = InterfaceConfig.builder(mp.interfaceId())
                    .name(mp.interfaceName().isEmpty() ? "mcm-java-sdk" : truncate(mp.interfaceName(), 31))
                    .secret(mp.secret())
                    .rxMode(options.polling() ? RxMode.POLLING : RxMode.INTERRUPT)
                    .log2RingSize(log2)
                    .bufferSize(bufferSize)
                    .rings(Math.max(1, mp.s2mRings()), Math.max(1, mp.m2sRings()))
                    .maxFrameSize(Math.max(64 << 20, bufferSize))
                    .listener(new MemifInterface.Listener() {
                        @Override
                        public void connected(MemifInterface iface) {
                        }

                        @Override
                        public void disconnected(MemifInterface iface, String reason) {
                            Connection c = self[0];
                            if (c != null) {
                                c.lost(reason);
                            }
                        }
                    })
                    .build();
            // pooled: the proxy brings the memory and connects to us; else we bring it and connect to the proxy
            MemifAddress address = MemifAddress.parse(mp.socketPath());
            ms = pooled ? MemifSocket.server(address) : MemifSocket.client(address);
            if (pooled && !address.isAbstract()) {
                // the proxy may run as another user of the socket directory's group (the .deb: user and group
                // mcm): let the group connect; the memif secret still decides who is admitted
                java.nio.file.Files.setPosixFilePermissions(java.nio.file.Path.of(address.name()),
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
            }
            MemifInterface iface = ms.createInterface(cfg);
            if (!iface.awaitConnected(Math.max(0, options.connectTimeout().toNanos()), TimeUnit.NANOSECONDS)) {
                String why = iface.lastDisconnectReason();
                throw new McmException(ErrorCode.CONNECTION_FAILED, "memif data path of session " + id + " at "
                        + mp.socketPath() + " did not come up within " + options.connectTimeout().toMillis() + " ms"
                        + (why.isEmpty() ? "" : ": " + why));
            }
            Connection conn = new Connection(direction, options, id, s, proxy, ms, iface, bufferSize,
                    () -> open.remove(self[0]));
            self[0] = conn;
            open.add(conn);
            ok = true;
            if (closed) {
                conn.close();
                throw new McmException(ErrorCode.CONNECTION_CLOSED, "client closed while connecting");
            }
            return conn;
        } catch (MemifUnavailableException e) {
            throw new McmException(ErrorCode.NATIVE_UNAVAILABLE, e.getMessage());
        } catch (MemifException e) {
            throw new McmException(ErrorCode.CONNECTION_FAILED, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new McmException(ErrorCode.PROTOCOL_ERROR, "media proxy " + proxy + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McmException(ErrorCode.INTERRUPTED, "interrupted while connecting to " + proxy);
        } catch (McmException e) {
            throw e;
        } catch (IOException e) {
            throw new McmException(ErrorCode.CONNECTION_FAILED, "media proxy " + proxy + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                if (ms != null) {
                    ms.close();
                }
                if (id != 0 && !s.isClosed()) {
                    try {
                        s.getOutputStream().write(Wire.request(Wire.CMD_DESTROY_SESSION, Wire.sessionId(id)));
                    } catch (IOException e) {
                        // closing below is enough
                    }
                }
                try {
                    s.close();
                } catch (IOException e) {
                    // nothing
                }
            }
        }
    }

    /** AUTH with the token; the proxy answers u32 0 or refuses (non-zero, or closes at once). */
    private void authenticate(Socket s, InputStream in, String tok, String proxy) throws McmException {
        send(s, Wire.request(Wire.CMD_AUTH, tok.getBytes(java.nio.charset.StandardCharsets.UTF_8)), proxy);
        byte[] r;
        try {
            r = reply(in, 4, proxy, "AUTH");
        } catch (McmException e) {
            if (e.errorCode() == ErrorCode.PROXY_REFUSED) {
                throw new McmException(ErrorCode.UNAUTHENTICATED, "media proxy " + proxy + " refused the token", e);
            }
            if (e.errorCode() == ErrorCode.TIMEOUT) {
                throw new McmException(ErrorCode.TIMEOUT, e.getMessage()
                        + " (a proxy without authentication support, e.g. upstream 24.09, never answers AUTH: use no token)", e);
            }
            throw e;
        }
        int status = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (status != 0) {
            throw new McmException(ErrorCode.UNAUTHENTICATED, "media proxy " + proxy + " refused the token (status "
                    + status + ")");
        }
    }

    private static String truncate(String s, int max) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return b.length <= max ? s : new String(b, 0, max, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static int checkParams(Wire.MemifParams mp, ConnectionOptions o, String proxy, long id, boolean pooled)
            throws McmException {
        String where = "media proxy " + proxy + " session " + id + ": ";
        if (mp.socketPath().isEmpty()) {
            throw new McmException(ErrorCode.PROTOCOL_ERROR, where + "memif_conn_param names no socket path");
        }
        if (mp.master() != pooled) {
            throw new McmException(ErrorCode.PROTOCOL_ERROR, where + (pooled
                    ? "the proxy did not take the pooled mode (memif_conn_param keeps the app as memif slave)"
                    : "memif_conn_param asks the app to be memif master; the proxy must be the master"));
        }
        long need = o.format().bufferSize();
        if (mp.bufferSize() < need) {
            throw new McmException(ErrorCode.PROTOCOL_ERROR, where + "memif buffers of " + mp.bufferSize()
                    + " bytes cannot hold one " + o.format() + " buffer (" + need + " bytes)");
        }
        if (mp.bufferSize() > Integer.MAX_VALUE) {
            throw new McmException(ErrorCode.PROTOCOL_ERROR, where + "memif buffer size " + mp.bufferSize()
                    + " exceeds 2 GiB");
        }
        if (mp.log2RingSize() > 14) {
            throw new McmException(ErrorCode.PROTOCOL_ERROR, where + "memif log2 ring size " + mp.log2RingSize()
                    + " is out of range 1..14");
        }
        return (int) mp.bufferSize();
    }

    private static void send(Socket s, byte[] msg, String proxy) throws McmException {
        try {
            s.getOutputStream().write(msg);
            s.getOutputStream().flush();
        } catch (IOException e) {
            throw new McmException(ErrorCode.PROXY_REFUSED, "media proxy " + proxy
                    + " closed the control connection: " + e.getMessage(), e);
        }
    }

    private byte[] reply(InputStream in, int len, String proxy, String what) throws McmException {
        byte[] b = new byte[len];
        int n = 0;
        try {
            while (n < len) {
                int r = in.read(b, n, len - n);
                if (r < 0) {
                    throw new EOFException();
                }
                n += r;
            }
            return b;
        } catch (SocketTimeoutException e) {
            throw new McmException(ErrorCode.TIMEOUT, "media proxy " + proxy + " did not answer " + what + " within "
                    + controlTimeout.toMillis() + " ms", e);
        } catch (IOException e) {
            if (n == 0) {
                throw new McmException(ErrorCode.PROXY_REFUSED, "media proxy " + proxy
                        + " closed the connection instead of answering " + what
                        + " (request refused; the proxy's log says why)", e);
            }
            throw new McmException(ErrorCode.PROTOCOL_ERROR, "media proxy " + proxy + " closed the connection after "
                    + n + " of the " + len + " bytes of its " + what + " reply", e);
        }
    }

    /**
     * Direct app-to-app TX over memif, no proxy (upstream PROTO_MEMIF): {@link ConnectionOptions.Builder#memif}
     * names the socket path, the interface id and whether this app is the server. Returns at once; buffers become
     * available when the peer app is attached ({@link Connection#awaitConnected}).
     */
    public static Connection createDirectTx(ConnectionOptions options) throws McmException {
        return createDirect(Direction.TX, options);
    }

    /** Direct app-to-app RX over memif; see {@link #createDirectTx}. */
    public static Connection createDirectRx(ConnectionOptions options) throws McmException {
        return createDirect(Direction.RX, options);
    }

    public static Connection createDirect(Direction direction, ConnectionOptions options) throws McmException {
        Objects.requireNonNull(direction, "direction");
        if (options.memifSocketPath() == null) {
            throw new McmException(ErrorCode.INVALID_PARAM, "direct mode needs ConnectionOptions.Builder.memif(...)");
        }
        int bufferSize = options.memifBufferSize() != 0 ? options.memifBufferSize()
                : (int) Math.max(64, options.format().bufferSize());
        MemifSocket ms = null;
        try {
            MemifAddress addr = MemifAddress.parse(options.memifSocketPath());
            ms = options.memifServer() ? MemifSocket.server(addr) : MemifSocket.client(addr);
            InterfaceConfig cfg = InterfaceConfig.builder(options.memifInterfaceId())
                    .name("memif_" + (direction == Direction.TX ? "tx" : "rx") + "_" + options.memifInterfaceId())
                    .secret(options.memifSecret())
                    .rxMode(options.polling() ? RxMode.POLLING : RxMode.INTERRUPT)
                    .log2RingSize(options.memifLog2RingSize())
                    .bufferSize(bufferSize)
                    .maxFrameSize(Math.max(64 << 20, bufferSize))
                    .build();
            MemifInterface iface = ms.createInterface(cfg);
            return new Connection(direction, options, 0, null, null, ms, iface, bufferSize, () -> { });
        } catch (MemifUnavailableException e) {
            throw new McmException(ErrorCode.NATIVE_UNAVAILABLE, e.getMessage());
        } catch (MemifException e) {
            if (ms != null) {
                ms.close();
            }
            throw new McmException(ErrorCode.CONNECTION_FAILED, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            if (ms != null) {
                ms.close();
            }
            throw new McmException(ErrorCode.INVALID_PARAM, e.getMessage());
        }
    }

    /** Closes every connection created by this client; later creates fail. */
    @Override
    public void close() {
        closed = true;
        for (Connection c : List.copyOf(open)) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "McmClient[" + host + ":" + port + "]";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private Duration controlTimeout = Duration.ofSeconds(5);
        private String token;

        private Builder() {
        }

        /**
         * The token every connection of the client proves itself with: sent as AUTH (command 16) before
         * CREATE_SESSION. Null or empty = none (what upstream 24.09 apps do; the proxy then admits the app only by
         * its policy, e.g. from loopback).
         */
        public Builder token(String v) {
            if (v == null || v.isEmpty()) {
                this.token = null;
                return this;
            }
            checkToken(v);
            this.token = v;
            return this;
        }

        public Builder address(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("proxy port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Connect and reply timeout of the TCP control protocol (default 5 s). */
        public Builder controlTimeout(Duration v) {
            if (v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("control timeout must be positive");
            }
            this.controlTimeout = v;
            return this;
        }

        public McmClient build() {
            if (host.isBlank()) {
                throw new IllegalArgumentException("proxy host is empty");
            }
            return new McmClient(host, port, controlTimeout, token);
        }
    }
}
