/**
 * The MCM SDK for Java media apps.
 *
 * <p>An app builds an {@link org.mcm.sdk.McmClient} (proxy address from arguments or from the environment
 * variables {@code MCM_MEDIA_PROXY_IP} / {@code MCM_MEDIA_PROXY_PORT}), creates a TX or RX
 * {@link org.mcm.sdk.Connection} for a media format and a transport, then loops: get a buffer
 * ({@link org.mcm.sdk.Connection#getBuffer}), fill or read it in place (a view of the memif shared memory), put it
 * back. The control protocol is byte-compatible with the upstream MCM 24.09 C SDK (TCP 8002), and the direct
 * app-to-app memif mode with upstream's {@code PROTO_MEMIF}.
 *
 * <p>Works as a plain jar on the class path (with mcm-api, mcm-memif, JNA and the platform's native fragment jar)
 * and as the OSGi bundle {@code org.mcm.sdk}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.mcm.sdk;
