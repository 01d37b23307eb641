package org.mcm.api.media;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An exact positive ratio such as a frame rate of 60000/1001 (59.94 Hz). Always kept reduced.
 *
 * @param numerator   the numerator, &gt; 0
 * @param denominator the denominator, &gt; 0
 */
@ProviderType
public record Rational(long numerator, long denominator) {

    public Rational {
        if (numerator <= 0 || denominator <= 0) {
            throw new IllegalArgumentException("rational must be positive: " + numerator + "/" + denominator);
        }
        long g = gcd(numerator, denominator);
        numerator /= g;
        denominator /= g;
    }

    public static Rational of(long numerator, long denominator) {
        return new Rational(numerator, denominator);
    }

    /**
     * Maps a floating frame rate as upstream MCM carries it (e.g. 59.94, 29.97, 25) to the exact ratio: the
     * NTSC-family rates become n*1000/1001, everything else is taken to 1/1000 precision.
     */
    public static Rational fromFps(double fps) {
        if (!(fps > 0) || Double.isInfinite(fps) || fps > 10_000) {
            throw new IllegalArgumentException("frame rate out of range: " + fps);
        }
        long rounded = Math.round(fps);
        double ntsc = rounded * 1000.0 / 1001.0;
        if (Math.abs(fps - rounded) > 1e-6 && Math.abs(fps - ntsc) < 0.006) {
            return new Rational(rounded * 1000, 1001);
        }
        return new Rational(Math.round(fps * 1000), 1000);
    }

    /** Parses "60000/1001", "25" or "59.94". */
    public static Rational parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        try {
            if (slash > 0) {
                return new Rational(Long.parseLong(t.substring(0, slash).trim()), Long.parseLong(t.substring(slash + 1).trim()));
            }
            return fromFps(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a rational: '" + text + "'", e);
        }
    }

    public double toDouble() {
        return (double) numerator / denominator;
    }

    @Override
    public String toString() {
        return denominator == 1 ? Long.toString(numerator) : numerator + "/" + denominator;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
