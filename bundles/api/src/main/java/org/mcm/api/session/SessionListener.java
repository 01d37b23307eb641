package org.mcm.api.session;

/** Told about every state change of any session (register as an OSGi service or pass to the manager). */
@FunctionalInterface
public interface SessionListener {

    void sessionChanged(SessionInfo session);
}
