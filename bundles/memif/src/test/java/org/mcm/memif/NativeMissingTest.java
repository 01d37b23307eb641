package org.mcm.memif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Without the native fragment on the class path, memif fails with one line naming the platform. */
class NativeMissingTest {

    /** Run in a child JVM whose class path lacks the fragment jar. */
    public static void main(String[] args) {
        try {
            MemifSocket.server(MemifAddress.abstractName("never"));
            System.out.println("UNEXPECTED: loaded");
        } catch (MemifUnavailableException e) {
            System.out.println("MESSAGE: " + e);
            System.out.println("FRAMES: " + e.getStackTrace().length);
        } catch (Exception e) {
            System.out.println("UNEXPECTED: " + e);
        }
    }

    @Test
    void missingNativeLibraryGivesOneClearMessage() throws Exception {
        String jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        String api = Path.of(org.mcm.api.frame.Frame.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        String cp = String.join(File.pathSeparator, Path.of("target/classes").toAbsolutePath().toString(),
                Path.of("target/test-classes").toAbsolutePath().toString(), jna, api);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djna.nosys=true", "-Djna.library.path=/nonexistent", "-cp", cp, NativeMissingTest.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertFalse(out.contains("UNEXPECTED"), out);
        assertTrue(out.contains("MESSAGE: memif unavailable: no native library 'mcmnative' for platform linux-x86-64"),
                out);
        assertTrue(out.contains("os.arch=amd64"), out);
        assertTrue(out.contains("FRAMES: 0"), out);
        System.out.println(out);
        assertEquals(2, out.strip().split("\n").length, "exactly the lines we print, no stack trace:\n" + out);
    }
}
