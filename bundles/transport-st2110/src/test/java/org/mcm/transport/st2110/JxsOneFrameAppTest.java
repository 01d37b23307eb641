package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.transport.TransportSession;

/**
 * A -22 receiver with two decoders and an app that lends one frame at a time, as an app's memif queue does (a
 * second acquire while one frame is out is refused with an exception, as {@code TxQueue} refuses it): every frame
 * still reaches the app, in order, and the session does not fail. (Each decoder taking an app frame of its own failed
 * the session at its second frame in the appliance.) The app: {@link PooledApp} lending one frame at a time.
 */
class JxsOneFrameAppTest {

    @Test
    void twoDecodersShareAnAppThatLendsOneFrameAtATime() throws Exception {
        St2110Transports.Jxs t = JxsTransportTest.transport();
        PooledApp app = new PooledApp(3, (int) JxsSteadyGarbageTest.FMT.bufferSize(), true);
        int port = St2110Bench.freeUdpPort();
        try {
            TransportSession rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-22", JxsSteadyGarbageTest.FMT)
                    .local(new Endpoint("127.0.0.1", port)).payloadType(114).option("codec_threads", "2").build(), app);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", JxsSteadyGarbageTest.FMT)
                    .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3").build(), TestSupport.txContext());
            ByteBuffer picture = ByteBuffer.allocateDirect((int) JxsSteadyGarbageTest.FMT.bufferSize());
            picture.put(0, JxsTransportTest.picture(3, JxsSteadyGarbageTest.FMT));
            HeapFrame frame = new HeapFrame(picture, null);
            frame.length(picture.capacity());
            JxsSteadyGarbageTest.send(tx, app.delivered, frame, 30);
            assertNull(app.misuse);
            assertNull(app.failure);
            assertTrue(app.delivered.get() >= 30, app.delivered + " frames delivered; " + rx.stats());
            assertEquals(2L, rx.stats().get("codec_threads"));
            assertEquals(0L, rx.stats().get("decode_errors"));
        } finally {
            t.deactivate();
        }
    }
}
