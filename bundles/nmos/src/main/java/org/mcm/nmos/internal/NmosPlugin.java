package org.mcm.nmos.internal;

import java.io.IOException;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.mcm.api.session.SessionManager;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** The Web Console's "NMOS" page ({@code /system/console/nmos}): registry state and IS-05 state per session. */
@Component(service = Servlet.class, property = {
        ServletConstants.PLUGIN_LABEL + "=nmos",
        ServletConstants.PLUGIN_TITLE + "=NMOS",
        ServletConstants.PLUGIN_CATEGORY + "=MCM"})
public class NmosPlugin extends AbstractServlet {

    private static final long serialVersionUID = 1L;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile NmosComponent node;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile SessionManager sessions;

    @Override
    public void renderContent(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        NmosComponent n = node;
        SessionManager m = sessions;
        resp.getWriter().write(n == null || m == null ? StatusPage.html(null, null) : StatusPage.html(n.service(), m));
    }
}
