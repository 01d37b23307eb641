package org.mcm.control.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.annotation.Annotation;
import java.net.NetworkInterface;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Command-line flags lie over the stored configuration for their run and are never written into it. */
class LaunchOverridesTest {

    /** Shaped like a listener's Metatype configuration. */
    @interface Listener {
        int port() default 8002;

        String bindAddress() default "0.0.0.0";

        String authPolicy() default "compat";
    }

    static Listener stored(int port, String bind, String policy) {
        return new Listener() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return Listener.class;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String bindAddress() {
                return bind;
            }

            @Override
            public String authPolicy() {
                return policy;
            }
        };
    }

    @Test
    void flagsWinForTheirRunAndOtherPidsAndKeysAreLeftAlone() {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.of("mcm.sdk.port", "18802", "mcm.dataplane.ip", "10.1.2.3")::get);
        Listener sdk = o.overlay("org.mcm.control.sdk", stored(8002, "0.0.0.0", "strict"), Listener.class);
        assertEquals(18802, sdk.port(), "-t holds for this run");
        assertEquals("0.0.0.0", sdk.bindAddress());
        assertEquals("strict", sdk.authPolicy(), "what the operator stored and no flag gives stays");
        Listener grpc = stored(9001, "0.0.0.0", "none");
        assertSame(grpc, o.overlay("org.mcm.control.grpc", grpc, Listener.class), "no -g: the stored configuration");
        assertEquals(Map.of("ip", "10.1.2.3"), o.dataPlaneRun("127.0.0.1"));
    }

    @Test
    void aRunWithoutFlagsSeesTheStoredValues() {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.<String, String>of()::get);
        Listener sdk = stored(8002, "0.0.0.0", "compat");
        assertSame(sdk, o.overlay("org.mcm.control.sdk", sdk, Listener.class));
        assertEquals(Map.of(), o.dataPlaneRun("127.0.0.1"), "no data-plane flag for the run PID (it holds only the marker)");
    }

    @Test
    void deviceWithoutIpTakesTheInterfaceAddressWhenTheStoredOneIsNotOnIt() throws Exception {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.of("mcm.dataplane.device", "kernel:lo")::get);
        NetworkInterface lo = NetworkInterface.getByName("lo");
        o.interfaces(name -> "lo".equals(name) ? lo : null);
        assertEquals(Map.of("device", "kernel:lo", "ip", "127.0.0.1"), o.dataPlaneRun("192.0.2.1"),
                "lo's address, as -i was not given");
        assertEquals(Map.of("device", "kernel:lo"), o.dataPlaneRun("127.0.0.1"), "the stored address is on lo: kept");
        assertNull(o.addressFor("0000:31:00.0", "192.0.2.1"), "a PCI address names no interface");
        assertNull(LaunchOverrides.interfaceName("0000:31:00.0"));
        assertEquals("eth0", LaunchOverrides.interfaceName("kernel:eth0"));
        assertEquals("eth0", LaunchOverrides.interfaceName("eth0"));
    }

    @Test
    void aChangeWhileRunningWinsOverTheFlagForTheRestOfTheRun() {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.of("mcm.sdk.port", "18802")::get);
        assertEquals(18802, o.overlay("org.mcm.control.sdk", stored(8002, "0.0.0.0", "compat"), Listener.class).port());
        assertEquals(18802, o.overlay("org.mcm.control.sdk", stored(8002, "127.0.0.1", "compat"), Listener.class).port(),
                "another setting changed: the flag still holds");
        assertEquals(9100, o.overlay("org.mcm.control.sdk", stored(9100, "0.0.0.0", "compat"), Listener.class).port(),
                "the operator set the port while it runs: the latest decision wins");
        assertEquals(8002, o.overlay("org.mcm.control.sdk", stored(8002, "0.0.0.0", "compat"), Listener.class).port(),
                "and the flag does not come back");
    }
}
