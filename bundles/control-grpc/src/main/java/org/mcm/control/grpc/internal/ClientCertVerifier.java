package org.mcm.control.grpc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks TLS client certificates against the operator's CA certificates (PEM, one or more): PKIX path validation
 * (signatures, validity dates, CA constraints; no revocation lookups, the proxy makes no outgoing connections), and a
 * leaf with an extended key usage must allow TLS client authentication.
 */
public final class ClientCertVerifier {

    private static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String EKU_ANY = "2.5.29.37.0";

    private final List<X509Certificate> cas;
    private final Set<TrustAnchor> anchors;

    public ClientCertVerifier(Path caPemFile) throws IOException, GeneralSecurityException {
        List<X509Certificate> l = new ArrayList<>();
        try (InputStream in = Files.newInputStream(caPemFile)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                l.add((X509Certificate) c);
            }
        }
        if (l.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + caPemFile);
        }
        cas = List.copyOf(l);
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate c : cas) {
            a.add(new TrustAnchor(c, null));
        }
        anchors = a;
    }

    /** Null when the chain (leaf first) is trusted, else why not. */
    public String verify(Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return "no TLS client certificate";
        }
        List<X509Certificate> path = new ArrayList<>();
        for (Certificate c : chain) {
            if (!(c instanceof X509Certificate x)) {
                return "client certificate is not X.509";
            }
            if (!cas.contains(x)) { // a CA the client sends along is the anchor, not part of the path
                path.add(x);
            }
        }
        if (path.isEmpty()) {
            return "client presented only a CA certificate";
        }
        X509Certificate leaf = path.get(0);
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(EKU_CLIENT_AUTH) && !eku.contains(EKU_ANY)) {
                return "client certificate " + leaf.getSubjectX500Principal() + " is not for TLS client authentication";
            }
            CertPath cp = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters p = new PKIXParameters(anchors);
            p.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(cp, p);
            return null;
        } catch (GeneralSecurityException e) {
            return "client certificate " + leaf.getSubjectX500Principal() + " not trusted: " + e.getMessage();
        }
    }

    /**
     * For the TLS layer: requests a client certificate naming the configured CAs but accepts whatever is presented
     * (the handshake still proves the client holds the key); {@link #verify} decides per call, so an untrusted or
     * missing certificate becomes a gRPC UNAUTHENTICATED instead of a failed handshake.
     */
    public X509ExtendedTrustManager deferringTrustManager() {
        X509Certificate[] issuers = cas.toArray(new X509Certificate[0]);
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
                throw new java.security.cert.CertificateException("server side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws java.security.cert.CertificateException {
                throw new java.security.cert.CertificateException("server side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws java.security.cert.CertificateException {
                throw new java.security.cert.CertificateException("server side only");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return issuers.clone();
            }
        };
    }
}
