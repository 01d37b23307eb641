package org.mcm.control.internal.sessions;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.mcm.api.connection.ConnectionSpec;
import org.mcm.api.connection.Direction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Same-proxy bypass: pairs a sender session with a receiver session of this proxy that its frames would reach
 * through the network, and lets the sender hand its frames to the receiver's app in shared memory instead.
 *
 * <p>A pair forms when: both use the same transport and that transport allows it ({@code sameProxyBypass}); the
 * sender's destination is unicast to this proxy (its media address, {@code -i}, or a loopback address) at the port
 * the receiver listens on; the receiver listens for unicast (no multicast group) and has an app attached; the
 * formats are equal; the RTP payload types do not contradict (equal, or one side the default 0); and neither the
 * proxy setting nor either session's option {@code bypass} says {@code off}. Multicast destinations always go on
 * the wire (other hosts may listen). A receiver is fed by one sender, a sender feeds one receiver (the oldest
 * candidate). Pairs form and part whenever sessions come and go, in any order; a sender whose receiver leaves
 * goes on over the network at once.
 */
final class BypassRouter {

    private static final Logger LOG = LoggerFactory.getLogger(BypassRouter.class);

    /** Sessions that could take part (transport allows it), open or opening. Guarded by this. */
    private final List<SessionImpl> members = new ArrayList<>();
    private volatile boolean enabled = true;
    private volatile String mediaIp = "127.0.0.1";

    /** {@code auto} (default) or {@code off}; an unknown value is treated as {@code auto} with a warning. */
    synchronized void configure(String mode, String ip) {
        String m = mode == null ? "auto" : mode.trim().toLowerCase(Locale.ROOT);
        if (!m.equals("auto") && !m.equals("off")) {
            LOG.warn("bypass setting '{}' is neither auto nor off; using auto", mode);
            m = "auto";
        }
        mediaIp = ip == null || ip.isBlank() ? "127.0.0.1" : ip.trim();
        boolean on = m.equals("auto");
        if (on != enabled) {
            LOG.info("same-proxy bypass {}", on ? "on (auto)" : "off: every sender uses the network");
        }
        enabled = on;
        rematch();
    }

    String mediaIp() {
        return mediaIp;
    }

    /** Takes a session in (before its transport opens, so a receiver is gated before any packet arrives). */
    synchronized void add(SessionImpl s) {
        if (!s.transport.sameProxyBypass()) {
            return;
        }
        members.add(s);
        rematch();
    }

    /** Lets a session go (ended, or its transport failed to open); its partner goes back to the network. */
    synchronized void remove(SessionImpl s) {
        if (!members.remove(s)) {
            return;
        }
        unpair(s);
        rematch();
    }

    private void unpair(SessionImpl s) {
        if (s.spec.direction() == Direction.TX) {
            SessionImpl rx = s.bypassTo;
            if (rx != null) {
                s.bypassTo = null;
                rx.bypassFrom = null;
                rx.gate.bypassed(false);
                LOG.info("bypass {} -> {} ended: the sender uses the network", s.id, rx.id);
            }
        } else {
            SessionImpl tx = s.bypassFrom;
            if (tx != null) {
                tx.bypassTo = null;
                s.bypassFrom = null;
                s.gate.bypassed(false);
                LOG.info("bypass {} -> {} ended: the sender uses the network", tx.id, s.id);
            }
        }
    }

    /** Drops pairs that no longer qualify and forms the ones that now do, oldest sessions first. */
    private void rematch() {
        List<SessionImpl> byAge = new ArrayList<>(members);
        byAge.sort(Comparator.comparingLong(x -> x.id));
        for (SessionImpl tx : byAge) {
            SessionImpl rx = tx.bypassTo;
            if (rx != null && !(enabled && qualifies(tx, rx))) {
                unpair(tx);
            }
        }
        if (!enabled) {
            return;
        }
        for (SessionImpl tx : byAge) {
            if (tx.spec.direction() != Direction.TX || tx.bypassTo != null || tx.state().isTerminal()) {
                continue;
            }
            for (SessionImpl rx : byAge) {
                if (rx.spec.direction() == Direction.RX && rx.bypassFrom == null && !rx.state().isTerminal()
                        && qualifies(tx, rx)) {
                    rx.gate.bypassed(true); // before the sender's first frame goes to it
                    rx.bypassFrom = tx;
                    tx.bypassTo = rx;
                    LOG.info("bypass {} -> {}: {} to {} on this proxy goes through shared memory, not the network",
                            tx.id, rx.id, tx.spec.transport(), tx.spec.remote());
                    break;
                }
            }
        }
    }

    private boolean qualifies(SessionImpl tx, SessionImpl rx) {
        ConnectionSpec t = tx.spec;
        ConnectionSpec r = rx.spec;
        if (rx.gate == null || tx.transport != rx.transport || !t.transport().equals(r.transport())
                || off(t) || off(r) || !t.format().equals(r.format())) {
            return false;
        }
        if (t.payloadType() != 0 && r.payloadType() != 0 && t.payloadType() != r.payloadType()) {
            return false;
        }
        if (t.remote().port() == 0 || t.remote().port() != r.local().port()) {
            return false;
        }
        if (!r.remote().host().isEmpty() && isMulticast(r.remote().host())
                || !r.local().host().isEmpty() && isMulticast(r.local().host())) {
            return false; // a multicast receiver: its sender's stream is for other hosts too
        }
        return toThisProxy(t.remote().host());
    }

    static boolean off(ConnectionSpec s) {
        String v = s.options().get("bypass");
        return v != null && v.trim().equalsIgnoreCase("off");
    }

    /** Unicast to this proxy's media address or to a loopback address. Literals and local names only. */
    boolean toThisProxy(String host) {
        if (host.isEmpty()) {
            return false;
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            if (a.isMulticastAddress()) {
                return false;
            }
            return a.isLoopbackAddress() || a.equals(InetAddress.getByName(mediaIp));
        } catch (java.io.IOException | SecurityException e) {
            return false;
        }
    }

    private static boolean isMulticast(String host) {
        try {
            return InetAddress.getByName(host).isMulticastAddress();
        } catch (java.io.IOException | SecurityException e) {
            return false;
        }
    }

    /**
     * The name of the buffer pool that a pooled app (the SDK's pooled mode) of this spec shares with the partner
     * it could be paired with, so a bypassed frame passes without a copy; empty when the spec cannot take part.
     */
    String poolKey(ConnectionSpec spec, boolean transportAllows) {
        if (!transportAllows || off(spec) || !enabled) {
            return "";
        }
        int port;
        if (spec.direction() == Direction.TX) {
            if (!toThisProxy(spec.remote().host())) {
                return "";
            }
            port = spec.remote().port();
        } else {
            if (!spec.remote().host().isEmpty() && isMulticast(spec.remote().host())) {
                return "";
            }
            port = spec.local().port();
        }
        return port == 0 ? "" : "bypass/" + spec.transport() + "/" + port + "/" + spec.format().bufferSize();
    }
}
