package org.mcm.console.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.mcm.api.session.TransportInfo;

/**
 * The console's transport table: one row per bundle that provides (or declares that it provides) a Transport
 * service, whether it is running or not, so a stopped transport bundle stays listed with a start button. The
 * protocols a bundle spoke are remembered while it is stopped.
 */
final class TransportRows {

    /** What the console knows about one installed bundle. */
    record BundleFacts(long id, String symbolicName, String version, String state, Set<String> serviceProtocols,
            boolean declaresTransport) {
    }

    /** One row of the table. */
    record Row(long bundleId, String symbolicName, String version, String state, Set<String> protocols,
            String description, int activeSessions, boolean loaded) {
    }

    private final Map<Long, Set<String>> remembered = new HashMap<>();

    /**
     * @param loaded  the transports the session manager sees now
     * @param bundles the bundles installed now
     */
    synchronized List<Row> rows(List<TransportInfo> loaded, List<BundleFacts> bundles) {
        List<Row> rows = new ArrayList<>();
        List<TransportInfo> unmatched = new ArrayList<>(loaded);
        for (BundleFacts b : bundles) {
            Set<String> protocols = new TreeSet<>(b.serviceProtocols());
            List<String> descriptions = new ArrayList<>();
            int active = 0;
            boolean isLoaded = false;
            for (TransportInfo t : loaded) {
                if (t.bundle().equals(b.symbolicName()) && t.bundleVersion().equals(b.version())) {
                    protocols.add(t.protocol());
                    descriptions.add(t.protocol() + ": " + t.description());
                    active += t.activeSessions();
                    isLoaded = true;
                    unmatched.remove(t);
                }
            }
            if (!protocols.isEmpty()) {
                remembered.put(b.id(), Set.copyOf(protocols));
            } else if (remembered.containsKey(b.id())) {
                protocols.addAll(remembered.get(b.id()));
            } else if (!b.declaresTransport()) {
                continue;
            }
            rows.add(new Row(b.id(), b.symbolicName(), b.version(), b.state(), protocols,
                    String.join("; ", descriptions), active, isLoaded));
        }
        for (TransportInfo t : unmatched) {
            // not matched to an installed bundle (should not happen): still show it, without bundle buttons
            rows.add(new Row(-1, t.bundle(), t.bundleVersion(), "UNKNOWN", Set.of(t.protocol()),
                    t.protocol() + ": " + t.description(), t.activeSessions(), true));
        }
        Set<Long> ids = new TreeSet<>();
        bundles.forEach(b -> ids.add(b.id()));
        remembered.keySet().retainAll(ids);
        rows.sort(Comparator.comparing((Row r) -> r.protocols().isEmpty() ? "~" : r.protocols().iterator().next())
                .thenComparingLong(Row::bundleId));
        return rows;
    }
}
