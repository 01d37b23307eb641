package org.mcm.transport.st2110;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.mcm.api.media.AudioFormat;
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

    /** Sessions opened by one transport service; closed when the service goes away (bundle stop or update). */
    abstract static class Base implements Transport {
        final Set<TransportSession> open = ConcurrentHashMap.newKeySet();
        volatile Settings settings;

        void configure(Settings s) {
            settings = s;
        }

        void closeAll() {
            for (TransportSession s : open) {
                s.close();
            }
            open.clear();
        }

        @Override
        public Set<Direction> directions() {
            return EnumSet.allOf(Direction.class);
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

    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=st2110-20",
            configurationPid = {"org.mcm.dataplane", "org.mcm.transport.st2110"})
    public static final class Video extends Base {
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
        public String protocol() {
            return "st2110-20";
        }

        @Override
        public String description() {
            return "SMPTE ST 2110-20 uncompressed video (RFC 4175, GPM) over kernel UDP";
        }

        @Override
        public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
            if (!(spec.format() instanceof VideoFormat)) {
                throw new TransportException("st2110-20 carries video, not " + spec.format());
            }
            return track(spec.direction() == Direction.TX ? new VideoTxSession(spec, ctx, settings)
                    : new VideoRxSession(spec, ctx, settings));
        }

        @Override
        public java.util.Optional<ConnectionSpec> parseDescription(String sdp) {
            return SdpParser.parse(sdp, "st2110-20");
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
    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=st2110-22",
            configurationPid = {"org.mcm.dataplane", "org.mcm.transport.st2110"})
    public static final class Jxs extends Base {
        @org.osgi.service.component.annotations.Reference(target = "(" + org.mcm.api.codec.Codec.NAME_PROPERTY + "=jpegxs)")
        org.mcm.api.codec.Codec codec;

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
        public String protocol() {
            return "st2110-22";
        }

        @Override
        public String description() {
            return "SMPTE ST 2110-22 JPEG XS video (RFC 9134 codestream mode) over kernel UDP";
        }

        @Override
        public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
            if (!(spec.format() instanceof VideoFormat)) {
                throw new TransportException("st2110-22 carries video, not " + spec.format());
            }
            return track(spec.direction() == Direction.TX ? new JxsSessions.Tx(spec, ctx, settings, codec)
                    : new JxsSessions.Rx(spec, ctx, settings, codec));
        }

        @Override
        public java.util.Optional<ConnectionSpec> parseDescription(String sdp) {
            return SdpParser.parse(sdp, "st2110-22");
        }
    }

    @Component(service = Transport.class, property = Transport.PROTOCOL_PROPERTY + "=st2110-30",
            configurationPid = {"org.mcm.dataplane", "org.mcm.transport.st2110"})
    public static final class Audio extends Base {
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
        public String protocol() {
            return "st2110-30";
        }

        @Override
        public String description() {
            return "SMPTE ST 2110-30 PCM audio (L16/L24) over kernel UDP";
        }

        @Override
        public TransportSession open(ConnectionSpec spec, TransportContext ctx) throws TransportException {
            if (!(spec.format() instanceof AudioFormat)) {
                throw new TransportException("st2110-30 carries audio, not " + spec.format());
            }
            return track(spec.direction() == Direction.TX ? new AudioSessions.Tx(spec, ctx, settings)
                    : new AudioSessions.Rx(spec, ctx, settings));
        }

        @Override
        public java.util.Optional<ConnectionSpec> parseDescription(String sdp) {
            return SdpParser.parse(sdp, "st2110-30");
        }
    }
}
