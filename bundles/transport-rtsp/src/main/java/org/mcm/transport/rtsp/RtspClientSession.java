package org.mcm.transport.rtsp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RX from an RTSP camera (RFC 2326, RTSP 1.0): OPTIONS, DESCRIBE, SETUP over UDP or TCP interleaved (option
 * {@code rtsp_transport=udp|tcp}; default UDP, then TCP when UDP is refused or nothing comes), PLAY, keep-alive
 * within the server's session timeout, TEARDOWN on close, Basic and Digest authentication. When the camera goes
 * away the session stays and reconnects with a growing pause (0.5 s doubling to 30 s); its stats say so. The
 * access units reach the app in the type-5 layout, from the first IDR on, with the SDP's parameter sets in front.
 */
final class RtspClientSession implements TransportSession {

    private static final Logger LOG = LoggerFactory.getLogger(RtspClientSession.class);
    static final int RESPONSE_TIMEOUT_MS = 10_000;
    /** How long to wait for an answer (option {@code timeout}, seconds, 1..60; default 10). */
    private final int responseTimeoutMs;
    static final int NO_MEDIA_TIMEOUT_MS = 10_000;
    static final int UDP_FIRST_PACKET_MS = 4_000;

    private final RtspUrl url;
    private final String mode;
    private final int payloadType;
    private final FrameSource source;
    private final FrameSink sink;
    private final String bindIp;
    private final int socketBuffer;
    private final RtpCounters counters = new RtpCounters();
    final LongAdder reconnects = new LongAdder();
    final LongAdder rtspErrors = new LongAdder();
    final LongAdder authFailures = new LongAdder();
    final LongAdder keepAlives = new LongAdder();
    /** Times the automatic choice went from UDP to TCP interleaved (UDP refused, or set up but silent). */
    final LongAdder tcpFallbacks = new LongAdder();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean connected;
    private volatile boolean usingTcp;
    private volatile String status = "connecting";
    private volatile long backoffMs;

    // the current attempt
    private volatile Socket socket;
    private volatile OutputStream out;
    private volatile DatagramChannel rtp;
    private volatile DatagramChannel rtcp;
    private volatile String sessionId;
    private volatile String trackUrl;
    private int cseq;
    private String challenge;
    private boolean digest;
    private int nonceCount;

    RtspClientSession(ConnectionSpec spec, TransportContext ctx, RtspSettings s) throws TransportException {
        try {
            url = RtspUrl.parse(spec.options().get("url"));
        } catch (IllegalArgumentException e) {
            throw new TransportException(e.getMessage());
        }
        String m = spec.options().getOrDefault("rtsp_transport", "auto").toLowerCase(Locale.ROOT);
        if (!m.equals("udp") && !m.equals("tcp") && !m.equals("auto")) {
            throw new TransportException("rtsp_transport must be udp, tcp or auto, not '" + m + "'");
        }
        mode = m;
        try {
            int t = Integer.parseInt(spec.options().getOrDefault("timeout", "10").trim());
            if (t < 1 || t > 60) {
                throw new NumberFormatException();
            }
            responseTimeoutMs = t * 1000;
        } catch (NumberFormatException e) {
            throw new TransportException("timeout must be 1..60 seconds");
        }
        payloadType = spec.payloadType();
        source = ctx.frameSource() == null ? NoApp.SOURCE : ctx.frameSource();
        sink = ctx.output() == null ? NoApp.SINK : ctx.output();
        bindIp = s.ip();
        socketBuffer = s.socketBuffer();
        thread = new Thread(this::run, "rtsp-client-" + ctx.sessionId());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        boolean tcp = mode.equals("tcp");
        backoffMs = 500;
        while (running) {
            long framesBefore = counters.frames.sum();
            String why;
            try {
                status = "connecting";
                why = attempt(tcp);
            } catch (AuthRefused e) {
                authFailures.increment();
                why = e.getMessage();
            } catch (RtspException e) {
                rtspErrors.increment();
                why = e.getMessage();
            } catch (SocketTimeoutException e) {
                rtspErrors.increment();
                why = "no answer from the server within " + responseTimeoutMs / 1000 + " s";
            } catch (IOException e) {
                why = e.getClass().getSimpleName() + ": " + e.getMessage();
            } catch (RuntimeException e) {
                rtspErrors.increment();
                why = "unexpected: " + e;
            } finally {
                connected = false;
                teardownQuietly();
            }
            if (!running) {
                break;
            }
            if ("udp-silent".equals(why)) {
                tcpFallbacks.increment();
                tcp = true; // UDP got nothing (a firewall, NAT): try interleaved at once
                LOG.info("RTSP {}: no RTP over UDP; switching to TCP interleaved", url);
                continue;
            }
            if (counters.frames.sum() > framesBefore) {
                backoffMs = 500;
            }
            reconnects.increment();
            status = "reconnecting in " + backoffMs + " ms: " + why;
            LOG.warn("RTSP {}: {}; reconnecting in {} ms", url, why, backoffMs);
            sleep(backoffMs);
            backoffMs = Math.min(30_000, backoffMs * 2);
            tcp = mode.equals("tcp") || (mode.equals("auto") && usingTcp);
        }
        status = "closed";
    }

