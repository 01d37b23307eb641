package org.mcm.control.grpc.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Throwaway certificates for tests (EC P-256), written as PEM files: generated per run, never committed. The itests
 * use it too, through this bundle's test-jar.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate with its key, and where both were written. */
    public record Issued(X509Certificate cert, KeyPair keys, Path certPem, Path keyPem) {
    }

    private TestPki() {
    }

    public static Issued ca(Path dir, String name) throws Exception {
        KeyPair k = keys();
        X500Principal subject = new X500Principal("CN=" + name);
        return write(dir, name, sign(subject, k, subject, k, true, null, -1), k);
    }

    /** A server certificate for 127.0.0.1 / localhost. */
    public static Issued server(Path dir, String name, Issued ca) throws Exception {
        KeyPair k = keys();
        return write(dir, name, sign(new X500Principal("CN=" + name), k, ca.cert.getSubjectX500Principal(), ca.keys,
                false, KeyPurposeId.id_kp_serverAuth, 0), k);
    }

    public static Issued client(Path dir, String name, Issued ca) throws Exception {
        KeyPair k = keys();
        return write(dir, name, sign(new X500Principal("CN=" + name), k, ca.cert.getSubjectX500Principal(), ca.keys,
                false, KeyPurposeId.id_kp_clientAuth, -1), k);
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Principal subject, KeyPair subjectKeys, X500Principal issuer,
            KeyPair issuerKeys, boolean isCa, KeyPurposeId eku, int sanForServer)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                new Date(now - 60_000), new Date(now + 86_400_000L), subject, subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        if (eku != null) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
        }
        if (sanForServer >= 0) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static Issued write(Path dir, String name, X509Certificate c, KeyPair k) throws Exception {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Files.writeString(cert, pem("CERTIFICATE", c.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(key, pem("PRIVATE KEY", k.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        return new Issued(c, k, cert, key);
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
