package org.mcm.example.file;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.mcm.api.frame.Frame;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportSession;

/**
 * RX: one thread per session reads the records and delivers one frame per frame period (the session's frame rate,
 * or packet time for audio). Each payload is read straight into a free buffer of the app's memory
 * ({@link TransportContext#frameSource()}); with no free buffer the record is skipped and counted. At the end of
 * the file the session loops (option {@code loop=true}) or stays idle with {@code eof=1}. A record that is not one
 * (bad magic, longer than the app's buffers, cut short) fails the session with the offset.
 */
final class FileReceiver implements TransportSession {

    private static final System.Logger LOG = System.getLogger(FileReceiver.class.getName());

    private final Path file;
    private final long frameNanos;
    private final boolean loop;
    private final TransportContext context;
    private final Consumer<AutoCloseable> onClose;
    private final LongAdder frames = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder noBuffer = new LongAdder();
    private final LongAdder badRecords = new LongAdder();
    private final LongAdder loops = new LongAdder();
    private volatile boolean eof;
    private volatile boolean open = true;
    private final Thread thread;

    FileReceiver(Path file, long frameNanos, boolean loop, TransportContext context, Consumer<AutoCloseable> onClose) {
        this.file = file;
        this.frameNanos = frameNanos;
        this.loop = loop;
        this.context = context;
        this.onClose = onClose;
        this.thread = new Thread(this::run, "mcm-file-rx-" + context.sessionId());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        ByteBuffer header = ByteBuffer.allocateDirect(RecordFormat.HEADER);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long next = System.nanoTime();
            while (open) {
                long at = ch.position();
                header.clear();
                if (!readFully(ch, header, true)) {
                    if (loop && at > 0) {
                        loops.increment();
                        ch.position(0);
                        continue;
                    }
                    eof = true;
                    return;
                }
                long len = RecordFormat.length(header);
                if (len < 0) {
                    bad("no record header at offset " + at);
                    return;
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                next += frameNanos;
                Frame f = context.frameSource().acquire(frameNanos, TimeUnit.NANOSECONDS);
                if (f == null) {
                    noBuffer.increment();
                    ch.position(ch.position() + len);
                    continue;
                }
                if (len > f.data().capacity()) {
                    f.release();
                    bad("record at offset " + at + " holds " + len + " bytes, the app's buffers " + f.data().capacity());
                    return;
                }
                ByteBuffer into = f.data().duplicate().position(0).limit((int) len);
                try {
                    readFully(ch, into, false);
                } catch (IOException e) {
                    f.release();
                    throw e;
                }
                f.length((int) len);
                f.timestamp(RecordFormat.timestamp(header));
                f.sequence(RecordFormat.sequence(header));
                if (context.output().accept(f)) {
                    frames.increment();
                    bytes.add(len);
                } else {
                    noBuffer.increment();
                }
            }
        } catch (EOFException e) {
            bad("file ends inside a record: " + e.getMessage());
        } catch (IOException e) {
            if (open) {
                LOG.log(Level.WARNING, "file session " + context.sessionId() + ": reading " + file + " failed: " + e);
                context.failed("reading " + file + " failed: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private void bad(String what) {
        badRecords.increment();
        LOG.log(Level.WARNING, "file session " + context.sessionId() + ": " + file + ": " + what);
        context.failed(file.getFileName() + ": " + what);
    }

    /** False at a clean end of file (nothing read, when allowed); EOFException when it ends inside. */
    private static boolean readFully(FileChannel ch, ByteBuffer b, boolean endAllowed) throws IOException {
        boolean any = false;
        while (b.hasRemaining()) {
            int n = ch.read(b);
            if (n < 0) {
                if (!any && endAllowed) {
                    return false;
                }
                throw new EOFException("at offset " + ch.position());
            }
            any |= n > 0;
        }
        return true;
    }

    @Override
    public org.mcm.api.frame.FrameSink input() {
        return f -> {
            f.release();
            return false;
        };
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> m = new TreeMap<>();
        m.put("frames", frames.sum());
        m.put("bytes", bytes.sum());
        m.put("no_buffer", noBuffer.sum());
        m.put("bad_records", badRecords.sum());
        m.put("loops", loops.sum());
        m.put("eof", eof ? 1L : 0L);
        return m;
    }

    @Override
    public String description() {
        return "file " + file;
    }

    @Override
    public void close() {
        open = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onClose.accept(this);
    }
}
