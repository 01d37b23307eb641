package org.mcm.console.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.mcm.api.session.SessionInfo;

/** Renders the console's data endpoint ({@code data.json}): sessions with rates, transport rows, totals. */
final class ConsoleData {

    private ConsoleData() {
    }

    /**
     * @param managerAvailable false while no SessionManager service is bound (sessions and transports are then empty)
     * @param sessions         sessions as listed by the manager
     * @param transports       rows from {@link TransportRows}
     * @param rates            the rate tracker, updated with these sessions at {@code nanos}
     * @param nowMillis        wall-clock time of the snapshot
     */
    /** A codec service as the tab lists it. */
    record CodecRow(String name, String bundle, String version, String state) {
    }

    static String render(boolean managerAvailable, List<SessionInfo> sessions, List<TransportRows.Row> transports,
            Rates rates, long nanos, long nowMillis) {
        return render(managerAvailable, sessions, transports, List.of(), rates, nanos, nowMillis);
    }

    static String render(boolean managerAvailable, List<SessionInfo> sessions, List<TransportRows.Row> transports,
            List<CodecRow> codecs, Rates rates, long nanos, long nowMillis) {
        Json j = new Json().beginObject();
        j.field("time", nowMillis);
        j.field("managerAvailable", managerAvailable);
        j.name("sessions").beginArray();
        Set<Long> ids = new HashSet<>();
        int open = 0;
        for (SessionInfo s : sessions) {
            ids.add(s.id());
            SessionFigures f = SessionFigures.of(s);
            Rates.Rate r = s.state().isTerminal() ? Rates.Rate.ZERO : rates.update(s.id(), nanos, f);
            if (!s.state().isTerminal()) {
                open++;
            }
            j.beginObject()
                    .field("id", s.id())
                    .field("owner", s.owner())
                    .field("direction", s.spec().direction().name())
                    .field("transport", s.spec().transport())
                    .field("format", s.spec().format().toString())
                    .field("local", s.spec().local().toString())
                    .field("remote", s.spec().remote().toString())
                    .field("state", s.state().name())
                    .field("terminal", s.state().isTerminal())
                    .field("reason", s.reason())
                    .field("created", s.created().toString())
                    .field("frames", f.frames())
                    .field("bytes", f.bytes())
                    .field("bytesEstimated", f.bytesEstimated())
                    .field("lostPackets", f.lostPackets())
                    .field("droppedFrames", f.droppedFrames())
                    .field("fps", round(r.framesPerSecond(), 100))
                    .field("bitrate", Math.round(r.bitsPerSecond()))
                    .field("lossRate", round(r.lossPerSecond(), 100))
                    .field("latencyUs", s.stats().getOrDefault("latency_us_last", -1L))
                    .field("description", s.description())
                    .field("stats", s.stats())
                    .endObject();
        }
        j.endArray();
        rates.retain(ids);
        j.name("transports").beginArray();
        for (TransportRows.Row t : transports) {
            j.beginObject()
                    .field("bundleId", t.bundleId())
                    .field("bundle", t.symbolicName())
                    .field("version", t.version())
                    .field("state", t.state())
                    .field("protocols", t.protocols())
                    .field("description", t.description())
                    .field("activeSessions", t.activeSessions())
                    .field("loaded", t.loaded())
                    .endObject();
        }
        j.endArray();
        j.name("codecs").beginArray();
        for (CodecRow c : codecs) {
            j.beginObject().field("name", c.name()).field("bundle", c.bundle()).field("version", c.version())
                    .field("state", c.state()).endObject();
        }
        j.endArray();
        j.name("totals").beginObject()
                .field("sessionsListed", sessions.size())
                .field("sessionsOpen", open)
                .field("transportsLoaded", transports.stream().filter(TransportRows.Row::loaded).count())
                .endObject();
        return j.endObject().toString();
    }

    private static double round(double v, int scale) {
        return Math.round(v * scale) / (double) scale;
    }
}
