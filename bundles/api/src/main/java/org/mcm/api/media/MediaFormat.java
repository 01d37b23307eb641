package org.mcm.api.media;

import org.osgi.annotation.versioning.ProviderType;

/** What a connection carries: raw video, audio, or opaque blobs. */
@ProviderType
public sealed interface MediaFormat permits VideoFormat, AudioFormat, BlobFormat {

    /** Size in bytes of one buffer (a video frame, an audio packet, the largest blob). */
    long bufferSize();
}
