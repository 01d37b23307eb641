package org.mcm.example.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

class FileTransportTest {

    @TempDir
    Path dir;

    /** An app with a few buffers of its own, as the proxy's app link would be. */
    static class App implements TransportContext {
        final BlockingQueue<HeapFrame> free = new ArrayBlockingQueue<>(8);
        final BlockingQueue<Frame> received = new ArrayBlockingQueue<>(64);
        final List<String> failures = new CopyOnWriteArrayList<>();
        final List<Long> arrivals = new CopyOnWriteArrayList<>();

        App(int buffers, int size) {
            for (int i = 0; i < buffers; i++) {
                free.add(new HeapFrame(java.nio.ByteBuffer.allocateDirect(size), f -> free.add(f)));
            }
        }

        @Override
        public long sessionId() {
            return 7;
        }

        @Override
        public FrameSource frameSource() {
            return new FrameSource() {
                @Override
                public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
                    return free.poll(timeout, unit);
                }

                @Override
                public int frameCapacity() {
                    return 0;
                }
            };
        }

        @Override
        public FrameSink output() {
            return f -> {
                arrivals.add(System.nanoTime());
                return received.add(f);
            };
        }

        @Override
        public void failed(String reason) {
            failures.add(reason);
        }
    }

    static final TransportContext TX = new App(0, 0) {
        @Override
        public FrameSource frameSource() {
            return null;
        }

        @Override
        public FrameSink output() {
            return null;
        }
    };

    static ConnectionSpec spec(Direction d, String path, Object format) {
        return ConnectionSpec.builder(d, "file", (org.mcm.api.media.MediaFormat) format).option("path", path).build();
    }

    @Test
    void framesWrittenByASenderArePlayedBackInOrderAtTheFrameRate() throws Exception {
        FileTransport t = new FileTransport(dir);
        VideoFormat fmt = new VideoFormat(64, 8, Rational.of(50, 1), PixelFormat.UYVY);
        int size = (int) fmt.bufferSize();
        byte[][] sent = new byte[10][size];
        try (TransportSession tx = t.open(spec(Direction.TX, "clip.mcmf", fmt), TX)) {
            for (int i = 0; i < sent.length; i++) {
                new java.util.Random(i).nextBytes(sent[i]);
                HeapFrame f = HeapFrame.allocate(size);
                f.data().put(0, sent[i]);
                f.length(size);
                f.timestamp(1000L * i);
                f.sequence(i);
                assertTrue(tx.input().accept(f));
            }
            assertEquals(10L, tx.stats().get("frames"));
            assertEquals(10L * size, tx.stats().get("bytes"));
        }
        assertEquals(10L * (size + RecordFormat.HEADER), Files.size(dir.resolve("clip.mcmf")));

        App app = new App(4, size);
        try (TransportSession rx = t.open(spec(Direction.RX, "clip.mcmf", fmt), app)) {
            for (int i = 0; i < sent.length; i++) {
                Frame f = app.received.poll(5, TimeUnit.SECONDS);
                assertNotNull(f, "frame " + i);
                assertEquals(size, f.length());
                assertEquals(i, f.sequence());
                assertEquals(1000L * i, f.timestamp());
                byte[] got = new byte[size];
                f.data().get(0, got);
                assertArrayEquals(sent[i], got, "frame " + i + " bit-exact");
                f.release();
            }
            long spanMs = (app.arrivals.get(9) - app.arrivals.get(0)) / 1_000_000;
            // 9 periods of 20 ms at 50 fps: paced, not as fast as the file can be read
            assertTrue(spanMs >= 170, "10 frames at 50 fps spread over " + spanMs + " ms");
            waitFor(() -> rx.stats().get("eof") == 1L);
            assertEquals(10L, rx.stats().get("frames"));
            assertTrue(app.failures.isEmpty(), app.failures.toString());
        }
    }

    @Test
    void aBadRecordFailsTheSessionNamingTheOffsetAndIsCounted() throws Exception {
        Files.write(dir.resolve("bad.mcmf"), new byte[] {'n', 'o', 'p', 'e', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9});
        App app = new App(2, 64);
        try (TransportSession rx = new FileTransport(dir).open(spec(Direction.RX, "bad.mcmf", new BlobFormat(64)), app)) {
            waitFor(() -> !app.failures.isEmpty());
            assertTrue(app.failures.get(0).contains("offset 0"), app.failures.get(0));
            assertEquals(1L, rx.stats().get("bad_records"));
            assertEquals(2, app.free.size(), "no buffer was kept");
        }
    }

    @Test
    void aRecordLongerThanTheAppsBuffersFailsTheSession() throws Exception {
        FileTransport t = new FileTransport(dir);
        try (TransportSession tx = t.open(spec(Direction.TX, "big.mcmf", new BlobFormat(1024)), TX)) {
            HeapFrame f = HeapFrame.allocate(1024);
            f.length(1000);
            tx.input().accept(f);
        }
        App app = new App(2, 100);
        try (TransportSession rx = t.open(spec(Direction.RX, "big.mcmf", new BlobFormat(100)), app)) {
            waitFor(() -> !app.failures.isEmpty());
            assertTrue(app.failures.get(0).contains("1000 bytes"), app.failures.get(0));
            assertEquals(2, app.free.size(), "the buffer went back");
        }
    }

    @Test
    void aFileCutInsideARecordIsReported() throws Exception {
        FileTransport t = new FileTransport(dir);
        try (TransportSession tx = t.open(spec(Direction.TX, "cut.mcmf", new BlobFormat(64)), TX)) {
            HeapFrame f = HeapFrame.allocate(64);
            f.length(64);
            tx.input().accept(f);
        }
        Path p = dir.resolve("cut.mcmf");
        Files.write(p, java.util.Arrays.copyOf(Files.readAllBytes(p), RecordFormat.HEADER + 10));
        App app = new App(2, 64);
        try (TransportSession rx = t.open(spec(Direction.RX, "cut.mcmf", new BlobFormat(64)), app)) {
            waitFor(() -> !app.failures.isEmpty());
            assertTrue(app.failures.get(0).contains("ends inside a record"), app.failures.get(0));
            waitFor(() -> app.free.size() == 2);
        }
    }

    @Test
    void optionsAndPathsAreValidated() {
        FileTransport t = new FileTransport(dir);
        BlobFormat b = new BlobFormat(64);
        TransportException e = assertThrows(TransportException.class, () -> t.open(spec(Direction.TX, "../escape", b), TX));
        assertTrue(e.getMessage().contains("leaves the directory"), e.getMessage());
        e = assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "file", b).build(), TX));
        assertTrue(e.getMessage().contains("'path'"), e.getMessage());
        e = assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "file", b)
                .option("path", "x").option("speed", "2").build(), TX));
        assertTrue(e.getMessage().contains("unknown option 'speed'"), e.getMessage());
        e = assertThrows(TransportException.class, () -> t.open(spec(Direction.RX, "missing.mcmf", b), new App(1, 64)));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void aSenderWhoseFileCannotBeWrittenFailsOnceAndDropsAfterwards() throws Exception {
        Files.createDirectories(dir.resolve("adir"));
        App ctx = new App(0, 0);
        try (TransportSession tx = new FileTransport(dir).open(spec(Direction.TX, "adir", new BlobFormat(64)), ctx)) {
            HeapFrame f = HeapFrame.allocate(64);
            f.length(8);
            assertFalse(tx.input().accept(f));
            assertFalse(tx.input().accept(HeapFrame.allocate(64)));
            assertEquals(1, ctx.failures.size(), ctx.failures.toString());
            assertEquals(2L, tx.stats().get("dropped"));
        }
    }

    static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(10);
        }
    }
}
