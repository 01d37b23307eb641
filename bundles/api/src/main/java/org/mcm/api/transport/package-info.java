/**
 * MCM API: transport. Exported, semantically versioned: a change that breaks a consumer bumps the major version.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.mcm.api.transport;
