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

    @Override
    public void sessionChanged(SessionInfo session) {
        if (session.state() == SessionState.TRANSPORT_GONE || session.state() == SessionState.FAILED) {
            AppLink link = links.remove(session.id());
            if (link != null) {
                link.close("session " + session.id() + " " + session.state() + ": " + session.reason());
            }
        }
    }
}
