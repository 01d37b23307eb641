package org.mcm.api.media;

import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * PCM audio as ST 2110-30 carries it: sample rate, channel count, bits per sample (8, 16 or 24, big-endian on
 * the wire) and packet time. One buffer holds one packet's worth of samples.
 */
@ProviderType
public record AudioFormat(int sampleRate, int channels, int bitDepth, PacketTime packetTime) implements MediaFormat {

    public AudioFormat {
        Objects.requireNonNull(packetTime, "packetTime");
        if (sampleRate != 48_000 && sampleRate != 96_000 && sampleRate != 44_100) {
            throw new IllegalArgumentException("unsupported sample rate " + sampleRate + " (48000, 96000 or 44100)");
        }
        if (channels < 1 || channels > 64) {
            throw new IllegalArgumentException("channel count out of range: " + channels);
        }
        if (bitDepth != 8 && bitDepth != 16 && bitDepth != 24) {
            throw new IllegalArgumentException("unsupported bit depth " + bitDepth + " (8, 16 or 24)");
        }
        boolean family44 = sampleRate == 44_100;
        boolean pt44 = packetTime == PacketTime.PT_1_09MS || packetTime == PacketTime.PT_0_14MS
                || packetTime == PacketTime.PT_0_09MS;
        if (family44 != pt44) {
            throw new IllegalArgumentException("packet time " + packetTime.id() + " does not fit " + sampleRate + " Hz");
        }
    }

    /** Samples per channel in one packet. */
    public int samplesPerPacket() {
        int base = switch (packetTime) {
            case PT_1MS, PT_1_09MS -> 48;
            case PT_125US, PT_0_14MS -> 6;
            case PT_250US -> 12;
            case PT_333US -> 16;
            case PT_4MS -> 192;
            case PT_80US, PT_0_09MS -> 4;
        };
        return sampleRate == 96_000 ? base * 2 : base;
    }

    @Override
    public long bufferSize() {
        return (long) samplesPerPacket() * channels * (bitDepth / 8);
    }

    @Override
    public String toString() {
        return "audio " + sampleRate + "Hz " + channels + "ch L" + bitDepth + " " + packetTime.id();
    }
}
