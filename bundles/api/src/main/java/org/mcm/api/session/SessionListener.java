package org.mcm.api.session;

import org.osgi.annotation.versioning.ConsumerType;

/** Told about every state change of any session (register as an OSGi service or pass to the manager). */
@ConsumerType
@FunctionalInterface
public interface SessionListener {

    void sessionChanged(SessionInfo session);
}
