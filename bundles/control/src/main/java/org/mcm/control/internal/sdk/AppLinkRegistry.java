package org.mcm.control.internal.sdk;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.mcm.api.app.AppLink;
import org.mcm.api.session.SessionInfo;
import org.mcm.api.session.SessionListener;
import org.mcm.api.session.SessionState;
import org.osgi.service.component.annotations.Component;

/**
 * The app links of all SDK sessions. A session that ends on the proxy side (its transport went away or failed)
 * detaches its app at once, with the reason, so the app's next get/put fails instead of waiting on a dead stream.
 * A component of its own, referencing nothing: the session manager binds it as a listener without a reference
 * cycle through the SDK listener (which needs the session manager).
 */
@Component(service = {AppLinkRegistry.class, SessionListener.class})
public final class AppLinkRegistry implements SessionListener {

    private final Map<Long, AppLink> links = new ConcurrentHashMap<>();

    Map<Long, AppLink> links() {
        return links;
    }

    /**
     * A session that ends while its app is still linked (its transport went away, it failed, a controller deleted
     * it) detaches the app with the reason. The SDK handler takes a link out of here before it ends a session
     * itself, so an app's own destroy or disconnect never comes back to it.
     */
    @Override
    public void sessionChanged(SessionInfo session) {
        if (session.state().isTerminal()) {
            AppLink link = links.remove(session.id());
            if (link != null) {
                link.close(appReason(session.state(), session.reason()));
            }
        }
    }

    /** Bytes of reason a memif DISCONNECT carries (its 96-byte field with the NUL). */
    static final int REASON_BYTES = 95;

    /**
     * The reason as the app receives it: the state and the reason, within the memif DISCONNECT field. The app
     * knows its own session, so no id; a reason longer than the field is cut at a character boundary and marked
     * with "..." (the whole text stays in ListConnections).
     */
    static String appReason(SessionState state, String reason) {
        String full = state + ": " + (reason == null ? "" : reason);
        byte[] b = full.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length <= REASON_BYTES) {
            return full;
        }
        StringBuilder out = new StringBuilder();
        int used = 3;
        for (int i = 0; i < full.length(); ) {
            int cp = full.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (used + n > REASON_BYTES) {
                break;
            }
            out.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return out.append("...").toString();
    }
}