    private static final class AuthRefused extends IOException {
        private static final long serialVersionUID = 1L;

        AuthRefused(String m) {
            super(m);
        }
    }

    /** One connection: returns why it ended. */
    private String attempt(boolean tcp) throws IOException {
        Socket s = new Socket();
        socket = s;
        s.connect(new InetSocketAddress(url.host, url.port), 5000);
        s.setSoTimeout(responseTimeoutMs);
        s.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
        out = s.getOutputStream();
        cseq = 0;
        challenge = null;
        nonceCount = 0;
        sessionId = null;
        H264Depacketizer dep = new H264Depacketizer(0, source, sink, counters);
        request(in, "OPTIONS", url.plain(), List.of(), null);
        RtspMessage d = request(in, "DESCRIBE", url.plain(), List.<String[]>of(new String[] {"Accept", "application/sdp"}), null);
        expectOk(d, "DESCRIBE");
        ClientSdp sdp = ClientSdp.parse(d.bodyText());
        if (payloadType != 0 && payloadType != sdp.payloadType()) {
            throw new RtspException("the camera's H.264 track has payload type " + sdp.payloadType() + ", not "
                    + payloadType);
        }
        dep = new H264Depacketizer(sdp.payloadType(), source, sink, counters);
        dep.startAtIdr(sdp.parameterSets());
        String base = d.header("Content-Base") != null ? d.header("Content-Base")
                : d.header("Content-Location") != null ? d.header("Content-Location") : url.plain();
        trackUrl = sdp.trackUrl(base);
        RtspMessage setup = null;
        if (!tcp) {
            openUdp();
            int p = ((InetSocketAddress) rtp.getLocalAddress()).getPort();
            setup = request(in, "SETUP", trackUrl, List.<String[]>of(new String[] {"Transport",
                    "RTP/AVP;unicast;client_port=" + p + "-" + (p + 1)}), null);
            if (setup.status != 200) {
                closeUdp();
                if (!mode.equals("auto")) {
                    throw new RtspException("SETUP over UDP refused: " + setup.status + " " + setup.reason);
                }
                tcpFallbacks.increment();
                tcp = true;
            }
        }
        if (tcp) {
            setup = request(in, "SETUP", trackUrl, List.<String[]>of(new String[] {"Transport",
                    "RTP/AVP/TCP;unicast;interleaved=0-1"}), null);
            expectOk(setup, "SETUP");
        }
        usingTcp = tcp;
        int channel = 0;
        String transport = setup.header("Transport");
        if (tcp && transport != null) {
            int at = transport.indexOf("interleaved=");
            if (at >= 0) {
                try {
                    channel = Integer.parseInt(transport.substring(at + 12).split("[-;,]")[0].trim());
                } catch (NumberFormatException e) {
                    throw new RtspException("bad interleaved channel in the SETUP answer");
                }
            }
        }
        if (!tcp && transport != null) {
            connectUdpToServer(transport);
        }
        String sess = setup.header("Session");
        if (sess == null || sess.isBlank()) {
            throw new RtspException("SETUP answer without a Session");
        }
        int timeout = 60;
        String[] sp = sess.split(";");
        sessionId = sp[0].trim();
        for (int i = 1; i < sp.length; i++) {
            String a = sp[i].trim().toLowerCase(Locale.ROOT);
            if (a.startsWith("timeout=")) {
                try {
                    timeout = Math.max(2, Math.min(3600, Integer.parseInt(a.substring(8).trim())));
                } catch (NumberFormatException e) {
                    // keep the default
                }
            }
        }
        RtspMessage play = request(in, "PLAY", base, List.<String[]>of(new String[] {"Range", "npt=0.000-"}), null);
        expectOk(play, "PLAY");
        connected = true;
        status = "playing over " + (tcp ? "TCP interleaved" : "UDP");
        LOG.info("RTSP {}: {}", url, status);
        long keepAliveNs = timeout * 1_000_000_000L / 2;
        return tcp ? receiveTcp(in, dep, channel, keepAliveNs, base) : receiveUdp(in, dep, keepAliveNs, base);
    }

