package org.mcm.nmos.internal;

import java.util.Comparator;
import java.util.List;

import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionManager;

/** The Web Console page's HTML: the node, its registry state and the IS-05 state of every session. */
final class StatusPage {

    private StatusPage() {
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String html(NmosService node, SessionManager sessions) {
        StringBuilder b = new StringBuilder();
        if (node == null) {
            return "<p class='statline'>The NMOS node is not running (disabled, or its port could not be opened: see the log).</p>";
        }
        Model.Snapshot snap = node.snapshot();
        Registrar r = node.registrar();
        String base = snap.node().body().getString("href");
        b.append("<table class='nicetable'><thead><tr><th colspan='2'>NMOS node</th></tr></thead><tbody>");
        row(b, "Node id", snap.node().id());
        row(b, "Node API", base + "x-nmos/node/v1.3/");
        row(b, "Connection API", base + "x-nmos/connection/v1.1/");
        row(b, "Registration", r == null ? "-" : r.status);
        row(b, "DNS-SD", node.discoveryStatus);
        row(b, "Registrations / heartbeats / failovers", r == null ? "-"
                : r.registrations.sum() + " / " + r.heartbeats.sum() + " / " + r.failovers.sum());
        row(b, "API requests / refused", node.http().requests.sum() + " / " + node.http().badRequests.sum());
        IdlePool pool = node.pool();
        if (pool != null && (!pool.slots().isEmpty() || !node.idleStatus.isEmpty())) {
            StringBuilder idle = new StringBuilder(node.idleStatus);
            for (IdlePool.Slot sl : pool.slots()) {
                idle.append(idle.length() == 0 ? "" : "; ").append(sl.key()).append(sl.sessionId == 0 ? " idle" : " session " + sl.sessionId)
                        .append(" (app: memif ").append(sl.socketPath).append(')');
            }
            row(b, "Idle receivers", idle.toString());
        }
        b.append("</tbody></table><br/>");
        b.append("<table class='nicetable'><thead><tr><th>Session</th><th>Role</th><th>Id</th><th>Session state</th>"
                + "<th>master_enable</th><th>Peer</th><th>Pending activation</th><th>Last result</th></tr></thead><tbody>");
        List<Connections.Port> ports = node.connections().ports();
        ports.sort(Comparator.comparingLong(p -> p.sessionId));
        for (Connections.Port p : ports) {
            SessionInfo s = sessions.get(p.sessionId).orElse(null);
            String peer;
            boolean master;
            String pending;
            synchronized (p) {
                peer = p.active.peerId == null ? "-" : p.active.peerId;
                master = p.active.masterEnable;
                pending = p.activationTime == null ? "-" : p.mode + " at " + p.activationTime;
            }
            b.append("<tr><td>").append(p.sessionId == 0 ? "-" : Long.toString(p.sessionId)).append("</td><td>")
                    .append(p.sender ? "sender" : p.slot != null ? "receiver " + esc(p.slot.key()) : "receiver")
                    .append("</td><td>").append(esc(p.id)).append("</td><td>")
                    .append(s == null ? "-" : esc(s.state() + (s.reason().isEmpty() ? "" : " (" + s.reason() + ")")))
                    .append("</td><td>").append(master).append("</td><td>").append(esc(peer)).append("</td><td>")
                    .append(esc(pending)).append("</td><td>").append(esc(p.lastResult)).append("</td></tr>");
        }
        if (ports.isEmpty()) {
            b.append("<tr><td colspan='8'>No ST 2110 session: no sender or receiver.</td></tr>");
        }
        b.append("</tbody></table>");
        return b.toString();
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v)).append("</td></tr>");
    }
}
