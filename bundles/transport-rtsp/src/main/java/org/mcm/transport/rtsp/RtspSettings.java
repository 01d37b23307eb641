package org.mcm.transport.rtsp;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Settings of the RTSP transport (PID org.mcm.transport.rtsp) plus the data-plane address (org.mcm.dataplane). */
@ObjectClassDefinition(name = "MCM RTSP transport", description = "RTP/H.264 receivers (cameras pushing RTP, upstream payload type 5), the RTSP server that publishes TX sessions, and the RTSP client.")
public @interface RtspSettings {

    @AttributeDefinition(name = "RTSP server port", description = "TCP port of the RTSP server that publishes TX sessions as rtsp://<bind>:<port>/<name> (0: no server).", min = "0", max = "65535")
    int rtspPort() default 8554;

    @AttributeDefinition(name = "RTSP server bind address", description = "Address the RTSP server listens on (loopback by default: publish on a network only on purpose).")
    String rtspBind() default "127.0.0.1";

    @AttributeDefinition(name = "RTSP server user", description = "With a password: clients must authenticate (Basic or Digest). Empty: no authentication.")
    String rtspUser() default "";

    @AttributeDefinition(name = "RTSP server password", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String rtspPassword() default "";

    @AttributeDefinition(name = "Socket buffer (bytes)", description = "SO_RCVBUF / SO_SNDBUF requested per RTP socket (the kernel caps it at net.core.[rw]mem_max).", min = "65536")
    int socketBuffer() default 4_194_304;

    @AttributeDefinition(name = "Maximum RTP packet", description = "Bytes per RTP packet the server sends, headers included.", min = "256", max = "8960")
    int maxRtpPacket() default 1400;

    @AttributeDefinition(name = "RTSP session timeout (s)", description = "A client session ends after this long without an RTSP request and, over UDP, without RTCP from the client (announced in the Session header).", min = "2", max = "3600")
    int sessionTimeout() default 60;

    @AttributeDefinition(name = "Batched UDP send", description = "Send an access unit to all UDP clients with one sendmmsg, each client's packets with UDP segmentation offload (needs the native fragment; off: one send per packet and client).")
    boolean sendOffload() default true;

    /** Data-plane address, from the org.mcm.dataplane configuration (-i/--ip). */
    @AttributeDefinition(name = "Data-plane IP (from org.mcm.dataplane)")
    String ip() default "127.0.0.1";
}
