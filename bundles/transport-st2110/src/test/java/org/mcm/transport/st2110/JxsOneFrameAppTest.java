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

    /**
     * At 1080p60 with the default codec_threads the jpegxs codec with its native fragment asks for one decoder, which
     * decodes every frame straight into the app's frame (no staging frame, no copy): an app that lends one frame at a
     * time gets every frame the receiver completed (none lost for want of an app frame; none for want of a segment while the decoder's first frame ran: it ran at the opening), in order, each the codec's decoding of the sent picture. (Before,
     * the transport's own guess gave two decoders at 1080p60, each frame decoded into a staging frame and copied.)
     */
    @Test
    void oneDecoderByDefaultAt1080p60DecodesStraightIntoTheAppsFrame() throws Exception {
        org.mcm.api.media.VideoFormat fmt = new org.mcm.api.media.VideoFormat(1920, 1080,
                org.mcm.api.media.Rational.of(60, 1), org.mcm.api.media.PixelFormat.YUV422P10LE);
        St2110Transports.Jxs t = JxsTransportTest.transport();
        PooledApp app = new PooledApp(3, (int) fmt.bufferSize(), true);
        int port = St2110Bench.freeUdpPort();
        ByteBuffer picture = ByteBuffer.allocateDirect((int) fmt.bufferSize());
        picture.put(0, JxsTransportTest.picture(5, fmt));
        TransportSession rx = null;
        try {
            rx = t.open(ConnectionSpec.builder(Direction.RX, "st2110-22", fmt)
                    .local(new Endpoint("127.0.0.1", port)).payloadType(114).build(), app);
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", fmt)
                    .remote(new Endpoint("127.0.0.1", port)).option("bpp", "3").build(), TestSupport.txContext());
            HeapFrame frame = new HeapFrame(picture, null);
            frame.length(picture.capacity());
            JxsSteadyGarbageTest.send(tx, app.delivered, frame, 20);
            assertEquals(1L, rx.stats().get("codec_threads"), rx.stats().toString());
            assertEquals(2L, tx.stats().get("codec_threads"), "the encoder's threads at 1080p60: " + tx.stats());
        } finally {
            t.deactivate();
        }
        java.util.Map<String, Long> s = rx.stats();
        System.out.println("JxsOneFrameAppTest 1080p60 default threads: " + app.delivered + " delivered; " + s);
        assertNull(app.misuse);
        assertNull(app.failure);
        assertTrue(app.delivered.get() >= 20, app.delivered + " frames delivered; " + s);
        assertEquals(0L, s.get("no_buffer"), "a frame decoded found no app frame: " + s);
        assertEquals(0L, s.get("frames_copied"), s.toString());
        // the decoder's slow first frame came at the opening: the frames arriving later found a free segment (main
        // dropped 26 here; one decoder without the priming 14-16); a slow machine may still stall it now and then
        assertEquals(1L, s.get("decoders_primed"), s.toString());
        assertTrue(s.get("frames_dropped") <= 2, "frames dropped (no free segment): " + s);
        assertEquals(0L, s.get("decode_errors"));
        // what the app got is the codec's decoding of the picture, written in place
        org.mcm.codec.jpegxs.JpegXsCodec codec = new org.mcm.codec.jpegxs.JpegXsCodec();
        ByteBuffer cs = ByteBuffer.allocate(4 << 20);
        ByteBuffer want = ByteBuffer.allocate((int) fmt.bufferSize());
        try (org.mcm.api.codec.VideoEncoder e = codec.encoder(fmt, java.util.Map.of("bpp", "3"));
                org.mcm.api.codec.VideoDecoder d = codec.decoder(fmt, java.util.Map.of())) {
            cs.limit(e.encode(picture.duplicate().clear(), cs));
            d.decode(cs, want);
        }
        assertEquals(0, app.lastDelivered.duplicate().clear().compareTo(want.clear()), "the app's frame differs");
    }
}
