package org.mcm.transport.rtsp;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTSP 1.0 server (RFC 2326) that publishes TX sessions at {@code rtsp://<bind>:<port>/<name>}: OPTIONS,
 * DESCRIBE (SDP with sprop-parameter-sets), SETUP over UDP or TCP interleaved, PLAY, PAUSE, GET_PARAMETER /
 * SET_PARAMETER (keep-alive), TEARDOWN; Basic or Digest authentication when credentials are set; RTCP sender reports
 * every two seconds and receiver reports read (loss and jitter per client). RTP to UDP clients leaves one socket (the
 * {@code server_port} of every client), an access unit to all of them at once through {@link UdpRtpSender}. A
 * client session ends with TEARDOWN, its connection, or the session timeout without a request and (UDP) without
 * RTCP from the client.
 */
final class RtspServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RtspServer.class);
    static final int SESSION_TIMEOUT_S = 60;
    /** Seconds without a request (and, for UDP clients, without RTCP) after which a client session ends. */
    final int sessionTimeoutS;
    static final int MAX_CONNECTIONS = 64;
    static final int PT = 96;

    private final ServerSocket server;
    private final Auth.Verifier auth;
    private final int socketBuffer;
    private final int maxPacket;
    private final Map<String, Publication> publications = new ConcurrentHashMap<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Thread reporter;
    private final Thread rtcpReader;
    private final UdpRtpSender udp;
    private final DatagramChannel rtcp;
    private final Random random = new SecureRandom();
    private volatile boolean running = true;
    final LongAdder badRequests = new LongAdder();
    final LongAdder authFailures = new LongAdder();
    final LongAdder refusedConnections = new LongAdder();
    /** RTCP datagrams that are not a valid compound packet, or come from no client of ours. */
    final LongAdder rtcpBad = new LongAdder();
    final LongAdder rtcpUnknown = new LongAdder();

    RtspServer(String bind, int port, String user, String password, int socketBuffer, int maxPacket)
            throws IOException {
        this(bind, port, user, password, socketBuffer, maxPacket, SESSION_TIMEOUT_S, true);
    }

    RtspServer(String bind, int port, String user, String password, int socketBuffer, int maxPacket,
            int sessionTimeoutS, boolean sendOffload) throws IOException {
        this.auth = new Auth.Verifier(user, password, "mcm");
        this.socketBuffer = socketBuffer;
        this.maxPacket = maxPacket;
        this.sessionTimeoutS = sessionTimeoutS;
        InetAddress bindAddr = InetAddress.getByName(bind);
        Object[] pair = udpPair(bindAddr, sendOffload);
        udp = (UdpRtpSender) pair[0];
        rtcp = (DatagramChannel) pair[1];
        server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(bindAddr, port), 16);
        } catch (IOException e) {
            udp.close();
            rtcp.close();
            server.close();
            throw e;
        }
        acceptor = new Thread(this::accept, "rtsp-server-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
        reporter = new Thread(this::report, "rtsp-server-rtcp-" + port());
        reporter.setDaemon(true);
        reporter.start();
        rtcpReader = new Thread(this::readRtcp, "rtsp-server-rtcp-in-" + port());
        rtcpReader.setDaemon(true);
        rtcpReader.start();
        LOG.debug("RTSP server RTP from UDP port {} ({})", udp.port(), udp.kind());
    }

    /** How RTP leaves for UDP clients: "sendmmsg+gso", "sendmmsg" or "java". */
    String udpSendKind() {
        return udp.kind();
    }

    int rtpPort() {
        return udp.port();
    }

    int port() {
        return server.getLocalPort();
    }

    String url(String name) {
        InetAddress a = server.getInetAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return "rtsp://" + host + ":" + port() + "/" + name;
    }

    Publication publish(String name) throws IOException {
        Publication p = new Publication(name, maxPacket);
        if (publications.putIfAbsent(name, p) != null) {
            throw new IOException("an RTSP stream named '" + name + "' is already published");
        }
        return p;
    }

    /** Serves a publication made for an earlier server (settings changed). */
    void adopt(Publication p) {
        publications.put(p.name, p);
    }

    /** Ends a publication: its clients' sessions end and their connections close. */
    void unpublish(Publication p) {
        publications.remove(p.name, p);
        for (Client c : p.clients) {
            c.conn.close("stream " + p.name + " ended");
        }
    }

    int connectionCount() {
        return connections.size();
    }

    private void accept() {
        while (running) {
            try {
                Socket s = server.accept();
                if (connections.size() >= MAX_CONNECTIONS) {
                    refusedConnections.increment();
                    s.close();
                    continue;
                }
                Connection c = new Connection(s);
                connections.add(c);
                c.start();
            } catch (IOException e) {
                if (running) {
                    LOG.warn("RTSP server on port {}: accept failed: {}", port(), e.getMessage());
                }
            }
        }
    }

    /** Sender reports and session timeouts, every two seconds. */
    private void report() {
        while (running) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
            expire(System.nanoTime());
            for (Connection conn : connections) {
                for (Client c : conn.sessions.values()) {
                    if (c.playing && c.started) {
                        c.senderReport();
                    }
                }
            }
        }
    }

    /**
     * Ends the client sessions that sent neither a request nor (UDP) RTCP for the session timeout, and closes the
     * connections idle that long with no session left.
     */
    void expire(long now) {
        long limit = TimeUnit.SECONDS.toNanos(sessionTimeoutS);
        for (Connection conn : connections) {
            for (Client c : conn.sessions.values()) {
                if (now - Math.max(conn.lastRequest, c.lastRtcp) > limit) {
                    c.pub.clientsTimedOut.increment();
                    LOG.info("RTSP client {} of {}: no request and no RTCP for {} s; session ended", conn.peer,
                            c.pub.name, sessionTimeoutS);
                    c.end();
                    conn.sessions.remove(c.id);
                }
            }
            if (conn.sessions.isEmpty() && now - conn.lastRequest > limit) {
                conn.close("no request for " + sessionTimeoutS + " s");
            }
        }
    }

    /** Receiver reports from UDP clients, on the server's RTCP port. */
    private void readRtcp() {
        ByteBuffer in = ByteBuffer.allocate(2048);
        while (running) {
            try {
                in.clear();
                java.net.SocketAddress from = rtcp.receive(in);
                if (from == null) {
                    continue;
                }
                Client c = udpClient((InetSocketAddress) from);
                if (c == null) {
                    rtcpUnknown.increment();
                    continue;
                }
                c.rtcp(in.array(), 0, in.position());
            } catch (java.nio.channels.ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (running) {
                    LOG.debug("RTSP server RTCP receive: {}", e.getMessage());
                }
            }
        }
    }

    /** The UDP client whose RTCP address (or, failing that, RTP address) is from. */
    private Client udpClient(InetSocketAddress from) {
        for (Connection conn : connections) {
            for (Client c : conn.sessions.values()) {
                if (c.udp() && (from.equals(c.rtcpDest) || from.equals(c.rtpDest))) {
                    return c;
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        running = false;
        udp.close();
        quietly(rtcp);
        rtcpReader.interrupt();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        acceptor.interrupt();
        reporter.interrupt();
        for (Connection c : connections) {
            c.close("server stopping");
        }
        try {
            acceptor.join(2000);
            reporter.join(2000);
            rtcpReader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One client's RTP session on a publication, over UDP or interleaved in its RTSP connection. */
    final class Client {
        final String id;
        final Connection conn;
        final Publication pub;
        final int ssrc;
        final int payloadType = PT;
        final long rtptimeBase;
        volatile boolean playing;
        /** Written by the publication thread (and PAUSE). */
        volatile boolean started;
        int seq;
        long tsOffset;
        volatile long lastRtpTs;
        volatile long packets;
        volatile long octets;
        // UDP: where its RTP and RTCP go
        InetSocketAddress rtpDest;
        InetSocketAddress rtcpDest;
        // TCP
        int channel = -1;
        // from its RTCP receiver reports about our stream (RFC 3550 6.4.2)
        volatile long lastRtcp;
        volatile long receiverReports;
        volatile long rtcpBad;
        volatile int fractionLost;
        volatile long cumulativeLost;
        volatile long jitter;
        volatile long highestSeq;

        Client(Connection conn, Publication pub) {
            this.id = Long.toHexString(random.nextLong() & Long.MAX_VALUE);
            this.conn = conn;
            this.pub = pub;
            this.ssrc = random.nextInt();
            this.seq = random.nextInt(0x10000);
            this.rtptimeBase = random.nextInt() & 0xFFFF_FFFFL;
        }

        boolean udp() {
            return rtpDest != null;
        }

        UdpRtpSender sender() {
            return udp;
        }

        String peer() {
            return conn.peer;
        }

        /** A batch's packets for this TCP client (headers in row), framed for interleaving, queued in one piece. */
        boolean offerInterleaved(RtpBatch b, int row) {
            int total = 0;
            for (int p = 0; p < b.packets; p++) {
                total += 4 + b.size(p);
            }
            byte[] frame = new byte[total];
            java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(frame);
            for (int p = 0; p < b.packets; p++) {
                int size = b.size(p);
                w.put((byte) '$').put((byte) channel).putShort((short) size);
                int h = row * b.packets * RtpBatch.SLOT + p * RtpBatch.SLOT;
                w.put(w.position(), b.headers, h, b.headerLength(p));
                w.position(w.position() + b.headerLength(p));
                w.put(w.position(), b.data, b.off[p], b.len[p]);
                w.position(w.position() + b.len[p]);
            }
            return conn.offer(frame);
        }

        /** An RTCP compound packet from this client: its report blocks about our stream update loss and jitter. */
        void rtcp(byte[] b, int off, int len) {
            int[] ours = {0};
            int n = RtcpReceiverReports.parse(b, off, len, (reporter, source, fraction, cumulative, highest, j) -> {
                if (source == ssrc) {
                    ours[0]++;
                    fractionLost = fraction;
                    cumulativeLost = cumulative;
                    highestSeq = highest;
                    jitter = j;
                }
            });
            if (n < 0) {
                rtcpBad++;
                pub.rtcpBad.increment();
                return;
            }
            lastRtcp = System.nanoTime();
            if (ours[0] > 0) {
                receiverReports++;
                pub.receiverReports.increment();
            }
        }

        void senderReport() {
            byte[] cname = ("mcm@" + pub.name).getBytes(StandardCharsets.US_ASCII);
            int sdesLen = 4 + 4 + 2 + cname.length + 1;
            int sdesPadded = (sdesLen + 3) & ~3;
            ByteBuffer r = ByteBuffer.allocate(28 + sdesPadded).order(ByteOrder.BIG_ENDIAN);
            long ms = System.currentTimeMillis();
            long ntpSec = ms / 1000 + 2_208_988_800L;
            long ntpFrac = (ms % 1000) * 0x1_0000_0000L / 1000;
            r.put((byte) 0x80).put((byte) 200).putShort((short) 6).putInt(ssrc);
            r.putInt((int) ntpSec).putInt((int) ntpFrac);
            r.putInt((int) ((pub.rtpNow() + tsOffset) & 0xFFFF_FFFFL));
            r.putInt((int) packets).putInt((int) octets);
            r.put((byte) 0x81).put((byte) 202).putShort((short) (sdesPadded / 4 - 1)).putInt(ssrc);
            r.put((byte) 1).put((byte) cname.length).put(cname);
            while (r.hasRemaining()) {
                r.put((byte) 0);
            }
            byte[] a = r.array();
            try {
                if (rtcpDest != null) {
                    rtcp.send(ByteBuffer.wrap(a), rtcpDest);
                } else if (channel >= 0) {
                    byte[] f = new byte[4 + a.length];
                    f[0] = '$';
                    f[1] = (byte) (channel + 1);
                    f[2] = (byte) (a.length >> 8);
                    f[3] = (byte) a.length;
                    System.arraycopy(a, 0, f, 4, a.length);
                    conn.offer(f);
                }
            } catch (IOException e) {
                // the next report tries again
            }
        }

        void end() {
            playing = false;
            pub.clients.remove(this);
        }
    }

    private static void quietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** One RTSP connection: a reader thread taking requests, a writer thread sending responses and TCP RTP. */
    final class Connection {
        final Socket socket;
        final Map<String, Client> sessions = new ConcurrentHashMap<>();
        private final BlockingQueue<byte[]> out = new ArrayBlockingQueue<>(8192);
        private final Thread reader;
        private final Thread writer;
        volatile long lastRequest = System.nanoTime();
        private volatile boolean open = true;
        final String peer;

        Connection(Socket s) throws SocketException {
            this.socket = s;
            s.setTcpNoDelay(true);
            s.setSendBufferSize(Math.max(socketBuffer, 65536));
            this.peer = s.getRemoteSocketAddress().toString();
            reader = new Thread(this::read, "rtsp-conn-" + peer);
            writer = new Thread(this::write, "rtsp-send-" + peer);
            reader.setDaemon(true);
            writer.setDaemon(true);
        }

        void start() {
            reader.start();
            writer.start();
        }

        /** Queues bytes for the client; false (dropped) when the client is too far behind. */
        boolean offer(byte[] b) {
            return open && out.offer(b);
        }

        private void respond(byte[] b) {
            try {
                if (!out.offer(b, 2, TimeUnit.SECONDS)) {
                    close("client does not read its responses");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void write() {
            try (OutputStream os = socket.getOutputStream()) {
                while (open) {
                    byte[] b = out.poll(200, TimeUnit.MILLISECONDS);
                    if (b != null) {
                        os.write(b);
                        if (out.isEmpty()) {
                            os.flush();
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                close("send failed: " + e.getMessage());
            }
        }

        private void read() {
            try (InputStream in = new BufferedInputStream(socket.getInputStream(), 16384)) {
                while (open) {
                    RtspMessage m;
                    try {
                        m = RtspMessage.read(in);
                    } catch (RtspException e) {
                        badRequests.increment();
                        LOG.info("RTSP client {}: {}; connection closed", peer, e.getMessage());
                        respond(RtspMessage.response(400, "Bad Request", -1, List.of(), null));
                        Thread.sleep(50);
                        break;
                    }
                    if (m == null) {
                        break;
                    }
                    if (m.isInterleaved()) {
                        for (Client c : sessions.values()) {
                            if (!c.udp() && m.channel == c.channel + 1) {
                                c.rtcp(m.body, 0, m.body.length); // receiver reports over TCP
                            }
                        }
                        continue;
                    }
                    lastRequest = System.nanoTime();
                    if (m.isResponse()) {
                        continue;
                    }
                    handle(m);
                }
            } catch (IOException | InterruptedException e) {
                // connection gone
            } finally {
                close("connection closed");
            }
        }

        void close(String why) {
            if (!open) {
                return;
            }
            open = false;
            connections.remove(this);
            for (Client c : sessions.values()) {
                c.end();
            }
            sessions.clear();
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            LOG.debug("RTSP client {}: {}", peer, why);
        }

        private void handle(RtspMessage m) {
            int cseq = m.cseq();
            if (cseq < 0) {
                badRequests.increment();
                respond(RtspMessage.response(400, "Bad Request", -1, List.of(), null));
                return;
            }
            if (!"OPTIONS".equals(m.method) && !auth.check(m.header("Authorization"), m.method)) {
                authFailures.increment();
                List<String[]> h = new ArrayList<>(List.of(auth.challenges()));
                respond(RtspMessage.response(401, "Unauthorized", cseq, h, null));
                return;
            }
            try {
                switch (m.method) {
                    case "OPTIONS" -> respond(RtspMessage.response(200, "OK", cseq, List.<String[]>of(new String[] {"Public",
                            "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"}), null));
                    case "DESCRIBE" -> describe(m, cseq);
                    case "SETUP" -> setup(m, cseq);
                    case "PLAY" -> play(m, cseq);
                    case "PAUSE" -> withSession(m, cseq, c -> {
                        c.playing = false;
                        c.started = false;
                        respond(RtspMessage.response(200, "OK", cseq, sessionHeader(c), null));
                    });
                    case "TEARDOWN" -> withSession(m, cseq, c -> {
                        c.end();
                        sessions.remove(c.id);
                        respond(RtspMessage.response(200, "OK", cseq, List.of(), null));
                    });
                    case "GET_PARAMETER", "SET_PARAMETER" -> respond(RtspMessage.response(200, "OK", cseq, List.of(), null));
                    default -> respond(RtspMessage.response(501, "Not Implemented", cseq, List.of(), null));
                }
            } catch (RtspException e) {
                badRequests.increment();
                respond(RtspMessage.response(400, "Bad Request", cseq, List.of(), null));
            }
        }

        private List<String[]> sessionHeader(Client c) {
            return List.<String[]>of(new String[] {"Session", c.id + ";timeout=" + sessionTimeoutS});
        }

        private void withSession(RtspMessage m, int cseq, java.util.function.Consumer<Client> action) {
            Client c = session(m);
            if (c == null) {
                respond(RtspMessage.response(454, "Session Not Found", cseq, List.of(), null));
                return;
            }
            action.accept(c);
        }

        private Client session(RtspMessage m) {
            String s = m.header("Session");
            if (s == null) {
                return null;
            }
            int semi = s.indexOf(';');
            return sessions.get((semi >= 0 ? s.substring(0, semi) : s).trim());
        }

        /** The publication a request URI names: its first path segment. */
        private Publication publication(String uri) throws RtspException {
            String path;
            try {
                URI u = new URI(uri);
                path = u.getRawPath();
            } catch (java.net.URISyntaxException e) {
                throw new RtspException("bad request URI");
            }
            if (path == null) {
                return null;
            }
            while (path.startsWith("/")) {
                path = path.substring(1);
            }
            int slash = path.indexOf('/');
            String name = slash >= 0 ? path.substring(0, slash) : path;
            return publications.get(name);
        }

        private void describe(RtspMessage m, int cseq) throws RtspException {
            Publication p = publication(m.uri);
            if (p == null) {
                respond(RtspMessage.response(404, "Not Found", cseq, List.of(), null));
                return;
            }
            // a client asking right after the stream started: give the parameter sets a moment to come
            for (int i = 0; i < 40 && !p.hasParameterSets(); i++) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            String local = socket.getLocalAddress().getHostAddress();
            String ipv = local.indexOf(':') >= 0 ? "IP6" : "IP4";
            String sdp = "v=0\r\n"
                    + "o=- " + (System.currentTimeMillis() / 1000) + " 1 IN " + ipv + " " + local + "\r\n"
                    + "s=" + p.name + "\r\n"
                    + "c=IN " + ipv + " " + (ipv.equals("IP4") ? "0.0.0.0" : "::") + "\r\n"
                    + "t=0 0\r\n"
                    + "a=tool:mcm-java\r\n"
                    + "a=range:npt=0-\r\n"
                    + "a=control:*\r\n"
                    + "m=video 0 RTP/AVP " + PT + "\r\n"
                    + "a=rtpmap:" + PT + " H264/90000\r\n"
                    + p.fmtp(PT) + "\r\n"
                    + "a=control:trackID=0\r\n";
            String base = m.uri.endsWith("/") ? m.uri : m.uri + "/";
            respond(RtspMessage.response(200, "OK", cseq, List.<String[]>of(new String[] {"Content-Base", base},
                    new String[] {"Content-Type", "application/sdp"}), sdp.getBytes(StandardCharsets.UTF_8)));
        }

        private void setup(RtspMessage m, int cseq) throws RtspException {
            Publication p = publication(m.uri);
            if (p == null) {
                respond(RtspMessage.response(404, "Not Found", cseq, List.of(), null));
                return;
            }
            String transport = m.header("Transport");
            if (transport == null) {
                throw new RtspException("SETUP without Transport");
            }
            Client existing = session(m);
            if (existing != null || (m.header("Session") != null)) {
                respond(RtspMessage.response(459, "Aggregate Operation Not Allowed", cseq, List.of(), null));
                return;
            }
            for (String t : transport.split(",")) {
                String[] parts = t.trim().split(";");
                String proto = parts[0].trim().toUpperCase(java.util.Locale.ROOT);
                boolean multicast = false;
                int[] clientPorts = null;
                int[] interleaved = null;
                for (int i = 1; i < parts.length; i++) {
                    String a = parts[i].trim();
                    if (a.equalsIgnoreCase("multicast")) {
                        multicast = true;
                    } else if (a.toLowerCase(java.util.Locale.ROOT).startsWith("client_port=")) {
                        clientPorts = range(a.substring(12));
                    } else if (a.toLowerCase(java.util.Locale.ROOT).startsWith("interleaved=")) {
                        interleaved = range(a.substring(12));
                    }
                }
                if (multicast) {
                    continue;
                }
                if ((proto.equals("RTP/AVP") || proto.equals("RTP/AVP/UDP")) && clientPorts != null) {
                    Client c = new Client(this, p);
                    InetAddress peerAddr = socket.getInetAddress();
                    c.rtpDest = new InetSocketAddress(peerAddr, clientPorts[0]);
                    c.rtcpDest = new InetSocketAddress(peerAddr, clientPorts[1]);
                    int sp = udp.port();
                    int sp2 = sp + 1;
                    register(c, p);
                    respond(RtspMessage.response(200, "OK", cseq, List.<String[]>of(
                            new String[] {"Transport", "RTP/AVP;unicast;client_port=" + clientPorts[0] + "-"
                                    + clientPorts[1] + ";server_port=" + sp + "-" + sp2 + ";ssrc="
                                    + String.format("%08X", c.ssrc)},
                            sessionHeader(c).get(0)), null));
                    return;
                }
                if (proto.equals("RTP/AVP/TCP")) {
                    Client c = new Client(this, p);
                    c.channel = interleaved != null ? interleaved[0] : 2 * sessions.size();
                    if (c.channel < 0 || c.channel > 254) {
                        throw new RtspException("interleaved channel out of range");
                    }
                    register(c, p);
                    respond(RtspMessage.response(200, "OK", cseq, List.<String[]>of(
                            new String[] {"Transport", "RTP/AVP/TCP;unicast;interleaved=" + c.channel + "-"
                                    + (c.channel + 1) + ";ssrc=" + String.format("%08X", c.ssrc)},
                            sessionHeader(c).get(0)), null));
                    return;
                }
            }
            respond(RtspMessage.response(461, "Unsupported Transport", cseq, List.of(), null));
        }

        private void register(Client c, Publication p) {
            sessions.put(c.id, c);
            p.clients.add(c);
            p.clientsServed.increment();
        }

        private void play(RtspMessage m, int cseq) throws RtspException {
            Client c = session(m);
            if (c == null) {
                respond(RtspMessage.response(454, "Session Not Found", cseq, List.of(), null));
                return;
            }
            String base = m.uri.endsWith("/") ? m.uri : m.uri + "/";
            String track = m.uri.contains("trackID=") ? m.uri : base + "trackID=0";
            List<String[]> h = new ArrayList<>(sessionHeader(c));
            h.add(new String[] {"Range", "npt=0.000-"});
            h.add(new String[] {"RTP-Info", "url=" + track + ";seq=" + c.seq + ";rtptime=" + c.rtptimeBase});
            byte[] ok = RtspMessage.response(200, "OK", cseq, h, null);
            synchronized (c.pub) {
                // under the publication's lock: no access unit can pass between the answer and the start, and on
                // TCP the first RTP packet follows the answer
                if (!out.offer(ok)) {
                    close("client does not read its responses");
                    return;
                }
                c.playing = true;
            }
        }
    }

    private int[] range(String s) throws RtspException {
        try {
            String[] p = s.trim().split("-");
            int a = Integer.parseInt(p[0].trim());
            int b = p.length > 1 ? Integer.parseInt(p[1].trim()) : a + 1;
            if (a < 0 || a > 65535 || b < 0 || b > 65535) {
                throw new RtspException("port or channel out of range: " + RtspMessage.clip(s));
            }
            return new int[] {a, b};
        } catch (NumberFormatException e) {
            throw new RtspException("bad range: " + RtspMessage.clip(s));
        }
    }

    /** The RTP sender and the RTCP socket on consecutive ports (even, odd) of the bind address. */
    private Object[] udpPair(InetAddress local, boolean offload) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 32; attempt++) {
            UdpRtpSender a = UdpRtpSender.open(local, 0, socketBuffer, offload);
            DatagramChannel b = null;
            try {
                int port = a.port();
                if ((port & 1) != 0 || port == 65534) {
                    a.close();
                    continue;
                }
                b = DatagramChannel.open();
                b.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                b.bind(new InetSocketAddress(local, port + 1));
                return new Object[] {a, b};
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
}
