package org.mcm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Where the launcher keeps its runtime state: the option, then MCM_STATE_DIR, then {@code <home>/var}. */
class StateDirTest {

    private static final Path HOME = Path.of("/opt/mcm-home");

    @Test
    void defaultIsVarUnderTheHome() throws Exception {
        assertEquals(HOME.resolve("var"), LaunchOptions.parse(new String[0], HOME, null).stateDir);
        assertEquals(HOME.resolve("var"), LaunchOptions.parse(new String[0], HOME, " ").stateDir);
    }

    @Test
    void environmentThenOption() throws Exception {
        assertEquals(Path.of("/var/lib/x"), LaunchOptions.parse(new String[0], HOME, "/var/lib/x").stateDir);
        assertEquals(Path.of("/srv/state"), LaunchOptions.parse(new String[] {"--state-dir=/srv/state"}, HOME, "/var/lib/x").stateDir);
        assertEquals(Path.of("/srv/state"), LaunchOptions.parse(new String[] {"--state-dir", "/srv/state"}, HOME, null).stateDir);
    }

    @Test
    void emptyOptionIsAUsageError() {
        assertThrows(LaunchOptions.UsageException.class, () -> LaunchOptions.parse(new String[] {"--state-dir="}, HOME, null));
    }
}
