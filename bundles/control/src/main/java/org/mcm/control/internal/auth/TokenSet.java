package org.mcm.control.internal.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The bearer tokens an interface accepts: given inline (configuration) and/or in a file, one per line. An entry is
 * the token itself or {@code sha256:<64 hex digits>} (its SHA-256), so the configuration need not hold the secret.
 * Inline values may list several tokens separated by commas or white space (a FileInstall {@code .cfg} has no
 * arrays). The file ({@code #} starts a comment) is re-read when its modification time changes, so tokens rotate
 * without a restart. Matching compares SHA-256 digests in constant time.
 */
public final class TokenSet {

    /** Longest token accepted on the wire. */
    public static final int MAX_TOKEN_BYTES = 4096;

    private final List<byte[]> inline;
    private final Path file;
    private volatile FileTime fileStamp;
    private volatile List<byte[]> fromFile = List.of();

    public TokenSet(String[] values, String tokensFile) {
        List<byte[]> l = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                if (v != null) {
                    for (String t : v.split("[,\\s]+")) {
                        if (!t.isEmpty()) {
                            l.add(digestOfEntry(t));
                        }
                    }
                }
            }
        }
        this.inline = List.copyOf(l);
        this.file = tokensFile == null || tokensFile.isBlank() ? null : Path.of(tokensFile.trim());
        if (file != null) {
            reloadIfChanged();
        }
    }

    /** True when no token at all is configured (every token is then refused). */
    public boolean isEmpty() {
        reloadIfChanged();
        return inline.isEmpty() && fromFile.isEmpty();
    }

    /** Whether {@code token} is one of the configured tokens. */
    public boolean matches(String token) {
        if (token == null || token.isEmpty()) {
            return false;
        }
        return matches(token.getBytes(StandardCharsets.UTF_8));
    }

    public boolean matches(byte[] token) {
        if (token == null || token.length == 0 || token.length > MAX_TOKEN_BYTES) {
            return false;
        }
        reloadIfChanged();
        byte[] d = sha256(token);
        boolean ok = false;
        for (byte[] e : inline) {
            ok |= MessageDigest.isEqual(e, d); // no early exit: the time taken does not tell which entry matched
        }
        for (byte[] e : fromFile) {
            ok |= MessageDigest.isEqual(e, d);
        }
        return ok;
    }

    private void reloadIfChanged() {
        if (file == null) {
            return;
        }
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(fileStamp)) {
                return;
            }
            List<byte[]> l = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String s = line.strip();
                if (!s.isEmpty() && !s.startsWith("#")) {
                    l.add(digestOfEntry(s));
                }
            }
            fromFile = List.copyOf(l);
            fileStamp = t;
        } catch (IOException | IllegalArgumentException e) {
            fromFile = List.of(); // an unreadable file admits nobody
            fileStamp = null;
        }
    }

    static byte[] digestOfEntry(String entry) {
        if (entry.regionMatches(true, 0, "sha256:", 0, 7)) {
            String hex = entry.substring(7).toLowerCase(Locale.ROOT);
            if (hex.length() != 64) {
                throw new IllegalArgumentException("sha256: token entry needs 64 hex digits");
            }
            return HexFormat.of().parseHex(hex);
        }
        return sha256(entry.getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of the bytes (for {@code sha256:} entries: {@code sha256:} + hex of this). */
    public static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
