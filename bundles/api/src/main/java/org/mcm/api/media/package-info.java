/**
 * MCM API: media formats (video with exact frame rate and pixel layout, audio, blobs).
 * <p>Values only (provider types; {@code MediaFormat} is sealed).
 *
 * <h2>Compatibility contract</h2>
 * Exported and semantically versioned; {@code bnd-baseline-maven-plugin} compares every build with the released
 * API ({@code bundles/api-baseline}) and fails the build when a change needs a bigger version step than the one
 * made here. Each type says who implements it:
 * <ul>
 * <li>{@code @ConsumerType}: implemented by the bundles that use this API (plug-ins such as transports, codecs,
 * listeners). Adding an abstract method breaks them: only default methods may be added (minor version step);
 * anything else is a new major version.</li>
 * <li>{@code @ProviderType}: implemented only by the API itself or by the one bundle that provides the service;
 * methods may be added in a minor step. A bundle that implements one imports this package with the narrow range
 * {@code [1.x,1.x+1)}, every other bundle with {@code [1.x,2)}.</li>
 * </ul>
 * Additions bump the minor version in this file (and the api bundle's version, see {@code bundles/api/pom.xml});
 * removals and changed signatures bump the major version.
 *
 * <h2>Evolving records</h2>
 * A record's components are its binary API (canonical constructor, accessors, {@code equals}). Rules:
 * <ol>
 * <li>Never remove, rename, reorder or retype a component: that is a major version.</li>
 * <li>A component may be added at the end only, in a minor step, and the previous canonical constructor stays as a
 * public constructor that delegates with a neutral default (null, 0, empty), documented with {@code @since}
 * (see {@code org.mcm.api.app.AppLinkRequest}). Readers must accept that default from old callers.</li>
 * <li>Static factories and builders are the preferred way to create values; they can absorb new components
 * without new constructors.</li>
 * <li>Consumers must not rely on {@code equals} of a whole record across versions (new components take part).</li>
 * </ol>
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.mcm.api.media;
