package org.mcm.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.mcm.api.media.BlobFormat;
import org.mcm.control.grpc.internal.TestPki;
import org.mcm.itests.support.ControlClient;
import org.mcm.sdk.Connection;
import org.mcm.sdk.ConnectionOptions;
import org.mcm.sdk.ErrorCode;
import org.mcm.sdk.McmClient;
import org.mcm.sdk.McmException;

/**
 * Authentication in the real image, configured the way an operator does it (.cfg files in deploy/): gRPC with mTLS,
 * the SDK port with the strict policy and a hashed token. Certificates are generated for the run.
 */
public class AuthProcessIT {

    private static Path home;

    @BeforeClass
    public static void copyImage() throws Exception {
        home = ApplianceProcessIT.copyOfImage();
    }

    @AfterClass
    public static void cleanup() throws Exception {
        ApplianceProcessIT.delete(home);
    }

    @Test
    public void mtlsGrpcAndStrictSdkRefuseStrangersAndServeCredentialedClients() throws Exception {
        Path pki = Files.createDirectories(home.resolve("pki"));
        TestPki.Issued ca = TestPki.ca(pki, "ca");
        TestPki.Issued server = TestPki.server(pki, "proxy", ca);
        TestPki.Issued controller = TestPki.client(pki, "controller", ca);
        TestPki.Issued rogue = TestPki.client(pki, "rogue", TestPki.ca(pki, "rogue-ca"));
        int tcp = Provisioning.freePort();
        int grpc = Provisioning.freePort();
        int console = Provisioning.freePort();
        Path memifDir = Files.createDirectories(home.resolve("memif"));
        String token = "app-token-" + System.nanoTime();
        String hash = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
        Files.writeString(home.resolve("deploy/org.mcm.control.grpc.cfg"), "port=" + grpc + "\nbindAddress=127.0.0.1\n"
                + "authMode=mtls\ntlsCertFile=" + server.certPem() + "\ntlsKeyFile=" + server.keyPem()
                + "\ntlsClientCaFile=" + ca.certPem() + "\n");
        Files.writeString(home.resolve("deploy/org.mcm.control.sdk.cfg"), "port=" + tcp + "\nbindAddress=127.0.0.1\n"
                + "memifDir=" + memifDir + "\nauthPolicy=strict\ntokens=sha256:" + hash + "\n");

        try (ApplianceProcessIT.Proxy p = new ApplianceProcessIT.Proxy(home, "media_proxy", "-t", Integer.toString(tcp),
                "-g", Integer.toString(grpc), "--console-port", Integer.toString(console), "--memif-dir", memifDir.toString());
                ControlClient good = new ControlClient("127.0.0.1", grpc, ca.certPem(), controller.certPem(),
                        controller.keyPem(), null)) {
            p.line("INFO: TCP Server listening on", 60_000);
            Polls.waitFor("gRPC serves the client certificate", () -> "OK".equals(good.statsStatus()), 30_000);

            try (ControlClient noCert = new ControlClient("127.0.0.1", grpc, ca.certPem(), null, null, null);
                    ControlClient stranger = new ControlClient("127.0.0.1", grpc, ca.certPem(), rogue.certPem(),
                            rogue.keyPem(), null);
                    ControlClient plain = new ControlClient("127.0.0.1", grpc)) {
                assertEquals("UNAUTHENTICATED", noCert.statsStatus());
                assertEquals("UNAUTHENTICATED", stranger.statsStatus());
                assertNotEquals("OK", plain.statsStatus());
            }

            Map<String, String> env = Map.of(McmClient.ENV_PORT, Integer.toString(tcp), McmClient.ENV_TOKEN, token);
            Polls.waitFor("strict SDK policy in force", () -> refusal(McmClient.connect("127.0.0.1", tcp))
                    == ErrorCode.PROXY_REFUSED && refusal(McmClient.fromEnvironment(env)) == null, 30_000);
            long before = good.stats().getOrDefault("sdk_auth_refused", 0L);
            assertEquals(ErrorCode.PROXY_REFUSED, refusal(McmClient.connect("127.0.0.1", tcp)));
            assertEquals(ErrorCode.UNAUTHENTICATED, refusal(McmClient.builder().address("127.0.0.1", tcp).token("guess").build()));
            assertEquals(before + 2, (long) good.stats().getOrDefault("sdk_auth_refused", 0L));
            // the credentialed app gets its session and attaches to its memif with the secret from the reply
            try (McmClient withToken = McmClient.fromEnvironment(env); Connection tx = withToken.createTx(blob())) {
                assertTrue(tx.sessionId() > 0);
                assertEquals(1, good.connectionCount());
            }
            assertTrue(good.stats().getOrDefault("grpc_auth_refused", 0L) >= 2);
        }
    }

    private static ConnectionOptions blob() {
        return ConnectionOptions.builder(new BlobFormat(1024)).transport("local").remote("auth-it", 1)
                .closeLinger(Duration.ZERO).build();
    }

    /** Null when a session could be made, else the SDK's error code. */
    @SuppressWarnings("try") // the resource is held open for the block, not used in it
    private static ErrorCode refusal(McmClient c) {
        try (c; Connection x = c.createTx(blob())) {
            return null;
        } catch (McmException e) {
            return e.errorCode();
        } catch (RuntimeException e) {
            fail(e.toString());
            return ErrorCode.UNKNOWN;
        }
    }
}
