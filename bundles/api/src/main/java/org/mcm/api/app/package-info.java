/**
 * MCM API: the app-side data path of a session (apps attach over shared memory, e.g. memif).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.mcm.api.app;
