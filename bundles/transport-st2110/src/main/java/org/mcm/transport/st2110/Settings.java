package org.mcm.transport.st2110;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Settings of the ST 2110 transports (PID org.mcm.transport.st2110) plus the data-plane address and device (org.mcm.dataplane, with this run's -i/-d from org.mcm.dataplane.run laid over it). */
@ObjectClassDefinition(name = "MCM ST 2110 transports", description = "Kernel-socket ST 2110-20, -22, -30 and -40 senders and receivers.")
public @interface Settings {

    @AttributeDefinition(name = "Maximum UDP payload", description = "Bytes per packet including RTP headers (1400 like GStreamer/FFmpeg; ST 2110-10 allows up to 1460, 8960 with jumbo frames).", min = "256", max = "8960")
    int maxUdpPayload() default 1400;

    @AttributeDefinition(name = "Pacing", description = "wide: spread each frame's packets over the active period in small batches (ST 2110-21 TPW); none: send as fast as possible.", options = {
            @org.osgi.service.metatype.annotations.Option(label = "wide (2110TPW)", value = "wide"),
            @org.osgi.service.metatype.annotations.Option(label = "none", value = "none")})
    String pacing() default "wide";

    @AttributeDefinition(name = "Socket buffer (bytes)", description = "SO_SNDBUF / SO_RCVBUF requested per socket (the kernel caps it at net.core.[rw]mem_max).", min = "65536")
    int socketBuffer() default 33_554_432;

    @AttributeDefinition(name = "Kernel fast path", description = "auto: send ST 2110-20 with UDP segmentation offload through the native fragment when it is installed (single-line packets); off: plain Java sockets.", options = {
            @org.osgi.service.metatype.annotations.Option(label = "auto", value = "auto"),
            @org.osgi.service.metatype.annotations.Option(label = "off", value = "off")})
    String fastPath() default "auto";

    @AttributeDefinition(name = "Receive offload", description = "Fast-path receivers ask the kernel for coalesced datagrams (UDP_GRO): fewer, larger receives; on loopback a sender's segmentation batch arrives unsplit.")
    boolean receiveOffload() default true;

    @AttributeDefinition(name = "Multicast TTL")
    int multicastTtl() default 16;

    @AttributeDefinition(name = "Sender queue (frames)", description = "Frames waiting to be sent; more are dropped and counted.", min = "1")
    int txQueueFrames() default 4;

    @AttributeDefinition(name = "Late frames (video senders)", description = "How a paced sender works off frames that queued up (a frame starts when the app hands it over, at most one per frame period otherwise). catchup: a frame that starts late (it waited behind the previous one) is spread over what is left of an active period after its hand-over, but never faster than the catch-up speed-up below allows (with the default 1 queued frames go out back to back at the on-time packet rate); nothing is dropped. drop (live): as catchup, and a frame that would start over a frame period late while a newer one waits is not sent (frames_dropped_late). keep (playback): strictly one frame per frame period, in order; use it for apps that put frames as fast as they get buffers and rely on the proxy to pace them. Connection option tx_late overrides it per session.", options = {
            @org.osgi.service.metatype.annotations.Option(label = "catchup", value = "catchup"),
            @org.osgi.service.metatype.annotations.Option(label = "drop (live)", value = "drop"),
            @org.osgi.service.metatype.annotations.Option(label = "keep (playback)", value = "keep")})
    String txLate() default "catchup";

    @AttributeDefinition(name = "Catch-up speed-up (video senders)", description = "How much faster than an on-time frame's a late frame's packets may go out (catchup and drop), from 1 to 4. 1 (default): never above the packet rate inside an on-time frame, as ST 2110-21 receivers sized for the sender's rate expect; a one-frame backlog takes ~25 frames to work off. 2: a late frame may be spread over half the active period, so a backlog is gone in a few frames and a late hand-over costs no latency, at the price of bursts at twice the rate, which a narrow (-21) receiver may not absorb. Connection option tx_catchup overrides it per session.", min = "1", max = "4")
    double txCatchupSpeedup() default 1.0;

    @AttributeDefinition(name = "Lead (µs, ST 2110-20 senders)", description = "0 (default): a paced ST 2110-20 sender spreads an on-time frame's packets over the whole active period (1080/1125 of the frame period, ST 2110-21's gapped read schedule), so its last packet leaves ~16.0 ms after the app's hand-over at 1080p60. 1 to 2000: they are spread over the active period less this time, so every frame's last packet leaves this much sooner (end-to-end latency falls by as much) and a hand-over up to this much late no longer waits behind the previous frame. The sender then runs up to this much ahead of the gapped schedule (~270 packets per ms at 1080p60): within what an ST 2110-21 wide (TPW) receiver buffers (at least 720 packets), not a narrow one. A session where this plus the pacing granularity and one segmentation batch would come to more packets than a wide receiver buffers for its format is refused. Connection option tx_lead_us overrides it per session.", min = "0", max = "2000")
    int txLeadUs() default 0;

    @AttributeDefinition(name = "Pacing granularity (µs, video senders)", description = "How often a paced ST 2110-20 sender on the kernel fast path wakes up: the UDP segmentation batches (up to ~53 packets each) due within this time of a group's first are sent together with one system call (sendmmsg) when the first is due. 500 (default): ~28 wake-ups and sends per 1080p60 frame, in bursts of up to this long's worth of packets at line rate (~140 packets at 1080p60, ~560 at 2160p60) sent up to this much ahead of their ideal time: within what an ST 2110-21 wide (TPW) receiver buffers (at least 720 packets), which the SDP declares, not a narrow one. 0: one wake-up and one send per batch (~82 per 1080p frame, bursts of one batch), about a third more CPU per stream. 0 to 2000.", min = "0", max = "2000")
    int txPaceGranularityUs() default 500;

    @AttributeDefinition(name = "One pacing thread (video senders)", description = "false (default): each paced ST 2110-20 sender on the kernel fast path has its own sending thread. true: they share one, which wakes once per pacing-granularity interval of a common grid and sends every sender's batches due in it (N senders: one wake-up an interval instead of N; each batch still leaves at most the granularity before its send time). Measured with four 1080p60 pairs whose receivers run in the same proxy: no less CPU, since each send wakes a local receiving thread that then preempts the shared thread (with txRealtimePriority it is not preempted: about a third fewer context switches, still no less CPU on the test VM). Together with rxWakeIntervalUs=1000 the receivers are no longer woken by the sends: ~10 % less CPU there, at the price of a worse tail latency when this one thread is stalled.")
    boolean txSharedPacer() default false;

    @AttributeDefinition(name = "Receive wake interval (µs, ST 2110-20 receivers)", description = "-1 (default, auto): 1000 when the receive buffer the kernel granted the session's socket holds 40 ms of its stream counted at twice its size (the kernel's bookkeeping; ~25 MB at 1080p60 10-bit: a proxy running as root or with CAP_NET_ADMIN gets the 64 MiB that socketBuffer's default asks for, otherwise net.core.rmem_max caps it), else 0; the session's stats say which (rx_wake_interval_us, rx_wake_auto, socket_receive_buffer). 0: an ST 2110-20 receiver on the kernel fast path reads its socket as soon as datagrams arrive, which at 1080p60 wakes its thread ~45 times a frame (once or twice per sender burst). 1 to 2000: while a frame's datagrams are coming, the thread reads at most once per this interval and takes everything that arrived meanwhile in one go; the first datagram of a frame and the frame's last stretch (what comes in 1.5 intervals) are read as they arrive, so the frame is handed on right after its last packet as before. At 1000: ~20 reads a frame instead of ~45, and a sender in the same proxy is no longer preempted by its receiver at each burst (measured: ~9 % less proxy CPU at four 1080p60 pairs, the same latency); the socket holds up to one interval more of the stream (~330 KB a millisecond at 1080p60 10-bit; see socketBuffer). Connection option rx_wake_us (auto, or 0 to 2000) overrides it per session.", min = "-1", max = "2000")
    int rxWakeIntervalUs() default -1;

    @AttributeDefinition(name = "Real-time priority (video senders)", description = "0 (default): off. 1 to 49: a paced ST 2110-20 sender's thread asks for SCHED_FIFO at this priority, so its wake-ups between batches are not delayed behind ordinary threads on a busy machine (the pacing thread sleeps between batches). Granted when the proxy runs as root or has CAP_SYS_NICE; otherwise one WARN line, the session's tx_realtime_refused stat is 1 and it runs as with 0.", min = "0", max = "49")
    int txRealtimePriority() default 0;

    @AttributeDefinition(name = "Largest frame (MiB)", description = "Sessions whose frames are larger are refused (a 1080p 10-bit frame is 5 MiB, 4K 21 MiB, 8K 4:2:2 10-bit 83 MiB).", min = "1")
    long maxFrameMiB() default 256;

    @AttributeDefinition(name = "Buffers per session (MiB)", description = "Direct memory one session may hold for its frame buffers (a 1080p receiver that converts to planar holds 8 staging frames, ~40 MiB); more is refused.", min = "1")
    long maxSessionMemoryMiB() default 1024;

    @AttributeDefinition(name = "Buffers in all (MiB)", description = "Direct memory all ST 2110 sessions together may hold; a session that would exceed it is refused. The default fits a 24 GiB machine (the JVM's own direct-memory ceiling is a quarter of RAM unless -XX:MaxDirectMemorySize says otherwise).", min = "1")
    long maxMemoryMiB() default 4096;

    /** Data-plane address, from the org.mcm.dataplane configuration (-i/--ip). */
    @AttributeDefinition(name = "Data-plane IP (from org.mcm.dataplane)")
    String ip() default "127.0.0.1";

    /** Data-plane device, from the org.mcm.dataplane configuration (-d/--dev): kernel:&lt;if&gt; picks the multicast interface. */
    @AttributeDefinition(name = "Data-plane device (from org.mcm.dataplane)")
    String device() default "";
}
