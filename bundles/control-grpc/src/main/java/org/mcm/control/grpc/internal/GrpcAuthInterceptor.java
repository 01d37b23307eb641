package org.mcm.control.grpc.internal;

import java.util.Locale;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.mcm.control.internal.auth.TokenSet;
import org.mcm.api.control.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Refuses every call that does not prove itself, with {@code UNAUTHENTICATED} and a reason: {@code token} mode
 * wants {@code authorization: Bearer <token>} with one of the configured tokens; {@code mtls} mode wants a TLS
 * client certificate that chains to the configured CA (the TLS layer asks for it but lets the handshake finish
 * without one, so the refusal is a gRPC status and not a broken connection). The health service may stay open.
 */
final class GrpcAuthInterceptor implements ServerInterceptor {

    enum Mode {
        NONE, TOKEN, MTLS
    }

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final String HEALTH_SERVICE = "grpc.health.v1.Health";

    private static final Logger LOG = LoggerFactory.getLogger(GrpcAuthInterceptor.class);

    private final Mode mode;
    private final TokenSet tokens;
    private final ClientCertVerifier certs;
    private final boolean healthOpen;
    private final Counters counters;

    GrpcAuthInterceptor(Mode mode, TokenSet tokens, ClientCertVerifier certs, boolean healthOpen, Counters counters) {
        this.mode = mode;
        this.tokens = tokens;
        this.certs = certs;
        this.healthOpen = healthOpen;
        this.counters = counters;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (mode == Mode.NONE || (healthOpen && HEALTH_SERVICE.equals(call.getMethodDescriptor().getServiceName()))) {
            return next.startCall(call, headers);
        }
        String why = mode == Mode.TOKEN ? checkToken(headers) : checkCertificate(call);
        if (why == null) {
            return next.startCall(call, headers);
        }
        counters.increment("grpc_auth_refused");
        LOG.warn("gRPC call {} from {} refused: {}", call.getMethodDescriptor().getFullMethodName(),
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
        call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private String checkToken(Metadata headers) {
        String h = headers.get(AUTHORIZATION);
        if (h == null) {
            return "missing 'authorization: Bearer <token>' metadata";
        }
        String v = h.strip();
        if (v.length() < 7 || !v.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return "authorization metadata is not a Bearer token";
        }
        return tokens.matches(v.substring(7).strip()) ? null : "invalid bearer token";
    }

    private String checkCertificate(ServerCall<?, ?> call) {
        SSLSession s = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (s == null) {
            return "not a TLS connection";
        }
        java.security.cert.Certificate[] chain;
        try {
            chain = s.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return "no TLS client certificate";
        }
        return certs.verify(chain);
    }
}
