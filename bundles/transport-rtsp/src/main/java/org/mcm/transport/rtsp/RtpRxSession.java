package org.mcm.transport.rtsp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

/**
 * Upstream payload type 5: a camera pushes RTP/H.264 to the proxy's UDP port ({@code local.port} on the data-plane
 * address, or a multicast group given as the remote host); one thread reads the socket and assembles access units
 * straight into the app's buffers.
 */
final class RtpRxSession implements TransportSession {

    private final DatagramChannel channel;
    private final H264Depacketizer depacketizer;
    private final RtpCounters counters = new RtpCounters();
    private final TransportContext ctx;
    private final Thread thread;
    private volatile boolean running = true;

    RtpRxSession(ConnectionSpec spec, TransportContext ctx, RtspSettings s) throws TransportException {
        this.ctx = ctx;
        FrameSource source = ctx.frameSource() == null ? NoApp.SOURCE : ctx.frameSource();
        FrameSink sink = ctx.output() == null ? NoApp.SINK : ctx.output();
        depacketizer = new H264Depacketizer(spec.payloadType(), source, sink, counters);
        channel = open(s.ip(), spec, s.socketBuffer());
        thread = new Thread(this::run, "rtp-h264-rx-" + ctx.sessionId());
        thread.setDaemon(true);
        thread.start();
    }

    static DatagramChannel open(String ip, ConnectionSpec spec, int rcvBuf) throws TransportException {
        int port = spec.local().port();
        if (port == 0) {
            throw new TransportException("an RTP/H.264 receiver needs a local UDP port (local_addr.port), or a url option for an RTSP camera");
        }
        String group = spec.remote().host();
        InetAddress ifAddr = address(spec.local().host().isEmpty() ? ip : spec.local().host(), "local address");
        InetAddress mcast = null;
        if (!group.isEmpty() && group.matches("[0-9A-Fa-f.:]+")) {
            // only a multicast group matters here (upstream ignores the remote address of a type-5 session)
            try {
                InetAddress g = InetAddress.getByName(group);
                mcast = g.isMulticastAddress() ? g : null;
            } catch (IOException e) {
                mcast = null;
            }
        }
        try {
            DatagramChannel ch = DatagramChannel.open(ifAddr instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, rcvBuf);
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (mcast != null) {
                    ch.bind(new InetSocketAddress(port));
                    NetworkInterface nif = NetworkInterface.getByInetAddress(ifAddr);
                    if (nif == null) {
                        throw new IOException("no interface has the data-plane address " + ifAddr.getHostAddress());
                    }
                    ch.join(mcast, nif);
                } else {
                    ch.bind(new InetSocketAddress(ifAddr, port));
                }
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new TransportException("cannot open an RTP receiver on " + ifAddr.getHostAddress() + ":" + port
                    + ": " + e.getMessage(), e);
        }
    }

    static InetAddress address(String host, String what) throws TransportException {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new TransportException(what + " '" + host + "' is not a valid address");
        }
    }

    private void run() {
        ByteBuffer pkt = ByteBuffer.allocateDirect(65_536).order(ByteOrder.BIG_ENDIAN);
        try {
            while (running) {
                pkt.clear();
                channel.receive(pkt);
                counters.bytes.add(pkt.position());
                depacketizer.accept(pkt, pkt.position());
            }
        } catch (ClosedChannelException e) {
            // closed
        } catch (IOException | RuntimeException e) {
            if (running) {
                ctx.failed("RTP/H.264 receive failed: " + e); // a bug must not leave a silent, dead session
            }
        } finally {
            depacketizer.abort();
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
        return counters.snapshot();
    }

    /** The bound UDP port. */
    int port() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
