package org.mcm.transport.st2110;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.connection.Endpoint;
import org.mcm.api.media.PixelFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.TransportException;

/**
 * The paced ST 2110-20 sender on the kernel fast path, which sends groups of UDP segmentation batches with one
 * sendmmsg (setting txPaceGranularityUs), and its opt-in real-time scheduling (txRealtimePriority): every packet of
 * every frame arrives once, in order, with the right RTP and SRD fields and payload, whatever the grouping; the
 * settings are bounded; a process that may not have real-time scheduling gets a session that runs as without it.
 */
@Timeout(120)
class PacedGroupSendTest {

    static final VideoFormat VF = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422_10_PGROUP);
    /** 1920 10-bit pixels a line: 4,800 bytes, cut into 4 packets of 1,200 (240 pgroups) with 1400-byte payloads. */
    static final int CHUNK = 1200;
    static final int PER_LINE = 4;
    static final int PACKETS = PER_LINE * 1080;
    static final int PT = 112;

    static ConnectionSpec txSpec(int port) {
        return ConnectionSpec.builder(Direction.TX, "st2110-20", VF).remote(new Endpoint("127.0.0.1", port)).build();
    }

    static Map<String, Long> sendAndCheck(Settings s, RealtimeScheduling.Policy policy, int frames) throws Exception {
        return sendAndCheck(s, policy, frames, Map.of());
    }

    /** What a paced sender put on the wire for {@code frames}, checked packet by packet; returns the sender's stats. */
    static Map<String, Long> sendAndCheck(Settings s, RealtimeScheduling.Policy policy,
            int frames, Map<String, String> options) throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        int size = (int) VF.bufferSize();
        List<byte[]> sent = new ArrayList<>();
        Random r = new Random(frames);
        for (int i = 0; i < frames; i++) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            sent.add(b);
        }
        try (DatagramChannel rx = TestSupport.receiver(64 << 20)) {
            int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
            ConnectionSpec.Builder spec = ConnectionSpec.builder(Direction.TX, "st2110-20", VF).remote(new Endpoint("127.0.0.1", port));
            options.forEach(spec::option);
            VideoTxSession tx = new VideoTxSession(spec.build(), TestSupport.txContext(), s, policy);
            try {
                assertEquals(1L, tx.stats().get("fast_path"), "the kernel fast path is in use");
                for (byte[] b : sent) {
                    TestSupport.offer(tx, b);
                }
                checkPackets(rx, sent);
                return tx.stats();
            } finally {
                tx.close();
            }
        }
    }

    /** Reads every packet of the frames and checks it against what was sent. */
    static void checkPackets(DatagramChannel rx, List<byte[]> frames) throws Exception {
        rx.configureBlocking(false);
        ByteBuffer p = ByteBuffer.allocate(2048);
        long seq = -1;
        long ts0 = -1;
        long ssrc = -1;
        try (Selector sel = Selector.open()) {
            rx.register(sel, SelectionKey.OP_READ);
            for (int f = 0; f < frames.size(); f++) {
                byte[] frame = frames.get(f);
                for (int i = 0; i < PACKETS; i++) {
                    p.clear();
                    while (rx.receive(p) == null) {
                        assertTrue(sel.select(5000) > 0, "packet " + i + " of frame " + f + " arrives");
                        sel.selectedKeys().clear();
                    }
                    p.flip();
                    String at = "frame " + f + " packet " + i;
                    assertEquals(20 + CHUNK, p.remaining(), at + ": length");
                    assertEquals(0x80, p.get(0) & 0xFF, at + ": RTP version 2, no padding, extension or CSRC");
                    boolean last = i == PACKETS - 1;
                    assertEquals(last, (p.get(1) & 0x80) != 0, at + ": marker on the frame's last packet only");
                    assertEquals(PT, p.get(1) & 0x7F, at + ": payload type");
                    long full = ((long) (p.getShort(12) & 0xFFFF) << 16) | (p.getShort(2) & 0xFFFF);
                    if (seq >= 0) {
                        assertEquals((seq + 1) & 0xFFFF_FFFFL, full, at + ": extended sequence number follows on");
                    }
                    seq = full;
                    long ts = p.getInt(4) & 0xFFFF_FFFFL;
                    if (ts0 < 0) {
                        ts0 = ts;
                    }
                    assertEquals((ts0 + 1500L * f) & 0xFFFF_FFFFL, ts, at + ": RTP timestamp of the frame (90 kHz)");
                    long src = p.getInt(8) & 0xFFFF_FFFFL;
                    if (ssrc < 0) {
                        ssrc = src;
                    }
                    assertEquals(ssrc, src, at + ": SSRC");
                    int y = i / PER_LINE;
                    int c = i % PER_LINE;
                    assertEquals(CHUNK, p.getShort(14) & 0xFFFF, at + ": SRD length");
                    assertEquals(y, p.getShort(16) & 0xFFFF, at + ": SRD row, field bit clear");
                    assertEquals(c * 480, p.getShort(18) & 0xFFFF, at + ": SRD offset (pixels), no continuation");
                    int off = y * 4800 + c * CHUNK;
                    for (int k = 0; k < CHUNK; k++) {
                        if (p.get(20 + k) != frame[off + k]) {
                            throw new AssertionError(at + ": payload byte " + k + " differs");
                        }
                    }
                }
            }
            p.clear();
            assertEquals(null, rx.receive(p), "nothing more than the frames' packets");
        }
    }

    /**
     * Planar yuv422p10le frames, converted line by line into the sender's ring of wire lines as their packets go
     * out: every packet carries what the scalar conversion makes of its line, with the ring the session sizes for
     * its grouping (ringLines 0) or one forced smaller than a group, which then goes out in parts.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"0,0", "500,0", "2000,0", "2000,3", "0,1", "500,40"})
    void planarFramesGoOutConvertedLineByLineThroughTheRing(int granularityUs, int ringLines) throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        VideoFormat planar = new VideoFormat(1920, 1080, Rational.of(60, 1), PixelFormat.YUV422P10LE);
        Settings s = TestSupport.with(TestSupport.settings("wide"), "txPaceGranularityUs", granularityUs);
        List<byte[]> sent = new ArrayList<>();
        List<byte[]> wire = new ArrayList<>();
        Random r = new Random(granularityUs + 31L * ringLines);
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[(int) planar.bufferSize()];
            r.nextBytes(b); // the 6 high bits of each 16-bit sample too: the conversion keeps the low 10
            sent.add(b);
            ByteBuffer w = ByteBuffer.allocate(PACKETS * CHUNK);
            Pack422.toWire(PixelFormat.YUV422P10LE, ByteBuffer.wrap(b), w, 1920, 1080);
            wire.add(w.array());
        }
        try (DatagramChannel rx = TestSupport.receiver(64 << 20)) {
            int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
            ConnectionSpec spec = ConnectionSpec.builder(Direction.TX, "st2110-20", planar)
                    .remote(new Endpoint("127.0.0.1", port)).build();
            VideoTxSession tx = new VideoTxSession(spec, TestSupport.txContext(), s, RealtimeScheduling.NATIVE);
            try {
                long sized = tx.stats().get("tx_ring_lines");
                assertTrue(sized >= 2 && sized < 1080, "a ring of a few groups' lines, not a whole frame: " + sized);
                if (ringLines > 0) {
                    tx.ringLines(ringLines);
                }
                for (byte[] b : sent) {
                    TestSupport.offer(tx, b);
                }
                checkPackets(rx, wire);
                Map<String, Long> st = tx.stats();
                assertEquals(3L * PACKETS, st.get("packets"), st.toString());
                if (ringLines > 0 && ringLines * PER_LINE < 53) {
                    // a ring smaller than one segmentation batch: every group goes out in parts
                    assertTrue(st.get("gso_sends") >= 3L * 1080 / ringLines, st.toString());
                }
            } finally {
                tx.close();
            }
        }
    }

    @Test
    void theRingHoldsTwoGroupsAtTheOnTimeRate() {
        long active = TxSchedule.activeOf(1_000_000_000L / 60);
        // 1080p60 10-bit: 4 packets a line, 4,320 a frame, 53-packet batches
        assertEquals((2 * 53 + 3) / 4 + 2, VideoTxSession.ringLines(1080, 4, 53, 4320, 0, active));
        long group = 53 + (4320L * 500_000 + active - 1) / active; // a batch and 500 us of packets
        assertEquals((2 * group + 3) / 4 + 2, VideoTxSession.ringLines(1080, 4, 53, 4320, 500_000, active));
        assertEquals(1080, VideoTxSession.ringLines(1080, 4, 53, 4320, 2_000_000_000L, active), "never over the frame");
        assertEquals(16, VideoTxSession.ringLines(16, 1, 53, 16, 0, active), "a small picture: the whole frame");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 500, 2000})
    void everyPacketGoesOutOnceInOrderWhateverTheGrouping(int granularityUs) throws Exception {
        Settings s = TestSupport.with(TestSupport.settings("wide"), "txPaceGranularityUs", granularityUs);
        Map<String, Long> st = sendAndCheck(s, RealtimeScheduling.NATIVE, 2);
        assertEquals((long) 2 * PACKETS, st.get("packets"), st.toString());
        assertEquals(2L, st.get("frames"), st.toString());
        assertEquals(granularityUs, st.get("pace_granularity_us"));
        long perFrame = st.get("gso_sends") / 2;
        int batch = Math.min(60, 65_000 / (20 + CHUNK)); // GsoSender's batch: 53 packets
        long batches = (PACKETS + batch - 1) / batch;
        if (granularityUs <= 1) {
            // a batch is due every ~190 us: 1 us groups none
            assertEquals(batches, perFrame, "one system call per batch: " + st);
        } else {
            // the batches due within the granularity of a group's first go with it: one is due every ~188 us
            assertTrue(perFrame < batches && perFrame >= batches * 150 / (granularityUs + 150)
                    && perFrame <= batches * 200 / granularityUs + 1,
                    "about one system call per " + granularityUs + " us: " + perFrame + " of " + batches + " batches: " + st);
        }
    }

    @Test
    void theSettingsAreBounded() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        Settings base = TestSupport.settings("wide");
        for (int bad : new int[] {-1, VideoTxSession.MAX_PACE_GRANULARITY_US + 1, Integer.MAX_VALUE}) {
            TransportException e = assertThrows(TransportException.class, () -> new VideoTxSession(txSpec(9),
                    TestSupport.txContext(), TestSupport.with(base, "txPaceGranularityUs", bad)));
            assertTrue(e.getMessage().contains("txPaceGranularityUs"), e.getMessage());
        }
        for (int bad : new int[] {-1, RealtimeScheduling.MAX_PRIORITY + 1, 99}) {
            TransportException e = assertThrows(TransportException.class, () -> new VideoTxSession(txSpec(9),
                    TestSupport.txContext(), TestSupport.with(base, "txRealtimePriority", bad)));
            assertTrue(e.getMessage().contains("txRealtimePriority"), e.getMessage());
        }
        assertEquals(0, VideoTxSession.paceGranularityUs(0));
        assertEquals(2000, VideoTxSession.paceGranularityUs(2000));
        assertEquals(0, RealtimeScheduling.priority(0));
        assertEquals(49, RealtimeScheduling.priority(49));
        assertEquals(500, TestSupport.settings("wide").txPaceGranularityUs(), "the test settings use the default");
        assertEquals(500, Settings.class.getMethod("txPaceGranularityUs").getDefaultValue(), "grouped sends by default");
        assertEquals(0, Settings.class.getMethod("txRealtimePriority").getDefaultValue(), "off by default");
    }

    @Test
    void aProcessThatMayNotGetRealTimeSchedulingSendsAsWithout() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean onSenderThread = new AtomicBoolean();
        RealtimeScheduling.Policy refusing = prio -> {
            asked.set(prio);
            onSenderThread.set(Thread.currentThread().getName().startsWith("st2110-20-tx-"));
            return RealtimeScheduling.EPERM;
        };
        Settings s = TestSupport.with(TestSupport.settings("wide"), "txRealtimePriority", 7);
        Map<String, Long> st = sendAndCheck(s, refusing, 2);
        assertEquals(7, asked.get(), "asked for the configured priority");
        assertTrue(onSenderThread.get(), "asked on the session's sending thread");
        assertEquals(1L, st.get("tx_realtime_refused"), st.toString());
        assertEquals(0L, st.get("tx_realtime_priority"), st.toString());
        assertEquals((long) 2 * PACKETS, st.get("packets"), st.toString());
    }

    @Test
    void aGrantedPriorityIsReportedAndOffAsksNothing() throws Exception {
        AtomicInteger asked = new AtomicInteger(-1);
        RealtimeScheduling.Policy granting = prio -> {
            asked.set(prio);
            return 0;
        };
        Map<String, Long> st = sendAndCheck(TestSupport.with(TestSupport.settings("wide"), "txRealtimePriority", 3),
                granting, 1);
        assertEquals(3, asked.get());
        assertEquals(3L, st.get("tx_realtime_priority"), st.toString());
        assertEquals(0L, st.get("tx_realtime_refused"), st.toString());
        asked.set(-1);
        st = sendAndCheck(TestSupport.settings("wide"), granting, 1);
        assertEquals(-1, asked.get(), "0 (the default) asks for nothing");
        assertEquals(0L, st.get("tx_realtime_priority"), st.toString());
        assertEquals(0L, st.get("tx_realtime_refused"), st.toString());
    }

    /** A 1080p60 frame's active period (1080/1125 of 1/60 s) in microseconds. */
    static final long ACTIVE_US = 1_000_000L / 60 * 1080 / 1125;

    @Test
    void aLeadSpreadsEachFrameOverThatMuchLessThanTheActivePeriod() throws Exception {
        int batch = Math.min(60, 65_000 / (20 + CHUNK));
        for (int granularityUs : new int[] {0, 500}) {
            Settings s = TestSupport.with(TestSupport.settings("wide"), "txPaceGranularityUs", granularityUs);
            for (int leadUs : new int[] {0, 2000}) {
                Map<String, Long> st = leadUs == 0 ? sendAndCheck(s, RealtimeScheduling.NATIVE, 3)
                        : sendAndCheck(s, RealtimeScheduling.NATIVE, 3, Map.of("tx_lead_us", "" + leadUs));
                String at = "granularity " + granularityUs + " us, lead " + leadUs + " us: ";
                assertEquals((long) 3 * PACKETS, st.get("packets"), at + st);
                assertEquals(leadUs, st.get("tx_lead_us"), at + st);
                assertEquals(granularityUs, st.get("pace_granularity_us"), at + st);
                // the last batch is not sent before it is due: (active - lead) * (packets - batch) / packets after
                // the start. Grouped, it may go with the group due up to the granularity and a batch before it.
                long lastDue = (ACTIVE_US - leadUs) * (PACKETS - batch) / PACKETS;
                long batchUs = (ACTIVE_US - leadUs) * batch / PACKETS;
                long earliest = granularityUs == 0 ? lastDue : lastDue - granularityUs - batchUs;
                assertTrue(st.get("send_us_p50") >= earliest - 50, at + "a frame's packets take at least "
                        + earliest + " us: " + st);
                // the frames (queued at once: late, at the default speed-up 1 still spread over the whole span) were
                // spread over the active period less the lead
                assertEquals(ACTIVE_US - leadUs, st.get("span_us_last"), 1, at + st);
            }
        }
        // the setting is used when no option is given
        Map<String, Long> st = sendAndCheck(TestSupport.with(TestSupport.settings("wide"), "txLeadUs", 700),
                RealtimeScheduling.NATIVE, 1);
        assertEquals(700L, st.get("tx_lead_us"), st.toString());
    }

    @Test
    void theLeadIsBoundedByWhatAWideReceiverBuffers() throws Exception {
        assumeTrue(NetNative.available(), "native UDP helpers: " + NetNative.unavailableReason());
        Settings base = TestSupport.settings("wide");
        for (int bad : new int[] {-1, VideoTxSession.MAX_LEAD_US + 1}) {
            TransportException e = assertThrows(TransportException.class, () -> new VideoTxSession(txSpec(9),
                    TestSupport.txContext(), TestSupport.with(base, "txLeadUs", bad)));
            assertTrue(e.getMessage().contains("txLeadUs must be 0 to 2000"), e.getMessage());
        }
        for (String bad : new String[] {"-5", "2001", "1.5", "soon"}) {
            ConnectionSpec spec = ConnectionSpec.builder(Direction.TX, "st2110-20", VF).remote(new Endpoint("127.0.0.1", 9))
                    .option("tx_lead_us", bad).build();
            TransportException e = assertThrows(TransportException.class,
                    () -> new VideoTxSession(spec, TestSupport.txContext(), base));
            assertTrue(e.getMessage().contains("tx_lead_us"), e.getMessage());
        }
        // 2 ms of lead and 2 ms of grouping: ~1,080 packets + a batch ahead at 1080p60, a wide receiver holds 864
        TransportException e = assertThrows(TransportException.class, () -> new VideoTxSession(txSpec(9), TestSupport.txContext(),
                TestSupport.with(TestSupport.with(base, "txLeadUs", 2000), "txPaceGranularityUs", 2000)));
        assertTrue(e.getMessage().contains("more than a wide receiver buffers (864 packets)"), e.getMessage());
        assertEquals(864, VideoTxSession.wideReceiverBuffer(PACKETS, 1_000_000_000L / 60));
        assertEquals(720, VideoTxSession.wideReceiverBuffer(PACKETS, 1_000_000_000L / 50), "at least 720");
        // each alone is within it, and 1 ms of each
        VideoTxSession.checkAhead(2_000_000, 0, PACKETS, batch(), 1_000_000_000L / 60);
        VideoTxSession.checkAhead(1_000_000, 1_000_000, PACKETS, batch(), 1_000_000_000L / 60);
        // a lead over half the active period is refused whatever the buffer (a 300 fps frame: 3.2 ms active)
        assertThrows(TransportException.class, () -> VideoTxSession.checkAhead(2_000_000, 0, 100, 1, 1_000_000_000L / 300));
        assertEquals(0, Settings.class.getMethod("txLeadUs").getDefaultValue(), "the gapped schedule by default");
    }

    static int batch() {
        return Math.min(60, 65_000 / (20 + CHUNK));
    }

    /** The kernel's scheduling policy of the calling thread (field 41 of /proc/thread-self/stat; 1 = SCHED_FIFO). */
    static int policyOfThisThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[38]);
    }

    @Test
    void theNativeRequestTakesEffectExactlyWhenItReportsSuccess() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux /proc");
        int[] result = new int[3];
        Throwable[] failure = new Throwable[1];
        // a thread of its own: the test runner's threads keep their policy
        Thread t = new Thread(() -> {
            try {
                result[0] = policyOfThisThread();
                result[1] = RealtimeScheduling.apply(RealtimeScheduling.NATIVE, 1, "test thread") ? 1 : 0;
                result[2] = policyOfThisThread();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
        assertEquals(0, result[0], "a Java thread starts with SCHED_OTHER");
        assertEquals(result[1] == 1 ? 1 : 0, result[2], "SCHED_FIFO exactly when granted (granted: " + result[1] + ")");
        assertFalse(result[1] == 0 && result[2] != 0, "a refusal leaves the thread as it was");
    }
}
