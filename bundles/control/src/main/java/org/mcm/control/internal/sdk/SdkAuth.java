package org.mcm.control.internal.sdk;

import java.net.InetAddress;
import java.util.Locale;

import org.mcm.control.internal.auth.SourceNetworks;
import org.mcm.control.internal.auth.TokenSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the SDK port. A client proves itself with AUTH (command 16, payload = the token) as its first request;
 * upstream 24.09 C SDK clients never send it and are judged by the policy and their source address.
 */
final class SdkAuth {

    enum Policy {
        /** No token: admitted from anywhere (upstream). */
        OPEN,
        /** No token: admitted from the trusted networks only. */
        COMPAT,
        /** A valid token is required. */
        STRICT
    }

    private static final Logger LOG = LoggerFactory.getLogger(SdkAuth.class);

    final Policy policy;
    final SourceNetworks trusted;
    final TokenSet tokens;

    SdkAuth(Policy policy, SourceNetworks trusted, TokenSet tokens) {
        this.policy = policy;
        this.trusted = trusted;
        this.tokens = tokens;
    }

    /** From the configuration; a malformed policy or network list fails closed (strict) with an error in the log. */
    static SdkAuth of(SdkServer.Config c) {
        Policy p;
        try {
            p = Policy.valueOf(c.authPolicy().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.error("ERROR: SDK authPolicy '{}' is not one of compat, strict, open; using strict", c.authPolicy());
            p = Policy.STRICT;
        }
        SourceNetworks nets;
        try {
            nets = SourceNetworks.parse(c.trustedNetworks());
        } catch (IllegalArgumentException e) {
            LOG.error("ERROR: SDK trustedNetworks: {}; no network is trusted", e.getMessage());
            nets = SourceNetworks.parse(new String[0]);
        }
        TokenSet t = new TokenSet(c.tokens(), c.tokensFile());
        if (p == Policy.STRICT && t.isEmpty()) {
            LOG.warn("SDK authPolicy strict with no tokens configured: every SDK client is refused");
        }
        LOG.info("SDK port authentication: policy {}, {} without token{}", p.name().toLowerCase(Locale.ROOT),
                p == Policy.OPEN ? "every client" : p == Policy.STRICT ? "no client" : "clients from [" + nets + "]",
                t.isEmpty() ? ", no tokens configured" : "");
        return new SdkAuth(p, nets, t);
    }

    /** Whether a client that sent no token is admitted from this address. */
    boolean admitsWithoutToken(InetAddress peer) {
        return switch (policy) {
            case OPEN -> true;
            case COMPAT -> trusted.contains(peer);
            case STRICT -> false;
        };
    }
}
