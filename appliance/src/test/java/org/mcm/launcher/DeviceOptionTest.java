package org.mcm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** {@code -d/--dev}: an interface that exists here, or an upstream PCI address; an unknown interface is a usage error. */
class DeviceOptionTest {

    private static final Path HOME = Path.of("/opt/mcm-home");

    @Test
    void existingInterfacesAndPciAddressesAreAccepted() throws Exception {
        assertEquals("kernel:lo", LaunchOptions.parse(new String[] {"-d", "kernel:lo"}, HOME, null).dev);
        assertEquals("lo", LaunchOptions.parse(new String[] {"--dev=lo"}, HOME, null).dev);
        assertEquals("0000:31:00.0", LaunchOptions.parse(new String[] {"-d", "0000:31:00.0"}, HOME, null).dev);
        assertEquals("kernel:eth7", LaunchOptions.device("kernel:eth7", name -> name.equals("eth7")));
    }

    @Test
    void anUnknownInterfaceIsAClearUsageError() {
        LaunchOptions.UsageException e = assertThrows(LaunchOptions.UsageException.class,
                () -> LaunchOptions.parse(new String[] {"-d", "kernel:nosuch9"}, HOME, null));
        assertTrue(e.getMessage().contains("no network interface 'nosuch9'"), e.getMessage());
        assertThrows(LaunchOptions.UsageException.class, () -> LaunchOptions.device("native_af_xdp:eth7", name -> false));
        assertThrows(LaunchOptions.UsageException.class, () -> LaunchOptions.device("kernel:", name -> true));
    }
}
