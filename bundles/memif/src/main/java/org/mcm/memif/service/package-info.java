/**
 * memif service API for other bundles (the proxy's control bundle). Exported, semantically versioned.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.mcm.memif.service;
