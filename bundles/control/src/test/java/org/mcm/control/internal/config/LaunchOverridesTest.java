package org.mcm.control.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.NetworkInterface;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Command-line flags lie over the stored configuration for their run and are never written into it. */
class LaunchOverridesTest {

    static Dictionary<String, Object> stored(String pid, Object... kv) {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("service.pid", pid);
        for (int i = 0; i < kv.length; i += 2) {
            d.put((String) kv[i], kv[i + 1]);
        }
        return d;
    }

    @Test
    void flagsWinForTheirRunAndOtherPidsAndKeysAreLeftAlone() {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.of("mcm.sdk.port", "18802", "mcm.dataplane.ip", "10.1.2.3")::get);
        Dictionary<String, Object> sdk = stored("org.mcm.control.sdk", "port", 8002, "bindAddress", "0.0.0.0", "authPolicy", "strict");
        o.modifyConfiguration(null, sdk);
        assertEquals(18802, sdk.get("port"), "-t holds for this run");
        assertEquals("0.0.0.0", sdk.get("bindAddress"));
        assertEquals("strict", sdk.get("authPolicy"), "what the operator stored and no flag gives stays");
        Dictionary<String, Object> grpc = stored("org.mcm.control.grpc", "port", 9001);
        o.modifyConfiguration(null, grpc);
        assertEquals(9001, grpc.get("port"), "no -g: the stored value");
        Dictionary<String, Object> dp = stored("org.mcm.dataplane", "ip", "127.0.0.1", "device", "kernel:lo");
        o.modifyConfiguration(null, dp);
        assertEquals("10.1.2.3", dp.get("ip"));
        assertEquals("kernel:lo", dp.get("device"));
    }

    @Test
    void aRunWithoutFlagsSeesTheStoredValues() {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.<String, String>of()::get);
        Dictionary<String, Object> sdk = stored("org.mcm.control.sdk", "port", 8002);
        o.modifyConfiguration(null, sdk);
        assertEquals(8002, sdk.get("port"));
    }

    @Test
    void deviceWithoutIpTakesTheInterfaceAddressWhenTheStoredOneIsNotOnIt() throws Exception {
        LaunchOverrides o = new LaunchOverrides();
        o.activate(Map.of("mcm.dataplane.device", "kernel:lo")::get);
        NetworkInterface lo = NetworkInterface.getByName("lo");
        o.interfaces(name -> "lo".equals(name) ? lo : null);
        Dictionary<String, Object> dp = stored("org.mcm.dataplane", "ip", "192.0.2.1", "device", "kernel:eth9");
        o.modifyConfiguration(null, dp);
        assertEquals("kernel:lo", dp.get("device"));
        assertEquals("127.0.0.1", dp.get("ip"), "lo's address, as -i was not given");
        Dictionary<String, Object> onIt = stored("org.mcm.dataplane", "ip", "127.0.0.1");
        o.modifyConfiguration(null, onIt);
        assertEquals("127.0.0.1", onIt.get("ip"));
        assertNull(o.addressFor("0000:31:00.0", "192.0.2.1"), "a PCI address names no interface");
        assertNull(LaunchOverrides.interfaceName("0000:31:00.0"));
        assertEquals("eth0", LaunchOverrides.interfaceName("kernel:eth0"));
        assertEquals("eth0", LaunchOverrides.interfaceName("eth0"));
    }
}
