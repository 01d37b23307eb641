package org.mcm.example.file;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;

/**
 * TX: each frame the app sends is written as one record, straight from the frame's memory (no copy in Java), on
 * the caller's thread; then the frame is released. A regular file is created (truncated) at open; a named pipe is
 * opened at the first frame (opening a pipe for writing waits for its reader).
 */
final class FileSender implements TransportSession {

    private static final System.Logger LOG = System.getLogger(FileSender.class.getName());

    private final Path file;
    private final TransportContext context;
    private final Consumer<AutoCloseable> onClose;
    private final ByteBuffer header = ByteBuffer.allocateDirect(RecordFormat.HEADER);
    private final LongAdder frames = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private FileChannel channel;
    private volatile boolean open = true;
    private final FrameSink input = this::write;

    FileSender(Path file, TransportContext context, Consumer<AutoCloseable> onClose) {
        this.file = file;
        this.context = context;
        this.onClose = onClose;
    }

    private synchronized boolean write(Frame f) {
        try {
            if (!open) {
                dropped.increment();
                return false;
            }
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            }
            int len = f.length();
            RecordFormat.writeHeader(header, len, f.timestamp(), f.sequence());
            ByteBuffer payload = f.data().duplicate().position(0).limit(len);
            ByteBuffer[] both = {header, payload};
            while (payload.hasRemaining()) {
                channel.write(both);
            }
            frames.increment();
            bytes.add(len);
            return true;
        } catch (IOException e) {
            // a full disk or a pipe whose reader left: the session cannot go on; tell the proxy once
            dropped.increment();
            open = false;
            LOG.log(Level.WARNING, "file session " + context.sessionId() + ": writing " + file + " failed: " + e);
            context.failed("writing " + file + " failed: " + e.getMessage());
            return false;
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
        m.put("dropped", dropped.sum());
        return m;
    }

    @Override
    public String description() {
        return "file " + file;
    }

    @Override
    public void close() {
        open = false;
        synchronized (this) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // nothing left to do
                }
                channel = null;
            }
        }
        onClose.accept(this);
    }
}
