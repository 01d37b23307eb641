package org.mcm.transport.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSink;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;

class LocalTransportTest {

    static final class App implements TransportContext {
        final BlockingQueue<Frame> free = new ArrayBlockingQueue<>(2);
        final List<byte[]> got = new ArrayList<>();

        App() {
            for (int i = 0; i < 2; i++) {
                free.add(frame());
            }
        }

        private HeapFrame frame() {
            return new HeapFrame(ByteBuffer.allocate(16), f -> free.add(new HeapFrame(f.data(), g -> free.add(frame()))));
        }

        @Override
        public long sessionId() {
            return 1;
        }

        @Override
        public FrameSource frameSource() {
            return new FrameSource() {
                @Override
                public Frame acquire(long t, TimeUnit u) {
                    return free.poll();
                }

                @Override
                public int frameCapacity() {
                    return 16;
                }
            };
        }

        @Override
        public FrameSink output() {
            return f -> {
                byte[] b = new byte[f.length()];
                f.data().get(0, b);
                got.add(b);
                f.release();
                return true;
            };
        }

        @Override
        public void failed(String reason) {
        }
    }

    static HeapFrame data(byte... b) {
        HeapFrame f = HeapFrame.allocate(16);
        f.data().put(0, b);
        f.length(b.length);
        return f;
    }

    @Test
    void senderFansOutToEveryReceiverOfItsGroupOnly() throws Exception {
        LocalTransport t = new LocalTransport();
        App a = new App();
        App b = new App();
        App other = new App();
        TransportSession ra = t.open(ConnectionSpec.builder(Direction.RX, "local", new BlobFormat(16)).local(new Endpoint("", 9000)).build(), a);
        TransportSession rb = t.open(ConnectionSpec.builder(Direction.RX, "local", new BlobFormat(16)).local(new Endpoint("", 9000)).build(), b);
        t.open(ConnectionSpec.builder(Direction.RX, "local", new BlobFormat(16)).local(new Endpoint("", 9001)).build(), other);
        TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "local", new BlobFormat(16)).remote(new Endpoint("127.0.0.1", 9000)).build(), a);
        assertTrue(tx.input().accept(data((byte) 1, (byte) 2, (byte) 3)));
        assertTrue(tx.input().accept(data((byte) 4)));
        assertEquals(2, a.got.size());
        assertArrayEquals(new byte[] {1, 2, 3}, a.got.get(0));
        assertArrayEquals(new byte[] {4}, b.got.get(1));
        assertEquals(0, other.got.size());
        assertEquals(2L, tx.stats().get("receivers"));
        rb.close();
        tx.input().accept(data((byte) 5));
        assertEquals(3, a.got.size());
        assertEquals(2, b.got.size());
        ra.close();
        tx.input().accept(data((byte) 6));
        assertEquals(1L, tx.stats().get("frames_without_receiver"));
    }

    @Test
    void refusals() throws Exception {
        LocalTransport t = new LocalTransport();
        App a = new App();
        t.open(ConnectionSpec.builder(Direction.TX, "local", new BlobFormat(16)).option("group", "g").build(), a);
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.TX, "local", new BlobFormat(16)).option("group", "g").build(), a));
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.RX, "local", new BlobFormat(32)).option("group", "g").build(), a));
        assertThrows(TransportException.class, () -> t.open(ConnectionSpec.builder(Direction.RX, "local", new BlobFormat(16)).build(), a));
    }
}
