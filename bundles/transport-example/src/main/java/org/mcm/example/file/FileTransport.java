package org.mcm.example.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.Rational;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@code file} transport: a TX session writes the app's frames to a file or named pipe (connection option
 * {@code path}, relative to the configured directory), an RX session reads such a file and hands its frames to the
 * app at the session's frame rate. The file is a sequence of records ({@link RecordFormat}).
 */
@Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=" + FileTransport.PROTOCOL,
        configurationPid = FileTransport.PID)
@Designate(ocd = FileTransport.Config.class)
public final class FileTransport implements Transport {

    public static final String PROTOCOL = "file";
    public static final String PID = "org.mcm.example.transport.file";

    @ObjectClassDefinition(name = "MCM example transport: file",
            description = "Writes TX sessions' frames to files or named pipes and plays files back to RX sessions.")
    public @interface Config {
        @AttributeDefinition(description = "Directory the connection option 'path' is resolved in; a path may not "
                + "leave it. Empty: <java.io.tmpdir>/mcm-file.")
        String directory() default "";

        @AttributeDefinition(description = "Frame rate of RX sessions whose format has none (blobs), frames per second.")
        int blobFps() default 30;
    }

    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private volatile Path directory;
    private volatile int blobFps = 30;

    /** For tests and for use outside OSGi. */
    public FileTransport(Path directory) {
        this.directory = directory;
    }

    @Activate
    public FileTransport(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        directory = config.directory().isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "mcm-file")
                : Path.of(config.directory());
        blobFps = Math.max(1, config.blobFps());
    }

    @Override
    public String protocol() {
        return PROTOCOL;
    }

    @Override
    public String description() {
        return "example: frames to and from files or named pipes in " + directory;
    }

    @Override
    public Set<Direction> directions() {
        return EnumSet.allOf(Direction.class);
    }

    @Override
    public TransportSession open(ConnectionSpec spec, TransportContext context) throws TransportException {
        Path file = resolve(spec);
        long frameNanos = frameNanos(spec.format());
        boolean loop = Boolean.parseBoolean(spec.options().getOrDefault("loop", "false"));
        for (String key : spec.options().keySet()) {
            if (!key.equals("path") && !key.equals("loop")) {
                throw new TransportException("unknown option '" + key + "' (file knows path, loop)");
            }
        }
        if (spec.direction() == Direction.TX) {
            return track(new FileSender(file, context, open::remove));
        }
        if (context.frameSource() == null || context.output() == null) {
            throw new TransportException("a file receiver needs an app attached");
        }
        if (!Files.exists(file)) {
            throw new TransportException("no such file: " + file);
        }
        return track(new FileReceiver(file, frameNanos, loop, context, open::remove));
    }

    private <T extends AutoCloseable> T track(T session) {
        open.add(session);
        return session;
    }

    Path resolve(ConnectionSpec spec) throws TransportException {
        String p = spec.options().get("path");
        if (p == null || p.isBlank()) {
            throw new TransportException("a file connection needs the option 'path'");
        }
        Path dir = directory.toAbsolutePath().normalize();
        Path file = dir.resolve(p).normalize();
        if (!file.startsWith(dir) || file.equals(dir)) {
            throw new TransportException("path '" + p + "' leaves the directory " + dir);
        }
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new TransportException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        return file;
    }

    long frameNanos(MediaFormat format) {
        if (format instanceof VideoFormat v) {
            Rational r = v.frameRate();
            return 1_000_000_000L * r.denominator() / r.numerator();
        }
        if (format instanceof AudioFormat a) {
            return a.packetTime().nanos();
        }
        return 1_000_000_000L / blobFps;
    }

    /** The bundle is stopping: every session this transport opened stops now (the proxy closes them too). */
    @Deactivate
    void deactivate() {
        for (AutoCloseable s : open) {
            try {
                s.close();
            } catch (Exception e) {
                // close() of our sessions does not throw
            }
        }
    }
}
