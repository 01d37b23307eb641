package org.mcm.itests.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.mcm.itests.Polls;
import org.mcm.itests.support.ControlClient;

/**
 * The built appliance as a process for the path benchmarks: a copy of the image, the SDK and gRPC ports and a memif
 * directory of the run (also stored as configuration: the run's -t/-g alone were seen not to apply to a copied image),
 * further {@code deploy/<pid>.cfg} files, log level warn, output in {@code proxy.log} of the copy. {@link #start}
 * returns once gRPC answers and the SDK port accepts connections.
 */
final class BenchProxy implements AutoCloseable {
    final Path home;
    final Path memif;
    final int tcp;
    final Process process;
    final ControlClient control;

    private BenchProxy(Path home, Path memif, int tcp, Process process, ControlClient control) {
        this.home = home;
        this.memif = memif;
        this.tcp = tcp;
        this.process = process;
        this.control = control;
    }

    /** Starts it; {@code configs} maps a configuration PID to the content of its {@code .cfg} file. */
    static BenchProxy start(int tcp, int grpc, int console, Map<String, String> configs) throws Exception {
        Path home = SdkPathBench.copyImage();
        Path memif = Files.createTempDirectory("bench-memif");
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(home.resolve("deploy/org.mcm.control.sdk.cfg"), "port=" + tcp + "\nmemifDir=" + memif + "\n");
        Files.writeString(home.resolve("deploy/org.mcm.control.grpc.cfg"), "port=" + grpc + "\n");
        for (Map.Entry<String, String> e : configs.entrySet()) {
            Files.writeString(home.resolve("deploy/" + e.getKey() + ".cfg"), e.getValue());
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/media_proxy").toString(), "-t", Integer.toString(tcp), "-g",
                Integer.toString(grpc), "--console-port", Integer.toString(console), "--memif-dir", memif.toString(),
                "--log-level", "warn");
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.redirectErrorStream(true).redirectOutput(home.resolve("proxy.log").toFile());
        Process process = pb.start();
        ControlClient c = new ControlClient("127.0.0.1", grpc);
        try {
            Polls.waitFor("the proxy's gRPC and SDK ports (log: " + home.resolve("proxy.log") + ")",
                    () -> process.isAlive() && c.connectionCount() >= 0 && SdkPathBench.ProxyUp.canConnect(tcp), 60_000);
        } catch (RuntimeException | AssertionError e) {
            c.close();
            process.destroy();
            throw new IllegalStateException("proxy did not start: " + Files.readString(home.resolve("proxy.log")), e);
        }
        return new BenchProxy(home, memif, tcp, process, c);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        control.close();
        process.destroy();
        process.waitFor();
    }
}
