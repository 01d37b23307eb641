package org.mcm.transport.st2110;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
import org.mcm.api.media.MediaFormat;
import org.mcm.api.media.VideoFormat;
import org.mcm.api.transport.Transport;
import org.mcm.api.transport.TransportContext;
import org.mcm.api.transport.TransportException;
import org.mcm.api.transport.TransportSession;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/** The Transport services of this bundle: one component per protocol. */
final class St2110Transports {

    private St2110Transports() {
    }

    /**
     * What the three transport services share: their names, the format check, opening a sender or a receiver with
     * the current settings, and the sessions they opened, closed when the service goes away (bundle stop or update).
     * The DS annotations stay on the concrete components (bnd does not read them from a superclass): their
     * activate/modified/deactivate methods delegate to {@link #configure} and {@link #closeAll}.
     */
    abstract static class Base implements Transport {
        final Set<TransportSession> open = ConcurrentHashMap.newKeySet();
        volatile Settings settings;
        private final String protocol;
        private final String description;
        private final Class<? extends MediaFormat> carries;
        private final String carriesName;

        Base(String protocol, String description, Class<? extends MediaFormat> carries, String carriesName) {
            this.protocol = protocol;
            this.description = description;
            this.carries = carries;
            this.carriesName = carriesName;
        }

        void configure(Settings s) {
            settings = s;
        }

        void closeAll() {
            for (TransportSession s : open) {
                s.close();
            }
            open.clear();
        }

        /** A sender session for a spec whose format this transport carries. */
        abstract TransportSession openTx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException;

        /** A receiver session for a spec whose format this transport carries. */
        abstract TransportSession openRx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException;

        @Override
        public String protocol() {
            return protocol;
        }

        @Override
        public String description() {
            return description;
        }

        @Override
        public Set<Direction> directions() {
            return EnumSet.allOf(Direction.class);
        }

        @Override
        public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
            if (!carries.isInstance(spec.format())) {
                throw new TransportException(protocol + " carries " + carriesName + ", not " + spec.format());
            }
            String tooLarge = DirectArena.frameTooLarge(spec.format().bufferSize(), settings);
            if (tooLarge != null) {
                throw new TransportException(protocol + ": " + tooLarge);
            }
            return track(spec.direction() == Direction.TX ? openTx(spec, ctx, settings) : openRx(spec, ctx, settings));
        }

        @Override
        public java.util.Optional<ConnectionSpec> parseDescription(String sdp) {
            return SdpParser.parse(sdp, protocol);
        }

        TransportSession track(TransportSession s) {
            open.add(s);
            return new TransportSession() {
                @Override
                public org.mcm.api.frame.FrameSink input() {
                    return s.input();
                }

                @Override
                public java.util.Map<String, Long> stats() {
                    return s.stats();
                }

                @Override
                public String description() {
                    return s.description();
                }

                @Override
                public void close() {
                    open.remove(s);
                    s.close();
                }
            };
        }
    }

    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=" + Video.PROTOCOL,
            configurationPid = {"org.mcm.dataplane", "org.mcm.dataplane.run", "org.mcm.transport.st2110"})
    public static final class Video extends Base {
        static final String PROTOCOL = "st2110-20";

        public Video() {
            super(PROTOCOL, "SMPTE ST 2110-20 uncompressed video (RFC 4175, GPM) over kernel UDP", VideoFormat.class,
                    "video");
        }

        @Activate
        @Modified
        void activate(Settings s) {
            configure(s);
        }

        @Deactivate
        void deactivate() {
            closeAll();
        }

        @Override
        TransportSession openTx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new VideoTxSession(spec, ctx, s);
        }

        @Override
        TransportSession openRx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new VideoRxSession(spec, ctx, s);
        }

        /** Lossless: a receiver of the same format gets the sender's very bytes, so the proxy may bypass the network. */
        @Override
        public boolean sameProxyBypass() {
            return true;
        }
    }

    /** Carries the Metatype of the settings PID so the Web Console can edit it (the transports read it too). */
    @Component(service = {}, configurationPid = "org.mcm.transport.st2110")
    @Designate(ocd = Settings.class)
    public static final class SettingsMetatype {
    }

    /**
     * ST 2110-22: present only while a {@code jpegxs} Codec service is (the codec bundle going away takes this
     * transport and its sessions with it, and its return brings it back).
     */
    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=" + Jxs.PROTOCOL,
            configurationPid = {"org.mcm.dataplane", "org.mcm.dataplane.run", "org.mcm.transport.st2110"})
    public static final class Jxs extends Base {
        static final String PROTOCOL = "st2110-22";

        @org.osgi.service.component.annotations.Reference(target = "(" + org.mcm.api.codec.Codec.NAME_PROPERTY + "=jpegxs)")
        org.mcm.api.codec.Codec codec;

        public Jxs() {
            super(PROTOCOL, "SMPTE ST 2110-22 JPEG XS video (RFC 9134 codestream mode) over kernel UDP",
                    VideoFormat.class, "video");
        }

        @Activate
        @Modified
        void activate(Settings s) {
            configure(s);
        }

        @Deactivate
        void deactivate() {
            closeAll();
        }

        @Override
        TransportSession openTx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new JxsSessions.Tx(spec, ctx, s, codec);
        }

        @Override
        TransportSession openRx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new JxsSessions.Rx(spec, ctx, s, codec);
        }
    }

    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=" + Audio.PROTOCOL,
            configurationPid = {"org.mcm.dataplane", "org.mcm.dataplane.run", "org.mcm.transport.st2110"})
    public static final class Audio extends Base {
        static final String PROTOCOL = "st2110-30";

        public Audio() {
            super(PROTOCOL, "SMPTE ST 2110-30 PCM audio (L16/L24) over kernel UDP", AudioFormat.class, "audio");
        }

        @Activate
        @Modified
        void activate(Settings s) {
            configure(s);
        }

        @Deactivate
        void deactivate() {
            closeAll();
        }

        @Override
        TransportSession openTx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new AudioSessions.Tx(spec, ctx, s);
        }

        @Override
        TransportSession openRx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new AudioSessions.Rx(spec, ctx, s);
        }

        /** Lossless: a receiver of the same format gets the sender's very bytes, so the proxy may bypass the network. */
        @Override
        public boolean sameProxyBypass() {
            return true;
        }
    }

    /**
     * ST 2110-40 ancillary data (RFC 8331). Carries a blob format (rate from the {@code rate} option) or a video
     * format whose frame rate it follows; see {@link AncSessions} for the buffer layouts.
     */
    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=" + Anc.PROTOCOL,
            configurationPid = {"org.mcm.dataplane", "org.mcm.dataplane.run", "org.mcm.transport.st2110"})
    public static final class Anc extends Base {
        static final String PROTOCOL = "st2110-40";

        public Anc() {
            super(PROTOCOL, "SMPTE ST 2110-40 ancillary data (RFC 8331) over kernel UDP", MediaFormat.class,
                    "ancillary data");
        }

        @Activate
        @Modified
        void activate(Settings s) {
            configure(s);
        }

        @Deactivate
        void deactivate() {
            closeAll();
        }

        @Override
        TransportSession openTx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new AncSessions.Tx(spec, ctx, s);
        }

        @Override
        TransportSession openRx(ConnectionSpec spec, TransportContext ctx, Settings s) throws TransportException {
            return new AncSessions.Rx(spec, ctx, s);
        }
    }
}