    private String receiveTcp(InputStream in, H264Depacketizer dep, int channel, long keepAliveNs, String base)
            throws IOException {
        socket.setSoTimeout(1000);
        long lastMedia = System.nanoTime();
        long lastKeepAlive = System.nanoTime();
        ByteBuffer pkt = ByteBuffer.allocate(65536).order(ByteOrder.BIG_ENDIAN);
        int pending = -1;
        try {
            while (running) {
                long now = System.nanoTime();
                if (now - lastKeepAlive > keepAliveNs) {
                    pending = send("GET_PARAMETER", base, List.of());
                    keepAlives.increment();
                    lastKeepAlive = now;
                }
                if (now - lastMedia > NO_MEDIA_TIMEOUT_MS * 1_000_000L) {
                    return "no media for " + NO_MEDIA_TIMEOUT_MS / 1000 + " s";
                }
                RtspMessage m;
                try {
                    m = RtspMessage.read(in);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (m == null) {
                    return "the server closed the connection";
                }
                if (m.isInterleaved()) {
                    if (m.channel == channel) {
                        lastMedia = System.nanoTime();
                        counters.bytes.add(m.body.length);
                        pkt.clear();
                        pkt.put(0, m.body);
                        dep.accept(pkt, m.body.length);
                    }
                    continue;
                }
                if (m.isResponse()) {
                    if (m.cseq() != pending) {
                        throw new RtspException("answer with CSeq " + m.cseq() + " to request " + pending);
                    }
                    pending = -1;
                }
                // requests from the server (e.g. ANNOUNCE) are not used
            }
            return "closed";
        } finally {
            dep.abort();
        }
    }

    private String receiveUdp(InputStream in, H264Depacketizer dep, long keepAliveNs, String base) throws IOException {
        DatagramChannel ch = rtp;
        final long[] lastMedia = {System.nanoTime()};
        final long[] firstPackets = {0};
        Thread reader = new Thread(() -> {
            ByteBuffer pkt = ByteBuffer.allocateDirect(65536).order(ByteOrder.BIG_ENDIAN);
            try {
                while (running) {
                    pkt.clear();
                    ch.receive(pkt);
                    lastMedia[0] = System.nanoTime();
                    firstPackets[0]++;
                    counters.bytes.add(pkt.position());
                    dep.accept(pkt, pkt.position());
                }
            } catch (IOException e) {
                // closed
            } finally {
                dep.abort();
            }
        }, thread.getName() + "-rtp");
        reader.setDaemon(true);
        reader.start();
        long started = System.nanoTime();
        long lastKeepAlive = started;
        try {
            socket.setSoTimeout(500);
            int pending = -1;
            while (running) {
                long now = System.nanoTime();
                if (firstPackets[0] == 0 && mode.equals("auto") && now - started > UDP_FIRST_PACKET_MS * 1_000_000L) {
                    usingTcp = true;
                    return "udp-silent";
                }
                if (now - lastMedia[0] > NO_MEDIA_TIMEOUT_MS * 1_000_000L) {
                    return "no media for " + NO_MEDIA_TIMEOUT_MS / 1000 + " s";
                }
                if (now - lastKeepAlive > keepAliveNs) {
                    pending = send("GET_PARAMETER", base, List.of());
                    keepAlives.increment();
                    lastKeepAlive = now;
                }
                RtspMessage m;
                try {
                    m = RtspMessage.read(in);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (m == null) {
                    return "the server closed the connection";
                }
                if (m.isResponse()) {
                    if (m.cseq() != pending) {
                        throw new RtspException("answer with CSeq " + m.cseq() + " to request " + pending);
                    }
                    pending = -1;
                }
            }
            return "closed";
        } finally {
            closeUdp();
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void openUdp() throws IOException {
        InetAddress local = InetAddress.getByName(bindIp);
        if (socket.getLocalAddress() != null) {
            local = socket.getLocalAddress(); // the address the camera already talks to
        }
        IOException last = null;
        for (int attempt = 0; attempt < 32; attempt++) {
            DatagramChannel a = DatagramChannel.open();
            DatagramChannel b = null;
            try {
                a.setOption(StandardSocketOptions.SO_RCVBUF, socketBuffer);
                a.bind(new InetSocketAddress(local, 0));
                int port = ((InetSocketAddress) a.getLocalAddress()).getPort();
                if ((port & 1) != 0 || port == 65534) {
                    a.close();
                    continue;
                }
                b = DatagramChannel.open();
                b.bind(new InetSocketAddress(local, port + 1));
                rtp = a;
                rtcp = b;
                return;
            } catch (IOException e) {
                last = e;
                a.close();
                if (b != null) {
                    b.close();
                }
            }
        }
        throw last != null ? last : new IOException("no free even/odd UDP port pair");
    }

    /** Takes only packets from the server's address (a stray sender cannot inject media). */
    private void connectUdpToServer(String transport) throws IOException {
        int at = transport.indexOf("server_port=");
        if (at < 0) {
            return; // some servers omit it; then any source is taken
        }
        try {
            int port = Integer.parseInt(transport.substring(at + 12).split("[-;,]")[0].trim());
            if (port > 0 && port < 65536) {
                rtp.connect(new InetSocketAddress(socket.getInetAddress(), port));
            }
        } catch (NumberFormatException e) {
            throw new RtspException("bad server_port in the SETUP answer");
        }
    }

    private void closeUdp() {
        DatagramChannel a = rtp;
        DatagramChannel b = rtcp;
        rtp = null;
        rtcp = null;
        for (DatagramChannel c : new DatagramChannel[] {a, b}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    private static void expectOk(RtspMessage m, String what) throws RtspException {
        if (m.status != 200) {
            throw new RtspException(what + " answered " + m.status + " " + m.reason);
        }
    }

    /** Sends a request (with the session and credentials); returns its CSeq. */
    private synchronized int send(String method, String uri, List<String[]> headers) throws IOException {
        OutputStream o = out;
        if (o == null) {
            throw new IOException("not connected");
        }
        List<String[]> h = new ArrayList<>(headers);
        if (sessionId != null && !method.equals("OPTIONS") && !method.equals("DESCRIBE")) {
            h.add(new String[] {"Session", sessionId});
        }
        if (challenge != null) {
            h.add(new String[] {"Authorization", digest
                    ? Auth.digest(Auth.params(challenge), url.user, url.password, method, uri, ++nonceCount)
                    : Auth.basic(url.user, url.password)});
        }
        int c = ++cseq;
        o.write(RtspMessage.request(method, uri, c, h));
        o.flush();
        return c;
    }

    /** A request and its answer (interleaved packets before it are skipped); answers a 401 once with credentials. */
    private RtspMessage request(InputStream in, String method, String uri, List<String[]> headers, Object unused)
            throws IOException {
        for (int round = 0; round < 2; round++) {
            int c = send(method, uri, headers);
            RtspMessage m;
            do {
                m = RtspMessage.read(in);
                if (m == null) {
                    throw new RtspException("the server closed the connection during " + method);
                }
            } while (!m.isResponse());
            if (m.cseq() != c) {
                throw new RtspException(method + ": answer with CSeq " + m.cseq() + ", expected " + c);
            }
            if (m.status != 401) {
                return m;
            }
            if (!url.hasCredentials()) {
                throw new AuthRefused(method + ": the server wants credentials (401) and the url has none");
            }
            if (round == 1 || challenge != null) {
                throw new AuthRefused(method + ": credentials refused (401)");
            }
            String dig = null;
            String bas = null;
            for (String w : m.headers("WWW-Authenticate")) {
                if (w.regionMatches(true, 0, "Digest", 0, 6)) {
                    dig = w.substring(6).trim();
                } else if (w.regionMatches(true, 0, "Basic", 0, 5)) {
                    bas = w;
                }
            }
            if (dig != null) {
                challenge = dig;
                digest = true;
            } else if (bas != null) {
                challenge = bas;
                digest = false;
            } else {
                throw new AuthRefused(method + ": 401 without a Basic or Digest challenge");
            }
        }
        throw new AuthRefused(method + ": credentials refused (401)");
    }

    private void teardownQuietly() {
        Socket s = socket;
        try {
            if (sessionId != null && out != null && trackUrl != null) {
                send("TEARDOWN", trackUrl, List.of());
            }
        } catch (IOException e) {
            // the server is gone anyway
        }
        sessionId = null;
        out = null;
        closeUdp();
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void sleep(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        while (running && System.nanoTime() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000L)));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public FrameSink input() {
        return (Frame f) -> {
            f.release();
            return false;
        };
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = counters.snapshot();
        m.put("connected", connected ? 1L : 0L);
        m.put("reconnecting", running && !connected ? 1L : 0L);
        m.put("reconnects", reconnects.sum());
        m.put("rtsp_errors", rtspErrors.sum());
        m.put("auth_failures", authFailures.sum());
        m.put("keep_alives", keepAlives.sum());
        m.put("tcp_interleaved", usingTcp ? 1L : 0L);
        m.put("tcp_fallbacks", tcpFallbacks.sum());
        return m;
    }

    @Override
    public String description() {
        return url.plain() + " (" + status + ")";
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(3000); // the thread sends TEARDOWN on its way out
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        closeUdp();
    }
}
