package org.mcm.control.internal.sdk;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.app.AppLinkService;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.session.SessionException;
import org.mcm.api.session.SessionManager;
import org.mcm.control.internal.sessions.ProxyCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one SDK client connection. Where upstream leaves a client waiting forever (no reply on failure, unknown
 * command, bad header), this handler closes the connection so the client's read fails at once; a well-behaved
 * upstream client sees exactly the bytes it expects.
 */
final class SdkClientHandler implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SdkClientHandler.class);

    private final Socket sock;
    private final SessionManager sessions;
    private final ProxyCounters counters;
    private final SdkServer.Config config;
    private final int timeoutMs;
    private final Supplier<AppLinkService> appLinks;
    private final AtomicInteger linkSeq;
    private final Consumer<SdkClientHandler> onExit;
    private final String peer;
    /** The peer's address: the key of the per-source log limit and connection bounds. */
    final String source;
    private final org.mcm.control.internal.util.LogLimiter logLimit;
    /** Called once when a connection the policy did not admit at connect authenticates (frees its pending slot). */
    private final Runnable onAuthenticated;
    /** Sessions created on this connection and their app links, in creation order. */
    private final Map<Long, AppLink> owned = new LinkedHashMap<>();
    private final Map<Long, AppLink> registry;
    private final SdkAuth auth;
    /** Admitted without a token by the policy (source network), decided at connect. */
    private final boolean admittedWithoutToken;
    /** Sent a valid AUTH. */
    private boolean authenticated;
    /** Requests served so far (AUTH is accepted only as the first). */
    private int served;

    SdkClientHandler(Socket sock, SessionManager sessions, ProxyCounters counters, SdkServer.Config config,
            SdkAuth auth, Supplier<AppLinkService> appLinks, AtomicInteger linkSeq, Map<Long, AppLink> registry,
            Consumer<SdkClientHandler> onExit, org.mcm.control.internal.util.LogLimiter logLimit,
            Runnable onAuthenticated) {
        this.logLimit = logLimit;
        this.onAuthenticated = onAuthenticated;
        this.source = sock.getInetAddress() == null ? "?" : sock.getInetAddress().getHostAddress();
        this.registry = registry;
        this.auth = auth;
        this.admittedWithoutToken = auth.admitsWithoutToken(sock.getInetAddress());
        this.sock = sock;
        this.sessions = sessions;
        this.counters = counters;
        this.config = config;
        this.timeoutMs = config.requestTimeoutMs();
        this.appLinks = appLinks;
        this.linkSeq = linkSeq;
        this.onExit = onExit;
        this.peer = "sdk:" + sock.getRemoteSocketAddress();
    }

    @Override
    public void run() {
        try (sock) {
            sock.setTcpNoDelay(true);
            InputStream in = sock.getInputStream();
            OutputStream out = sock.getOutputStream();
            while (serveOne(in, out)) {
                // next request
            }
        } catch (EOFException e) {
            LOG.debug("{} disconnected", peer);
        } catch (SocketTimeoutException e) {
            if (silent) {
                counters.increment("sdk_silent_timeouts");
                if (!admitted()) {
                    counters.increment("sdk_auth_refused");
                }
                warn("{} sent nothing within {} ms; disconnected", peer, config.firstRequestTimeoutMs());
            } else if (admitted()) {
                counters.increment("sdk_protocol_errors");
                warn("{} stalled mid-request for {} ms; disconnected", peer, timeoutMs);
            } else {
                counters.increment("sdk_protocol_errors");
                counters.increment("sdk_auth_refused");
                warn("{} sent no authenticated request within {} ms; disconnected", peer, timeoutMs);
            }
        } catch (IOException e) {
            LOG.debug("{} connection error: {}", peer, e.toString());
        } catch (RuntimeException e) {
            counters.increment("sdk_internal_errors");
            LOG.error("{}: unexpected error serving the SDK client: {}; disconnected", peer, e.toString());
        } finally {
            for (Map.Entry<Long, AppLink> e : owned.entrySet()) {
                registry.remove(e.getKey()); // the app is going: no detach message back to it
                if (sessions.delete(e.getKey(), "its SDK client disconnected")) {
                    LOG.info("session {} deleted: its SDK client {} disconnected", e.getKey(), peer);
                }
                e.getValue().close("SDK client disconnected");
            }
            owned.clear();
            onExit.accept(this);
        }
    }

    /** Waiting for the first byte of a request of a connection that owns no session yet. */
    private boolean silent;

    /** Reads and answers one request; false when the connection must end. */
    private boolean serveOne(InputStream in, OutputStream out) throws IOException {
        // idle between requests is fine once the connection holds a session (upstream keeps its control connection
        // open for the session's life); before that every connection must speak at once, trusted or not, so silent
        // connections cannot hold the client slots
        silent = owned.isEmpty();
        sock.setSoTimeout(silent ? Math.min(config.firstRequestTimeoutMs(), timeoutMs) : 0);
        int first = in.read();
        silent = false;
        if (first < 0) {
            return false;
        }
        sock.setSoTimeout(timeoutMs);
        byte[] head = new byte[SdkProtocol.HEADER_SIZE + SdkProtocol.COMMAND_SIZE];
        head[0] = (byte) first;
        readFully(in, head, 1, head.length - 1);
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int magic = h.getInt(0);
        int version = Byte.toUnsignedInt(h.get(4));
        if (magic != SdkProtocol.MAGIC || version != SdkProtocol.VERSION) {
            return protocolError(String.format("bad header (magic 0x%08x, version 0x%02x; expected \"mcm\\0\" v0x10)", magic, version));
        }
        int inst = Short.toUnsignedInt(h.getShort(8));
        int len = Short.toUnsignedInt(h.getShort(10));
        byte[] payload = new byte[len];
        readFully(in, payload, 0, len);
        counters.increment("sdk_requests");
        boolean firstRequest = served++ == 0;
        if (inst == SdkProtocol.CMD_AUTH) {
            return authenticate(payload, firstRequest, out);
        }
        if (!admitted()) {
            // before anything is created: a refused client costs no session, no memif socket, no shared memory
            counters.increment("sdk_auth_refused");
            warn("{}: refused: no token, and the SDK authPolicy is {}{}; connection closed", peer,
                    auth.policy.name().toLowerCase(java.util.Locale.ROOT),
                    auth.policy == SdkAuth.Policy.COMPAT ? " and the address is not in trustedNetworks [" + auth.trusted + "]" : "");
            return false;
        }
        return switch (inst) {
            case SdkProtocol.CMD_CREATE_SESSION -> create(payload, out, false, false);
            case SdkProtocol.CMD_CREATE_SESSION_POOLED -> create(payload, out, true, false);
            case SdkProtocol.CMD_CREATE_SESSION_LOCAL -> create(payload, out, false, true);
            case SdkProtocol.CMD_CREATE_SESSION_LOCAL_POOLED -> create(payload, out, true, true);
            case SdkProtocol.CMD_DESTROY_SESSION -> destroy(payload);
            case SdkProtocol.CMD_QUERY_MEMIF_PARAM -> queryMemif(payload, out);
            default -> protocolError("unsupported command " + inst);
        };
    }

    private boolean admitted() {
        return authenticated || admittedWithoutToken;
    }

    /** AUTH (16): payload = the token; reply u32 0 = accepted, 1 = refused (then the connection is closed). */
    private boolean authenticate(byte[] payload, boolean first, OutputStream out) throws IOException {
        if (!first) {
            return protocolError("AUTH is accepted only as the first request");
        }
        boolean ok = auth.tokens.matches(payload);
        java.util.Arrays.fill(payload, (byte) 0);
        byte[] reply = new byte[4];
        ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).putInt(ok ? SdkProtocol.AUTH_OK : SdkProtocol.AUTH_REFUSED);
        if (!ok) {
            counters.increment("sdk_auth_refused");
            warn("{}: refused: invalid token ({} bytes); connection closed", peer, payload.length);
            try {
                out.write(reply);
                out.flush();
            } catch (IOException e) {
                // closing anyway
            }
            return false;
        }
        authenticated = true;
        if (!admittedWithoutToken) {
            onAuthenticated.run();
        }
        counters.increment("sdk_auth_accepted");
        LOG.debug("{}: authenticated with a token", peer);
        out.write(reply);
        out.flush();
        return true;
    }

    private boolean create(byte[] payload, OutputStream out, boolean pooled, boolean local) throws IOException {
        if (payload.length != McmConnParam.SIZE) {
            return protocolError("create session: mcm_conn_param of " + payload.length + " bytes, expected " + McmConnParam.SIZE);
        }
        ConnectionSpec spec;
        try {
            McmConnParam p = McmConnParam.wrap(payload);
            spec = local ? p.toLocalSpec() : p.toSpec();
        } catch (IllegalArgumentException e) {
            return protocolError("create session: " + e.getMessage());
        }
        AppLinkService links = appLinks.get(); // waits a moment for the memif service right after start
        if (links == null) {
            counters.increment("sdk_requests_failed");
            warn("{}: create session refused: no app data path is running (memif bundle stopped or its native "
                    + "fragment missing); closing the connection", peer);
            return false;
        }
        int n = linkSeq.incrementAndGet();
        String dir = spec.direction() == org.mcm.api.connection.Direction.TX ? "tx" : "rx";
        String name = "memif_" + dir + "_" + n;
        int log2 = spec.format() instanceof org.mcm.api.media.VideoFormat ? config.videoRingLog2() : config.audioRingLog2();
        AppLink link;
        try {
            // random bits in every name: no other local process can guess it ahead to plant a file there or (pooled:
            // the app creates the socket) to listen there first; the client takes the path from the memif reply
            String path = config.memifDir() + "/media_proxy_" + dir + "_" + n + "_" + newSocketTag() + ".sock";
            link = links.open(new AppLinkRequest(spec.direction(), path,
                    0, name, spec.format().bufferSize(), log2, config.memifSecret() ? newMemifSecret() : "",
                    config.memifPolling(), pooled ? sharedPoolOf(spec, sessions) : null));
        } catch (IOException | RuntimeException e) {
            counters.increment("sdk_requests_failed");
            return refused("create session failed: " + e.getMessage(), out);
        }
        SessionManager.Session s;
        try {
            SessionManager.AppAttachment attach = spec.direction() == org.mcm.api.connection.Direction.RX
                    ? new SessionManager.AppAttachment(link.source(), link.sink()) : null;
            s = sessions.create(spec, peer, attach);
        } catch (SessionException e) {
            link.close();
            counters.increment("sdk_requests_failed");
            return refused("create session refused: " + e.getMessage(), out);
        } catch (RuntimeException | Error e) {
            // whatever went wrong inside (e.g. out of direct memory): the client is answered, nothing is left behind
            link.close();
            counters.increment("sdk_requests_failed");
            counters.increment("sdk_internal_errors");
            LOG.error("{}: create session failed unexpectedly: {}", peer, e.toString());
            return refused("create session failed: " + e, out);
        }
        if (spec.direction() == org.mcm.api.connection.Direction.TX) {
            try {
                link.start(s.input());
            } catch (RuntimeException e) {
                link.close();
                sessions.delete(s.id(), "its app link could not start");
                counters.increment("sdk_requests_failed");
                counters.increment("sdk_internal_errors");
                return refused("create session failed: app link: " + e, out);
            }
        }
        long sid = s.id();
        link.onDetach(reason -> LOG.info("session {}: app detached from {} ({})", sid, name, reason));
        owned.put(s.id(), link);
        registry.put(s.id(), link);
        if (s.info().state().isTerminal()) { // ended while it was being wired up
            registry.remove(s.id());
            link.close("session " + s.id() + " " + s.info().state() + ": " + s.info().reason());
        }
        byte[] reply = new byte[4];
        ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).putInt((int) s.id());
        out.write(reply);
        out.flush();
        return true;
    }

    private boolean destroy(byte[] payload) {
        if (payload.length != 4) {
            return protocolError("destroy session: payload of " + payload.length + " bytes, expected 4");
        }
        long id = Integer.toUnsignedLong(ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getInt());
        AppLink link = owned.remove(id);
        if (link == null) {
            counters.increment("sdk_requests_failed");
            warn("{}: destroy of session {} refused: not created on this connection", peer, id);
            return false;
        }
        registry.remove(id); // the app asked: no detach message back to it
        sessions.delete(id, "destroyed by its app");
        link.close("session destroyed by the app");
        LOG.info("session {} destroyed by {}", id, peer);
        return false; // upstream closes the connection after a destroy
    }

    private boolean queryMemif(byte[] payload, OutputStream out) throws IOException {
        if (payload.length != 4) {
            return protocolError("query memif: payload of " + payload.length + " bytes, expected 4");
        }
        long id = Integer.toUnsignedLong(ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getInt());
        AppLink link = owned.get(id);
        if (link == null) {
            counters.increment("sdk_requests_failed");
            warn("{}: memif parameters of session {} refused: not created on this connection", peer, id);
            return false;
        }
        AppLinkRequest r = link.request();
        out.write(MemifConnParam.write(r.socketPath(), r.interfaceName(), r.secret(), r.bufferSize(), r.log2RingSize(),
                r.interfaceId(), r.interfaceName(), r.pooled()));
        out.flush();
        return true;
    }

    private boolean protocolError(String what) {
        counters.increment("sdk_protocol_errors");
        warn("{}: {}; disconnecting", peer, what);
        return false;
    }

    /**
     * A create that is refused. Upstream sends nothing on failure (its client waits forever); this proxy closes a
     * connection that holds no session, so the client's read fails at once. A connection that already holds
     * sessions keeps them: it gets session id 0 (ids start at 1) and stays open, so only the new one is refused.
     */
    private boolean refused(String why, OutputStream out) throws IOException {
        if (owned.isEmpty()) {
            warn("{}: {}; closing the connection so the client fails at once", peer, why);
            return false;
        }
        warn("{}: {}; answered with session id 0, its {} other session(s) kept", peer, why, owned.size());
        out.write(new byte[4]);
        out.flush();
        return true;
    }

    /** One WARN line, rate-limited per source address (the rest are counted in {@code log_lines_held}). */
    private void warn(String format, Object... args) {
        long held = logLimit.admit(source);
        if (held < 0) {
            counters.increment("log_lines_held");
            return;
        }
        if (held > 0) {
            LOG.warn(format + org.mcm.control.internal.util.LogLimiter.held(held), args);
        } else {
            LOG.warn(format, args);
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * The pool a pooled session draws from: the apps of one local group share one (so frames pass between them
     * without a copy), and so do a sender and a receiver that the same-proxy bypass could pair (same transport,
     * port and buffer size); any other session gets a pool of its own.
     */
    static String sharedPoolOf(ConnectionSpec spec, SessionManager sessions) {
        String group = spec.options().get("group");
        if ("local".equals(spec.transport()) && group != null && !group.isBlank()) {
            return "local/" + group;
        }
        if (sessions instanceof org.mcm.control.internal.sessions.SessionManagerImpl m) {
            return m.bypassPoolKey(spec);
        }
        return "";
    }

    /** 64 random bits, hex. */
    static String newSocketTag() {
        return String.format("%016x", RANDOM.nextLong());
    }

    /** 128 random bits as 22 URL-safe characters: fits memif's 24-byte secret field with its NUL. */
    static String newMemifSecret() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int n = in.readNBytes(b, off, len);
        if (n < len) {
            throw new EOFException("connection closed mid-message");
        }
    }

    void close() {
        SdkServer.closeQuietly(sock);
    }
}
