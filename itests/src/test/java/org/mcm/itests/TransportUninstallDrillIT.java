package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.itests.support.ControlClient;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Fault drill (issue 17): the ST 2110 transport bundle goes away while SDK apps (the image's sample apps, each a
 * process of its own) stream through an ST 2110-20 pair over loopback and through a {@code local} pair, with an
 * {@code rtsp} receiver session waiting beside them. Three rounds in one real Felix: uninstall (then install again),
 * stop (then start), update. Each round: only the ST 2110 sessions end, {@code TRANSPORT_GONE} with the reason; both
 * of their apps get it from the SDK and exit; their memif sockets go; ListConnections keeps them with the reason;
 * the bundle back, a new ST 2110 pair streams again with nothing restarted. The local pair streams through all of it:
 * its frames are counted before, during and after each round, and its receiver finds no sequence number missing.
 * So does the {@code rtsp} receiver, fed by a camera ({@link H264Camera}: GStreamer pushing RTP/H.264 at 30 fps to
 * its port): its access units are counted before, during and after each round, its session stays {@code ACTIVE},
 * and at the end its app has written the camera's stream from the second access unit to the last, NAL unit for NAL
 * unit.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TransportUninstallDrillIT {

    static final int W = 320;
    static final int H = 180;
    static final int LOCAL_FPS = 50;
    static final int CAMERA_FPS = 30;
    static final String BSN = "org.mcm.transport.st2110";

    @Inject
    BundleContext context;
    @Inject
    SessionManager sessions;
    @Inject
    ConfigurationAdmin cm;

    @Configuration
    public Option[] config() {
        return Provisioning.appliance();
    }

    private String sdkPort() {
        return context.getProperty("mcm.sdk.port");
    }

    private List<String> video(String transport, String... more) {
        List<String> a = new ArrayList<>(List.of("-P", sdkPort(), "-t", transport, "-w", Integer.toString(W), "-h",
                Integer.toString(H), "-x", "yuv422p10le", "-q"));
        a.addAll(List.of(more));
        return a;
    }

    /**
     * A receiving session's frame counter, read every 2 ms: the times at which it changed and its values; the same
     * for its {@code frames_dropped} counter (frames it had no free app buffer for; 0 where a transport has none); and
     * the first state other than {@code ACTIVE} it was seen in (null while it stays {@code ACTIVE}).
     */
    static final class Sampler implements Runnable {
        final long[] at = new long[1 << 16];
        final long[] frames = new long[1 << 16];
        final long[] droppedAt = new long[1 << 10];
        final long[] dropped = new long[1 << 10];
        volatile int n;
        volatile int drops;
        volatile boolean stop;
        volatile String leftActive;
        private final SessionManager sessions;
        private final long id;

        Sampler(SessionManager sessions, long id) {
            this.sessions = sessions;
            this.id = id;
        }

        @Override
        public void run() {
            long last = -1;
            long lastDropped = 0;
            while (!stop && n < at.length) {
                Optional<SessionInfo> info = sessions.get(id);
                if (leftActive == null && info.map(i -> i.state() != SessionState.ACTIVE).orElse(true)) {
                    leftActive = info.map(i -> i.state() + ": " + i.reason()).orElse("gone from the list");
                }
                long f = info.map(i -> i.stats().getOrDefault("frames", 0L)).orElse(-1L);
                if (f != last) {
                    at[n] = System.nanoTime();
                    frames[n] = f;
                    n++;
                    last = f;
                }
                long d = info.map(i -> i.stats().getOrDefault("frames_dropped", 0L)).orElse(lastDropped);
                if (d != lastDropped && drops < droppedAt.length) {
                    droppedAt[drops] = System.nanoTime();
                    dropped[drops] = d;
                    drops++;
                    lastDropped = d;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
        }

        /** Frames counted between two instants. */
        long framesBetween(long from, long to) {
            return valueAt(at, frames, n, to) - valueAt(at, frames, n, from);
        }

        /** Frames dropped for want of a free app buffer between two instants. */
        long droppedBetween(long from, long to) {
            return valueAt(droppedAt, dropped, drops, to) - valueAt(droppedAt, dropped, drops, from);
        }

        private static long valueAt(long[] times, long[] values, int count, long t) {
            long v = 0;
            for (int i = 0; i < count && times[i] <= t; i++) {
                v = values[i];
            }
            return v;
        }

        /** The longest time between two changes of the counter within [from, to], in ms. */
        double longestGapMs(long from, long to) {
            long prev = from;
            long longest = 0;
            for (int i = 0, end = n; i < end; i++) {
                if (at[i] < from) {
                    continue;
                }
                if (at[i] > to) {
                    break;
                }
                longest = Math.max(longest, at[i] - prev);
                prev = at[i];
            }
            return Math.max(longest, to - prev) / 1e6;
        }
    }

    @Test
    public void st2110BundleLeavesMidStreamStoppingOnlyItsSessionsWhileLocalFramesFlowOn() throws Exception {
        H264Camera.require(H264Camera.GST); // the camera (in CI it must be there; elsewhere the drill is skipped)
        Path image = Provisioning.image();
        bypassOff();
        int group = Provisioning.freePort();
        List<SampleApp> apps = new ArrayList<>();
        Path work = Files.createTempDirectory("mcm-uninstall-drill");
        H264Camera camera = null;
        try (ControlClient c = new ControlClient("127.0.0.1", Integer.parseInt(context.getProperty("mcm.grpc.port")))) {
            // the local pair: stamped test pattern, 50 fps, for the whole drill (the receiver counts sequence gaps)
            SampleApp localRx = add(apps, SampleApp.start("local-rx", image, "mcm-receiver", video("local",
                    "-r", "127.0.0.1:" + group, "-o", "/dev/null", "--idle-timeout", "1")));
            SampleApp localTx = add(apps, SampleApp.start("local-tx", image, "mcm-sender", video("local",
                    "-r", "127.0.0.1:" + group, "-f", Integer.toString(LOCAL_FPS))));
            // a second transport's session: an RTSP receiver a camera pushes RTP/H.264 to, writing what it gets to a
            // .h264 file (it ends 2 s after the camera: a little more slack than the local receiver's 1 s, as the
            // camera's frames are 33 ms apart)
            int cameraPort = Provisioning.freePort();
            Path rtspFile = work.resolve("rtsp-rx.h264");
            SampleApp rtspRx = add(apps, SampleApp.start("rtsp-rx", image, "mcm-receiver", video("rtsp",
                    "-l", "127.0.0.1:" + cameraPort, "-o", rtspFile.toString(), "--idle-timeout", "2")));
            SampleApp[] pair = startPair("first", image, apps);
            awaitAttached(localRx);
            awaitAttached(localTx);
            awaitAttached(rtspRx);
            // the camera: its RX session is bound, so every packet it sends reaches the session
            camera = H264Camera.start(work, "camera", W, H, CAMERA_FPS, CAMERA_FPS, 500, 0, cameraPort);
            Sampler sampler = new Sampler(sessions, localRx.sessionId());
            Thread samplerThread = new Thread(sampler, "local-frames-sampler");
            samplerThread.start();
            Sampler rtspSampler = new Sampler(sessions, rtspRx.sessionId());
            Thread rtspSamplerThread = new Thread(rtspSampler, "rtsp-frames-sampler");
            rtspSamplerThread.start();
            await("local frames flow", () -> frames(localRx.sessionId()) >= 10, 20_000, localRx, localTx);
            await("the camera's frames flow", () -> frames(rtspRx.sessionId()) >= 10, 20_000, camera, rtspRx);

            List<String> report = new ArrayList<>();
            awaitStreaming(pair, "first");
            for (String how : List.of("uninstall", "stop", "update")) {
                // each round ends with a new pair streaming on the bundle that came back
                pair = round(how, pair, c, image, apps, sampler, rtspSampler, report, localRx, localTx, rtspRx);
            }

            sampler.stop = true;
            rtspSampler.stop = true;
            samplerThread.join();
            rtspSamplerThread.join();
            assertTrue("the rtsp receiver kept its session: " + rtspRx.output(), rtspRx.alive());
            assertEquals(SessionState.ACTIVE, state(rtspRx.sessionId()));
            long sent = sessions.get(localTx.sessionId()).orElseThrow().stats().get("frames");
            localTx.process.destroy(); // the receiver stops 1 s after the last frame and prints its summary
            camera.stop(); // the end of the stream: the last access unit goes out, the reference file is complete
            // every picture the camera encoded but the first reaches the session: the receiver starts delivering at
            // the first access-unit boundary it sees (the RTP marker closing the camera's first picture), as it
            // cannot know whether it came in at a stream's start
            byte[] reference = Files.readAllBytes(camera.reference());
            long pictures = H264Camera.pictures(reference);
            // the last ones may still be on their way: poll for them, keeping the session's counters as last seen (if
            // some never come, the app ends 2 s after the last one and its session leaves the list; the asserts below
            // say how many)
            Map<String, Long> rtspStats = Map.of();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Optional<SessionInfo> i; System.nanoTime() < until && (i = sessions.get(rtspRx.sessionId())).isPresent();) {
                rtspStats = i.get().stats();
                if (rtspStats.getOrDefault("frames", 0L) + rtspStats.getOrDefault("frames_dropped", 0L) >= pictures - 1) {
                    break;
                }
                Thread.sleep(5);
            }
            String[] local = summary(localRx);
            long received = Long.parseLong(local[0]);
            System.out.println("TransportUninstallDrillIT: local pair " + received + " frames received ("
                    + sent + "+ sent), lost " + local[1]);
            report.forEach(System.out::println);
            assertEquals("no local frame lost across the three rounds: " + localRx.output(), "0", local[1]);
            assertTrue("every frame the sender had sent arrived: " + received + " < " + sent, received >= sent);

            // the rtsp receiver app: 2 s after the camera's last frame it prints its summary; H.264 carries no sender
            // stamp, so its own loss figure is "n/a": the loss is what it got against the camera's pictures
            String[] rtsp = summary(rtspRx);
            long rtspReceived = Long.parseLong(rtsp[0]);
            long dropped = rtspStats.getOrDefault("frames_dropped", -1L);
            String counts = "rtsp receiver " + rtspReceived + " access units received of " + pictures + " pictures the "
                    + "camera sent (the first one is never delivered), lost " + (pictures - 1 - rtspReceived)
                    + " (the app says " + rtsp[1] + "); session: lost packets " + rtspStats.get("lost")
                    + ", damaged frames " + rtspStats.get("frames_damaged") + ", dropped for want of a free app buffer "
                    + dropped;
            System.out.println("TransportUninstallDrillIT: " + counts);
            // Nothing is lost on the wire or damaged on loopback. Frames may be dropped, though: the camera is live
            // and cannot wait (the local sender waits for a free buffer, so it never loses one), and the app has 4
            // buffers (upstream's video ring). When the receiver app stalls for more than ~130 ms on the shared 2-core
            // machine (a round starts two app JVMs), or the proxy's JVM does and then hands over the access units that
            // piled up in the socket all at once, the session finds no free buffer when one begins and drops it,
            // counted in frames_dropped. Every picture must be accounted for; the drops are bounded by the gap bound
            // of the rounds (< 500 ms: at most 15 pictures pile up, 4 fit) at 5 % of the pictures, 2 at least.
            String all = counts + "\n" + rtspRx.output() + "\n" + rtspStats + "\n" + camera;
            assertEquals(all, 0L, (long) rtspStats.getOrDefault("lost", -1L));
            assertEquals(all, 0L, (long) rtspStats.getOrDefault("frames_damaged", -1L));
            assertEquals("every camera picture but the first delivered or dropped: " + all, pictures - 1,
                    rtspReceived + dropped);
            assertTrue("few drops: " + all, dropped <= Math.max(2, pictures / 20));
            // and what it wrote is the camera's stream, NAL unit for NAL unit, from the second access unit to the last,
            // with only the dropped ones left out
            List<byte[]> got = H264Camera.nals(Files.readAllBytes(rtspFile));
            assertEquals("the rtsp receiver's " + got.size() + " NAL units are the camera's with the first and the "
                    + "dropped access units left out", 1 + dropped, H264Camera.picturesLeftOut(H264Camera.nals(reference),
                    got));
        } finally {
            if (camera != null) {
                camera.close();
            }
            for (SampleApp a : apps) {
                a.close();
            }
            try (java.util.stream.Stream<Path> files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * One round: while {@code pair} streams, the bundle goes ({@code how}), what must end ends and what must not
     * runs on; the bundle comes back, a new pair is started (while the local and rtsp streams are counted for a
     * second more) and returned once its frames arrive.
     */
    private SampleApp[] round(String how, SampleApp[] pair, ControlClient c, Path image, List<SampleApp> apps,
            Sampler sampler, Sampler rtspSampler, List<String> report, SampleApp localRx, SampleApp localTx,
            SampleApp rtspRx) throws Exception {
        SampleApp rx = pair[0];
        SampleApp tx = pair[1];
        assertTrue(Files.exists(Path.of(rx.socketPath())));
        assertTrue(Files.exists(Path.of(tx.socketPath())));
        Bundle st2110 = bundle();
        String location = st2110.getLocation();
        // the local stream and the camera's at their rates for the last second (app JVMs starting on a busy machine
        // can stall them)
        await("local and rtsp streams steady before " + how, () -> {
            long now = System.nanoTime();
            return sampler.framesBetween(now - 1_000_000_000L, now) >= LOCAL_FPS * 9 / 10
                    && sampler.longestGapMs(now - 1_000_000_000L, now) < 250
                    && rtspSampler.framesBetween(now - 1_000_000_000L, now) >= CAMERA_FPS * 9 / 10
                    && rtspSampler.longestGapMs(now - 1_000_000_000L, now) < 250;
        }, 20_000, localRx, localTx, rtspRx);

        long t0 = System.nanoTime();
        switch (how) {
            case "uninstall" -> {
                st2110.uninstall();
                refresh();
            }
            case "stop" -> st2110.stop();
            case "update" -> {
                st2110.update();
                refresh();
            }
            default -> throw new IllegalArgumentException(how);
        }
        await("both ST 2110 sessions TRANSPORT_GONE", () -> state(rx.sessionId()) == SessionState.TRANSPORT_GONE
                && state(tx.sessionId()) == SessionState.TRANSPORT_GONE, 10_000, rx, tx);
        long gone = System.nanoTime();
        // their apps are told by the SDK (the call fails with the session's end and reason) and exit
        for (SampleApp a : pair) {
            assertTrue(a.output(), a.process.waitFor(10, TimeUnit.SECONDS));
            assertEquals(a.output(), 1, a.process.exitValue());
            String out = a.output();
            assertTrue("the app got the state and the reason: " + out, out.contains("ended the data path of session "
                    + a.sessionId() + ": ") && out.contains(": TRANSPORT_GONE: transport 'st2110-20' went away (bundle "
                    + "stopped, updated or uninstalled) [CONNECTION_CLOSED]"));
            await(a.name + "'s memif socket removed", () -> !Files.exists(Path.of(a.socketPath())), 5_000, a);
        }
        long told = System.nanoTime();
        // ListConnections keeps them, with the reason
        Map<Long, String[]> listed = c.listed();
        for (SampleApp a : pair) {
            String[] l = listed.get(a.sessionId());
            assertNotNull("ended session " + a.sessionId() + " listed: " + c.dump(), l);
            assertEquals("TRANSPORT_GONE", l[2]);
            assertTrue(l[3], l[3].contains("transport 'st2110-20' went away (bundle stopped, updated or uninstalled)"));
        }
        // nothing else touched
        for (SampleApp a : List.of(localRx, localTx, rtspRx)) {
            assertTrue(a.output(), a.alive());
            assertEquals(a.name, SessionState.ACTIVE, state(a.sessionId()));
            assertTrue(a.name + "'s memif socket stays", Files.exists(Path.of(a.socketPath())));
        }
        // back without restarting anything
        switch (how) {
            case "uninstall" -> context.installBundle(location).start();
            case "stop" -> st2110.start();
            default -> { } // update starts it again
        }
        await("st2110-20 back", () -> sessions.transports().stream().anyMatch(t -> t.protocol().equals("st2110-20")),
                10_000);
        long back = System.nanoTime();
        assertEquals("the same bundle location", location, bundle().getLocation());
        SampleApp[] next = startPair("after " + how, image, apps);
        // the local stream, one second before, during, one second after
        long after = back + 1_000_000_000L;
        await("a second of local frames after " + how, () -> System.nanoTime() > after, 5_000);
        long before = sampler.framesBetween(t0 - 1_000_000_000L, t0);
        long during = sampler.framesBetween(t0, back);
        long afterFrames = sampler.framesBetween(back, after);
        double duringMs = (back - t0) / 1e6;
        double gapBefore = sampler.longestGapMs(t0 - 1_000_000_000L, t0);
        double gap = sampler.longestGapMs(t0, after);
        long rtspBefore = rtspSampler.framesBetween(t0 - 1_000_000_000L, t0);
        long rtspDuring = rtspSampler.framesBetween(t0, back);
        long rtspAfter = rtspSampler.framesBetween(back, after);
        double rtspGapBefore = rtspSampler.longestGapMs(t0 - 1_000_000_000L, t0);
        double rtspGap = rtspSampler.longestGapMs(t0, after);
        long rtspDropped = rtspSampler.droppedBetween(t0 - 1_000_000_000L, after);
        String line = String.format("%s: ST 2110 sessions gone in %.0f ms, apps told and sockets removed in %.0f ms, "
                + "back in %.0f ms; local frames: %d in the second before, %d in the %.0f ms during, %d in the second "
                + "after (%d fps sent); longest time without a local frame %.0f ms before, %.0f ms during and after; "
                + "rtsp access units: %d before, %d during, %d after (camera %d fps), longest time without one %.0f ms "
                + "before, %.0f ms during and after, %d dropped for want of a free app buffer in these windows",
                how, (gone - t0) / 1e6, (told - t0) / 1e6, duringMs, before, during, duringMs, afterFrames, LOCAL_FPS,
                gapBefore, gap, rtspBefore, rtspDuring, rtspAfter, CAMERA_FPS, rtspGapBefore, rtspGap, rtspDropped);
        System.out.println("TransportUninstallDrillIT: " + line);
        assertTrue(line, before >= LOCAL_FPS * 8 / 10);
        assertTrue(line, afterFrames >= LOCAL_FPS * 8 / 10);
        assertTrue(line, during >= (long) (duringMs / 1000 * LOCAL_FPS * 0.8) - 1);
        assertTrue("no gap in the local stream: " + line, gap < 500);
        // the rtsp session: frames in each window and it never left ACTIVE. Half the rate, not 80 % as for the local
        // stream: the JVM that runs Felix, the sessions and the samplers was seen to stall up to ~0.4 s around a round
        // (both streams' counters stopped at once); the local sender then catches up, but a live camera cannot, and
        // what it sent in a stall is counted late or dropped (see the end). The gap bound is the local stream's.
        assertTrue(line, rtspBefore >= CAMERA_FPS / 2);
        assertTrue(line, rtspAfter >= CAMERA_FPS / 2);
        assertTrue(line, rtspDuring >= (long) (duringMs / 1000 * CAMERA_FPS * 0.5) - 1);
        assertTrue("no gap in the rtsp stream: " + line, rtspGap < 500);
        assertEquals("the rtsp session stayed ACTIVE through " + how + ": " + rtspSampler.leftActive, null,
                rtspSampler.leftActive);
        assertEquals("the local receiver's session stayed ACTIVE through " + how + ": " + sampler.leftActive, null,
                sampler.leftActive);
        report.add(line);
        return awaitStreaming(next, "after " + how);
    }

    /** Waits for a receiver app to end (exit 0); its summary line's frames received and loss figure. */
    private static String[] summary(SampleApp rx) throws InterruptedException {
        assertTrue(rx.output(), rx.process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(rx.output(), 0, rx.process.exitValue());
        Matcher m = Pattern.compile("received (\\d+) frames .* lost (\\S+)").matcher(rx.output());
        assertTrue(rx.output(), m.find());
        return new String[] {m.group(1), m.group(2)};
    }

    /** Starts an ST 2110-20 receiver and sender app (stamped test pattern, 30 fps) over loopback: {rx, tx}. */
    private SampleApp[] startPair(String what, Path image, List<SampleApp> apps) throws Exception {
        int port = Provisioning.freePort();
        SampleApp rx = add(apps, SampleApp.start("st2110-rx " + what, image, "mcm-receiver", video("st2110-20",
                "-l", "127.0.0.1:" + port, "-o", "/dev/null", "--idle-timeout", "0")));
        SampleApp tx = add(apps, SampleApp.start("st2110-tx " + what, image, "mcm-sender", video("st2110-20",
                "-r", "127.0.0.1:" + port, "-f", "30")));
        return new SampleApp[] {rx, tx};
    }

    /** Waits until both apps of a pair have their sessions and frames arrive over the network. */
    private SampleApp[] awaitStreaming(SampleApp[] pair, String what) throws Exception {
        SampleApp rx = pair[0];
        SampleApp tx = pair[1];
        awaitAttached(rx);
        awaitAttached(tx);
        await("ST 2110-20 frames arrive " + what, () -> frames(rx.sessionId()) >= 5, 20_000, rx, tx);
        Map<String, Long> txStats = sessions.get(tx.sessionId()).orElseThrow().stats();
        assertTrue("over the network, not the same-proxy bypass: " + txStats, txStats.getOrDefault("frames_wire", 0L) > 0
                && txStats.getOrDefault("frames_bypass", 0L) == 0);
        assertEquals("st2110-20", sessions.get(rx.sessionId()).orElseThrow().spec().transport());
        return pair;
    }

    private static SampleApp add(List<SampleApp> apps, SampleApp a) {
        apps.add(a);
        return a;
    }

    private void awaitAttached(SampleApp a) throws InterruptedException {
        await(a.name + " attached", () -> a.sessionId() > 0 || !a.alive(), 30_000, a);
        if (a.sessionId() == 0) {
            fail("no session: " + a.output());
        }
        await(a.name + " session active", () -> state(a.sessionId()) == SessionState.ACTIVE, 10_000, a);
    }

    private long frames(long id) {
        return sessions.get(id).map(i -> i.stats().getOrDefault("frames", 0L)).orElse(0L);
    }

    private SessionState state(long id) {
        return sessions.get(id).map(SessionInfo::state).orElse(null);
    }

    private Bundle bundle() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + BSN);
    }

    /** Refreshes the bundles waiting for it (an uninstalled or updated one) and waits until that is done. */
    private void refresh() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh done", done.await(20, TimeUnit.SECONDS));
    }

    /** Same-proxy bypass off: the ST 2110 pair goes over loopback UDP (checked by the sender's counters). */
    private void bypassOff() throws Exception {
        org.osgi.service.cm.Configuration conf = cm.getConfiguration("org.mcm.control.sessions", "?");
        Dictionary<String, Object> p = conf.getProperties() == null ? new Hashtable<>() : conf.getProperties();
        p.put("bypass", "off");
        conf.update(p);
    }

    /** Polls {@code cond} every 5 ms; on a timeout fails with the output of {@code show} (apps, the camera). */
    private static void await(String what, BooleanSupplier cond, long millis, Object... show) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                StringBuilder sb = new StringBuilder("timed out waiting: " + what);
                for (Object a : show) {
                    sb.append("\n").append(a instanceof SampleApp app ? app.output() : a);
                }
                fail(sb.toString());
            }
            Thread.sleep(5);
        }
    }
}
