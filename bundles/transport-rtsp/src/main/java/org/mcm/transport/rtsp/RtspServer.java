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
 * every two seconds. A client session ends with TEARDOWN, its connection, or 60 s without a request.
 */
final class RtspServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RtspServer.class);
    static final int SESSION_TIMEOUT_S = 60;
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
    private final Random random = new SecureRandom();
    private volatile boolean running = true;
    final LongAdder badRequests = new LongAdder();
    final LongAdder authFailures = new LongAdder();
    final LongAdder refusedConnections = new LongAdder();

    RtspServer(String bind, int port, String user, String password, int socketBuffer, int maxPacket)
            throws IOException {
        this.auth = new Auth.Verifier(user, password, "mcm");
        this.socketBuffer = socketBuffer;
        this.maxPacket = maxPacket;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(bind), port), 16);
        acceptor = new Thread(this::accept, "rtsp-server-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
        reporter = new Thread(this::report, "rtsp-server-rtcp-" + port());
        reporter.setDaemon(true);
        reporter.start();
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
            long now = System.nanoTime();
            for (Connection conn : connections) {
                if (now - conn.lastRequest > TimeUnit.SECONDS.toNanos(SESSION_TIMEOUT_S)) {
                    conn.close("no request for " + SESSION_TIMEOUT_S + " s");
                    continue;
                }
                for (Client c : conn.sessions.values()) {
                    if (c.playing && c.started) {
                        c.senderReport();
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
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
        // UDP
        DatagramChannel rtp;
        DatagramChannel rtcp;
        // TCP
        int channel = -1;
        private final ByteBuffer[] gather = new ByteBuffer[2];
        // reused per packet: a direct header (no temporary copy inside the gathering write) and a view of the AU
        private final ByteBuffer header = ByteBuffer.allocateDirect(14);
        private ByteBuffer view;
        private ByteBuffer viewOf;

        Client(Connection conn, Publication pub) {
            this.id = Long.toHexString(random.nextLong() & Long.MAX_VALUE);
            this.conn = conn;
            this.pub = pub;
            this.ssrc = random.nextInt();
            this.seq = random.nextInt(0x10000);
            this.rtptimeBase = random.nextInt() & 0xFFFF_FFFFL;
        }

        boolean sendRtp(byte[] hdr, int hdrLen, ByteBuffer b, int off, int len) throws IOException {
            if (rtp != null) {
                header.clear();
                header.put(hdr, 0, hdrLen).flip();
                if (viewOf != b) {
                    view = b.duplicate();
                    viewOf = b;
                }
                view.clear().position(off).limit(off + len);
                gather[0] = header;
                gather[1] = view;
                rtp.write(gather);
                return true;
            }
            byte[] frame = new byte[4 + hdrLen + len];
            frame[0] = '$';
            frame[1] = (byte) channel;
            frame[2] = (byte) ((hdrLen + len) >> 8);
            frame[3] = (byte) (hdrLen + len);
            System.arraycopy(hdr, 0, frame, 4, hdrLen);
            b.get(off, frame, 4 + hdrLen, len);
            return conn.offer(frame);
        }

        void sendFailed(IOException e) {
            // UDP to a port nobody listens on (ICMP unreachable) or a send buffer error: counted by the caller
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
                if (rtcp != null) {
                    rtcp.write(ByteBuffer.wrap(a));
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
            quietly(rtp);
            quietly(rtcp);
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
        private final String peer;

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
                        continue; // RTCP receiver reports over TCP: not used
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
            return List.<String[]>of(new String[] {"Session", c.id + ";timeout=" + SESSION_TIMEOUT_S});
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
                    try {
                        InetAddress peerAddr = socket.getInetAddress();
                        DatagramChannel[] pair = udpPair(socket.getLocalAddress());
                        c.rtp = pair[0];
                        c.rtcp = pair[1];
                        c.rtp.connect(new InetSocketAddress(peerAddr, clientPorts[0]));
                        c.rtcp.connect(new InetSocketAddress(peerAddr, clientPorts[1]));
                    } catch (IOException e) {
                        c.end();
                        respond(RtspMessage.response(500, "Internal Server Error", cseq, List.of(), null));
                        return;
                    }
                    int sp = ((InetSocketAddress) localAddress(c.rtp)).getPort();
                    int sp2 = ((InetSocketAddress) localAddress(c.rtcp)).getPort();
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

    private static java.net.SocketAddress localAddress(DatagramChannel ch) {
        try {
            return ch.getLocalAddress();
        } catch (IOException e) {
            return new InetSocketAddress(0);
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

    /** An RTP/RTCP socket pair on consecutive ports (even, odd). */
    private DatagramChannel[] udpPair(InetAddress local) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 32; attempt++) {
            DatagramChannel a = DatagramChannel.open();
            DatagramChannel b = null;
            try {
                a.setOption(StandardSocketOptions.SO_SNDBUF, socketBuffer);
                a.bind(new InetSocketAddress(local, 0));
                int port = ((InetSocketAddress) a.getLocalAddress()).getPort();
                if ((port & 1) != 0 || port == 65534) {
                    a.close();
                    continue;
                }
                b = DatagramChannel.open();
                b.bind(new InetSocketAddress(local, port + 1));
                return new DatagramChannel[] {a, b};
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
