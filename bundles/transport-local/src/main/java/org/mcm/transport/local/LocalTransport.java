package org.mcm.transport.local;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportProtocol;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The "local" transport: a sender and any number of receivers on the same proxy meet in a group (the option
 * {@code group}, else the port: TX remote port = RX local port). When the sender's and a receiver's app links draw
 * from one shared buffer pool (apps that attached with the SDK's pooled mode), the receiver gets the very buffer
 * the sender filled: no byte is copied ({@code frames_shared}). Otherwise each frame is copied once into a free
 * buffer of the receiver's shared memory ({@code bytes_copied}). A receiver with no free buffer or ring room is
 * waited for up to {@code wait_ms} (connection option of the sender, default 1000 ms), which slows the sender down
 * to the receiver's pace instead of losing frames; after that the receiver misses the frame (counted).
 */
@Component(service = Transport.class)
@TransportProtocol("local")
public final class LocalTransport implements Transport {

    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    @Override
    public String protocol() {
        return "local";
    }

    @Override
    public String description() {
        return "apps on this proxy, through shared memory only (no network)";
    }

    @Override
    public Set<Direction> directions() {
        return EnumSet.allOf(Direction.class);
    }

    static String groupOf(ConnectionSpec spec) throws TransportException {
        String g = spec.options().get("group");
        if (g != null && !g.isBlank()) {
            return g;
        }
        int port = spec.direction() == Direction.TX ? spec.remote().port() : spec.local().port();
        if (port == 0) {
            throw new TransportException("a local connection needs a group: the option 'group', or the port ("
                    + (spec.direction() == Direction.TX ? "remote" : "local") + " port)");
        }
        return "port:" + port;
    }

    @Override
    public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
        String key = groupOf(spec);
        long size = spec.format().bufferSize();
        Group g = groups.computeIfAbsent(key, k -> new Group(k, size));
        synchronized (g) {
            if (g.bufferSize != size) {
                throw new TransportException("group " + key + " carries " + g.bufferSize + "-byte buffers, this "
                        + spec.format() + " needs " + size);
            }
            if (spec.direction() == Direction.TX) {
                if (g.hasSender) {
                    throw new TransportException("group " + key + " already has a sender");
                }
                g.hasSender = true;
                long waitMs;
                try {
                    waitMs = Long.parseLong(spec.options().getOrDefault("wait_ms", "1000"));
                } catch (NumberFormatException e) {
                    throw new TransportException("option wait_ms is not a number: " + spec.options().get("wait_ms"));
                }
                return new Sender(g, Math.max(0, waitMs));
            }
            if (ctx.frameSource() == null || ctx.output() == null) {
                throw new TransportException("a local receiver needs an app attached");
            }
            Receiver r = new Receiver(g, ctx.frameSource(), ctx.output());
            g.receivers.add(r);
            return r;
        }
    }

    @Deactivate
    void deactivate() {
        groups.clear();
    }

    private void leave(Group g) {
        synchronized (g) {
            if (!g.hasSender && g.receivers.isEmpty()) {
                groups.remove(g.key, g);
            }
        }
    }

    static final class Group {
        final String key;
        final long bufferSize;
        final CopyOnWriteArrayList<Receiver> receivers = new CopyOnWriteArrayList<>();
        boolean hasSender;

        Group(String key, long bufferSize) {
            this.key = key;
            this.bufferSize = bufferSize;
        }
    }

    final class Sender implements TransportSession {
        private final Group group;
        private final LongAdder frames = new LongAdder();
        private final LongAdder bytes = new LongAdder();
        private final LongAdder unheard = new LongAdder();
        private volatile boolean open = true;
        private final FrameSink input = this::fanOut;
        private final long waitNanos;
        private volatile long latencyNanos;

        Sender(Group group, long waitMs) {
            this.group = group;
            this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMs);
        }

        private boolean fanOut(Frame f) {
            try {
                if (!open) {
                    return false;
                }
                frames.increment();
                bytes.add(f.length());
                if (group.receivers.isEmpty()) {
                    unheard.increment();
                }
                long t0 = System.nanoTime();
                for (Receiver r : group.receivers) {
                    r.deliver(f, waitNanos);
                }
                latencyNanos = System.nanoTime() - t0; // hand-over to every receiver, copies included
                return true;
            } finally {
                f.release();
            }
        }

        @Override
        public FrameSink input() {
            return input;
        }

        @Override
        public Map<String, Long> stats() {
            Map<String, Long> m = new TreeMap<>();
            m.put("frames", frames.sum());
            m.put("bytes", bytes.sum());
            m.put("frames_without_receiver", unheard.sum());
            m.put("receivers", (long) group.receivers.size());
            m.put("latency_us_last", latencyNanos / 1000);
            return m;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                synchronized (group) {
                    group.hasSender = false;
                }
                leave(group);
            }
        }
    }

    final class Receiver implements TransportSession {
        private final Group group;
        private final FrameSource source;
        private final FrameSink sink;
        private final LongAdder frames = new LongAdder();
        private final LongAdder noBuffer = new LongAdder();
        private final LongAdder shared = new LongAdder();
        private final LongAdder copied = new LongAdder();
        private volatile boolean open = true;

        Receiver(Group group, FrameSource source, FrameSink sink) {
            this.group = group;
            this.source = source;
            this.sink = sink;
        }

        void deliver(Frame f, long waitNanos) {
            if (!open) {
                return;
            }
            if (sink.canShare(f)) {
                try {
                    if (sink.acceptShared(f, waitNanos, TimeUnit.NANOSECONDS)) {
                        frames.increment();
                        shared.increment();
                    } else {
                        noBuffer.increment();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            Frame out;
            try {
                out = source.acquire(waitNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (out == null || out.data().capacity() < f.length()) {
                noBuffer.increment();
                if (out != null) {
                    out.release();
                }
                return;
            }
            out.data().put(0, f.data(), 0, f.length());
            copied.add(f.length());
            out.length(f.length());
            out.timestamp(f.timestamp());
            out.sequence(f.sequence());
            if (sink.accept(out)) {
                frames.increment();
            } else {
                noBuffer.increment();
            }
        }

        @Override
        public FrameSink input() {
            return f -> {
                f.release();
                return false;
            };
        }

        @Override
        public Map<String, Long> stats() {
            Map<String, Long> m = new TreeMap<>();
            m.put("frames", frames.sum());
            m.put("no_buffer", noBuffer.sum());
            m.put("frames_shared", shared.sum());
            m.put("bytes_copied", copied.sum());
            return m;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                group.receivers.remove(this);
                leave(group);
            }
        }
    }
}
