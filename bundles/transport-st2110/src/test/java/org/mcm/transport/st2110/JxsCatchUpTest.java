package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.mcm.api.codec.Codec;
import org.mcm.api.codec.CodecException;
import org.mcm.api.codec.VideoDecoder;
import org.mcm.api.codec.VideoEncoder;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportSession;
import org.mcm.codec.jpegxs.JpegXsCodec;

/**
 * A -22 sender whose encoder stalls once for over a frame period catches the late frame up on its grid instead of
 * restarting the schedule (which gave up the time it was late: every slow encode of a slow minute lowered the
 * sender's rate for good).
 */
class JxsCatchUpTest {

    static final VideoFormat FMT = new VideoFormat(256, 128, Rational.of(10, 1), PixelFormat.YUV422P10LE); // 100 ms

    /**
     * The jpegxs codec whose encoder sleeps stallMs before encoding frame stalled (counted from 0), and adds when each
     * encode returned to ends (if not null).
     */
    static Codec stalling(int stalled, long stallMs, java.util.List<Long> ends) {
        Codec real = new JpegXsCodec();
        return new Codec() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public java.util.Set<PixelFormat> pixelFormats() {
                return real.pixelFormats();
            }

            @Override
            public VideoEncoder encoder(VideoFormat f, Map<String, String> p) throws CodecException {
                VideoEncoder enc = real.encoder(f, p);
                AtomicInteger n = new AtomicInteger();
                return new VideoEncoder() {
                    @Override
                    public int maxEncodedSize() {
                        return enc.maxEncodedSize();
                    }

                    @Override
                    public int encode(ByteBuffer raw, ByteBuffer out) throws CodecException {
                        if (n.getAndIncrement() == stalled) {
                            try {
                                Thread.sleep(stallMs);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        int len = enc.encode(raw, out);
                        if (ends != null) {
                            ends.add(System.nanoTime());
                        }
                        return len;
                    }

                    @Override
                    public void close() {
                        enc.close();
                    }
                };
            }

            @Override
            public VideoDecoder decoder(VideoFormat f, Map<String, String> p) throws CodecException {
                return real.decoder(f, p);
            }
        };
    }

    @Test
    void aFrameOverAPeriodLateIsCaughtUpWithoutRestartingTheSchedule() throws Exception {
        St2110Transports.Jxs t = new St2110Transports.Jxs();
        // frame 4 is ready 1.5-2.5 periods after its slot began: the encoder, ahead, starts it when frame 1's segment
        // comes back (at 100 ms when a frame's few packets go in one batch at its slot's start, at ~196 ms when they are
        // spread over the slot) and sleeps 450 ms, so it is ready at ~550-650 ms, its slot began at 400
        t.codec = stalling(4, 450, null);
        t.activate(TestSupport.settings("wide"));
        try (DatagramChannel sink = JxsTransportTest.sniffer()) {
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", FMT)
                    .remote(new Endpoint("127.0.0.1", ((java.net.InetSocketAddress) sink.getLocalAddress()).getPort()))
                    .option("bpp", "3").build(), TestSupport.txContext());
            byte[] pic = JxsTransportTest.picture(5, FMT);
            int frames = 10;
            for (int i = 0; i < frames; i++) {
                TestSupport.offer(tx, pic); // as fast as the sender takes them: the encoder stays ahead
            }
            Awaitility.await("10 frames sent").atMost(Duration.ofSeconds(20))
                    .until(() -> tx.stats().get("frames") >= frames);
            Map<String, Long> s = tx.stats();
            assertEquals(0L, s.get("schedule_restarts"), s.toString());
            assertTrue(s.get("frames_started_late") >= 1, s.toString());
            assertTrue(s.get("late_us") >= 100_000, "the stalled frame started over a period after its slot: " + s);
            assertEquals(0L, s.get("restart_us"), s.toString());
            // every frame's packets went out, the markers counted on the wire
            sink.configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate(2048);
            int markers = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (markers < frames && System.nanoTime() < deadline) {
                b.clear();
                if (sink.receive(b) == null) {
                    Thread.sleep(1);
                    continue;
                }
                if ((b.get(1) & 0x80) != 0) {
                    markers++;
                }
            }
            assertEquals(frames, markers);
        } finally {
            t.deactivate();
        }
    }

    /**
     * The encoder works up to two frames ahead of the frame being sent (three picture segments): before session 14
     * it had two, and could start a frame only when the frame two before it had left, so an encode had to fit in two
     * periods less the active period the previous frame's packets took.
     */
    @Test
    void theEncoderWorksTwoFramesAheadOfTheFrameBeingSent() throws Exception {
        VideoFormat hd = new VideoFormat(1280, 720, Rational.of(10, 1), PixelFormat.YUV422P10LE);
        St2110Transports.Jxs t = new St2110Transports.Jxs();
        java.util.List<Long> ends = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        t.codec = stalling(-1, 0, ends);
        // one send a packet: frame 0's ~250 packets are spread over its 96 ms active period
        t.activate(TestSupport.settings("wide", "127.0.0.1", "off"));
        try (DatagramChannel sink = JxsTransportTest.sniffer()) {
            TransportSession tx = t.open(ConnectionSpec.builder(Direction.TX, "st2110-22", hd)
                    .remote(new Endpoint("127.0.0.1", ((java.net.InetSocketAddress) sink.getLocalAddress()).getPort()))
                    .option("bpp", "3").build(), TestSupport.txContext());
            assertEquals(3, JxsTxSession.SEGMENTS);
            byte[] pic = JxsTransportTest.picture(5, hd);
            for (int i = 0; i < 4; i++) {
                TestSupport.offer(tx, pic);
            }
            // frame 0's last packet (the marker) and when it arrived
            ByteBuffer b = ByteBuffer.allocate(2048);
            long marker = 0;
            while (marker == 0) {
                b.clear();
                sink.receive(b);
                if ((b.get(1) & 0x80) != 0) {
                    marker = System.nanoTime();
                }
            }
            Awaitility.await("3 frames encoded").atMost(Duration.ofSeconds(20)).until(() -> ends.size() >= 3);
            assertTrue(ends.get(2) < marker, "frame 2 was encoded while frame 0 was being sent: " + (ends.get(2) - marker)
                    / 1000 + " us after frame 0's marker");
        } finally {
            t.deactivate();
        }
    }
}
