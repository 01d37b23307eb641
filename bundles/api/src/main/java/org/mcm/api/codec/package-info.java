/**
 * MCM API: codec. A codec bundle registers {@code Codec} services; transports look them up.
 * <p>{@code Codec}, {@code VideoEncoder} and {@code VideoDecoder} are implemented by codec bundles (consumer
 * types, like the transport SPI); {@code CodecException} is provided here.
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
 * <p>1.1 (since the released 1.0): {@code CodecName}; {@code Codec.encoderThreads} and {@code Codec.decoderThreads}
 * (default methods: a codec that does not implement them answers 0, "cannot say").
 * <p>Additions bump the minor version in this file (and the api bundle's version, see {@code bundles/api/pom.xml});
 * removals and changed signatures bump the major version.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.mcm.api.codec;
