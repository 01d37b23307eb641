/**
 * MCM API: services of the proxy core for the proxy's other front ends (the gRPC control plane, the console):
 * the proxy-wide counters and the command-line flags of this run.
 * <p>Both are provided by the control bundle (provider types); front ends such as the gRPC bundle
 * ({@code org.mcm.control.grpc}) and the console use them, so they can be stopped, updated or replaced without the
 * session manager and the SDK port.
 *
 * <h2>Compatibility contract</h2>
 * As for the other api packages (see {@code org.mcm.api.session}): exported and semantically versioned, compared
 * with the released API on every build; methods may be added to these provider types in a minor step (this file's
 * version and the api bundle's version); removals and changed signatures bump the major version.
 *
 * @since api bundle 1.1
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.mcm.api.control;
