package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.frame.Frame;
import org.mcm.api.frame.FrameSource;
import org.mcm.api.frame.HeapFrame;
import org.mcm.api.media.BlobFormat;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;
import org.mcm.api.session.SessionState;
import org.mcm.api.session.TransportInfo;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The third-party example transport (bundles/transport-example, built only against the api jar) in the appliance:
 * hot-deployed through the deploy folder (FileInstall), a session written and played back, the bundle replaced in
 * place by a new version (same bundle, updated) and removed; each time only its own sessions end, with the reason,
 * while another transport's session runs on.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExampleTransportIT {

    static final String BSN = "org.mcm.example.transport.file";

    @Inject
    BundleContext context;
    @Inject
    SessionManager sessions;

    @Configuration
    public Option[] config() {
        return Provisioning.appliance();
    }

    @Test
    public void hotDeployRunReplaceInPlaceAndRemove() throws Exception {
        Path deploy = Path.of(context.getProperty("felix.fileinstall.dir"));
        Path jar = deploy.resolve("mcm-transport-example.jar");
        Path built = Path.of(System.getProperty("mcm.example.bundle"));
        BlobFormat fmt = new BlobFormat(256);
        SessionManager.Session other = sessions.create(ConnectionSpec.builder(Direction.TX, "local", new BlobFormat(64))
                .option("group", "example-it").build(), "itest", null);

        // 1. hot deploy
        Files.copy(built, jar);
        Polls.waitFor("file transport visible", () -> transport("file").isPresent(), 20_000);
        Bundle b = bundle();
        long bundleId = b.getBundleId();
        assertEquals("1.0.0", b.getVersion().toString());
        assertEquals("1.0.0", transport("file").orElseThrow().bundleVersion());

        // 2. a sender writes 5 frames, a receiver plays them back into its app's buffers
        String name = "example-it-" + System.nanoTime() + ".mcmf";
        SessionManager.Session tx = sessions.create(ConnectionSpec.builder(Direction.TX, "file", fmt)
                .option("path", name).build(), "itest", null);
        for (int i = 0; i < 5; i++) {
            HeapFrame f = HeapFrame.allocate(256);
            f.data().put(0, (byte) (i + 1));
            f.length(100 + i);
            f.sequence(i);
            assertTrue(tx.input().accept(f));
        }
        assertEquals(Long.valueOf(5), tx.info().stats().get("frames"));
        BlockingQueue<Frame> received = new ArrayBlockingQueue<>(16);
        BlockingQueue<HeapFrame> free = new ArrayBlockingQueue<>(4);
        for (int i = 0; i < 4; i++) {
            free.add(new HeapFrame(ByteBuffer.allocateDirect(256), free::add));
        }
        FrameSource source = new FrameSource() {
            @Override
            public Frame acquire(long timeout, TimeUnit unit) throws InterruptedException {
                return free.poll(timeout, unit);
            }

            @Override
            public int frameCapacity() {
                return 256;
            }
        };
        SessionManager.Session rx = sessions.create(ConnectionSpec.builder(Direction.RX, "file", fmt)
                .option("path", name).option("loop", "true").build(), "itest",
                new SessionManager.AppAttachment(source, received::add));
        for (int i = 0; i < 5; i++) {
            Frame f = received.poll(5, TimeUnit.SECONDS);
            assertNotNull("frame " + i + " played back; " + rx.info(), f);
            assertEquals(100 + i, f.length());
            assertEquals(i + 1, f.data().get(0));
            f.release();
        }
        assertEquals(SessionState.ACTIVE, rx.info().state());

        // 3. a new version replaces it in place: FileInstall updates the same bundle
        Path v2 = Files.createTempDirectory("example-v2").resolve("mcm-transport-example.jar");
        TestBundles.withVersion(built, "1.0.1", v2);
        Files.move(v2, jar, StandardCopyOption.REPLACE_EXISTING);
        Polls.waitFor("updated to 1.0.1", () -> transport("file").map(t -> t.bundleVersion().equals("1.0.1")).orElse(false), 20_000);
        assertEquals("updated in place, same bundle", bundleId, bundle().getBundleId());
        for (SessionManager.Session s : new SessionManager.Session[] {tx, rx}) {
            SessionInfo info = s.info();
            assertEquals(SessionState.TRANSPORT_GONE, info.state());
            assertTrue(info.reason(), info.reason().contains("'file' went away"));
        }
        assertEquals("another transport's session runs on", SessionState.ACTIVE, other.info().state());
        SessionManager.Session tx2 = sessions.create(ConnectionSpec.builder(Direction.TX, "file", fmt)
                .option("path", name).build(), "itest", null);
        HeapFrame f = HeapFrame.allocate(256);
        f.length(10);
        assertTrue("the new version carries frames", tx2.input().accept(f));
        assertEquals(Long.valueOf(1), tx2.info().stats().get("frames"));

        // 4. removed
        Files.delete(jar);
        Polls.waitFor("uninstalled", () -> context.getBundle(bundleId) == null && transport("file").isEmpty(), 20_000);
        assertEquals(SessionState.TRANSPORT_GONE, tx2.info().state());
        assertTrue(tx2.info().reason(), tx2.info().reason().contains("'file' went away"));
        assertEquals(SessionState.ACTIVE, other.info().state());
        other.close();
        Files.deleteIfExists(Path.of(System.getProperty("java.io.tmpdir"), "mcm-file", name));
    }

    private Optional<TransportInfo> transport(String protocol) {
        return sessions.transports().stream().filter(t -> t.protocol().equals(protocol)).findFirst();
    }

    private Bundle bundle() {
        for (Bundle x : context.getBundles()) {
            if (BSN.equals(x.getSymbolicName())) {
                return x;
            }
        }
        throw new AssertionError(BSN + " not installed");
    }
}
