package org.mcm.memif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mcm.api.app.AppLink;
import org.mcm.api.app.AppLinkRequest;
import org.mcm.api.connection.Direction;

/**
 * Issue 17, defect 8: whatever another local user plants at a session's memif socket path is refused, not deleted or
 * followed; the proxy's own stale socket of an earlier run is still replaced.
 */
class SocketPathTest {

    @TempDir
    Path dir;

    MemifAppLinkService service() {
        MemifAppLinkService s = new MemifAppLinkService();
        s.memif = new MemifServiceComponent();
        return s;
    }

    AppLinkRequest request(Path socket) {
        return new AppLinkRequest(Direction.TX, socket.toString(), 0, "memif_tx_test", 4096, 2, "", false, null);
    }

    @Test
    void aPlantedFileIsRefusedAndLeftAlone() throws Exception {
        Path p = dir.resolve("media_proxy_tx_1.sock");
        Files.writeString(p, "operator's data");
        IOException e = assertThrows(IOException.class, () -> service().open(request(p)));
        assertTrue(e.getMessage().contains("regular file"), e.getMessage());
        assertEquals("operator's data", Files.readString(p), "not deleted, not replaced");
    }

    @Test
    void aPlantedSymlinkIsRefusedNotFollowed() throws Exception {
        Path target = dir.resolve("precious");
        Files.writeString(target, "keep");
        Path p = dir.resolve("media_proxy_tx_2.sock");
        Files.createSymbolicLink(p, target);
        IOException e = assertThrows(IOException.class, () -> service().open(request(p)));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertTrue(Files.isSymbolicLink(p), "the link stays");
        assertEquals("keep", Files.readString(target));
        // a link to a directory, too
        Path d = dir.resolve("media_proxy_tx_3.sock");
        Files.createSymbolicLink(d, dir);
        assertThrows(IOException.class, () -> service().open(request(d)));
        assertTrue(Files.isSymbolicLink(d));
    }

    @Test
    void theProxysOwnStaleSocketIsReplacedAndNewSocketsAreGroupOnly() throws Exception {
        Path p = dir.resolve("media_proxy_tx_4.sock");
        MemifAppLinkService s = service();
        AppLink first = s.open(request(p));
        assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
        first.close();
        // a socket left behind by a killed proxy: bind it and close without unlinking
        int fd = Native.mcm_seqpacket_socket();
        Files.deleteIfExists(p);
        assertEquals(0, Native.mcm_bind_listen(fd, p.toString(), 0, 1));
        Native.mcm_close(fd);
        assertTrue(Files.exists(p, LinkOption.NOFOLLOW_LINKS));
        AppLink again = s.open(request(p));
        assertTrue(Files.exists(p, LinkOption.NOFOLLOW_LINKS));
        again.close();
    }
}
