package org.mcm.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The Kubernetes manifest cannot be applied here: it is parsed and its essential fields are checked. */
class K8sManifestTest {

    private static final Path MANIFEST = Path.of("src/main/k8s/media-proxy-daemonset.yaml");
    private static List<Map<String, Object>> docs;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() throws IOException {
        docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(MANIFEST, StandardCharsets.UTF_8)) {
            for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
                assertTrue(d instanceof Map, "every document is a mapping: " + d);
                docs.add((Map<String, Object>) d);
            }
        }
    }

    private static Map<String, Object> doc(String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + MANIFEST));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String k : path) {
            Object v = cur.get(k);
            assertTrue(v instanceof Map, k + " is a mapping in " + cur);
            cur = (Map<String, Object>) v;
        }
        return cur;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof List, key + " is a list in " + m);
        return (List<Map<String, Object>>) v;
    }

    @Test
    void everyDocumentIsAKubernetesObject() {
        assertEquals(List.of("Namespace", "ConfigMap", "DaemonSet"), docs.stream().map(d -> d.get("kind")).collect(Collectors.toList()));
        for (Map<String, Object> d : docs) {
            assertNotNull(d.get("apiVersion"), "apiVersion of " + d.get("kind"));
            assertNotNull(map(d, "metadata").get("name"), "name of " + d.get("kind"));
        }
        assertEquals("apps/v1", doc("DaemonSet").get("apiVersion"));
    }

    @Test
    void daemonSetOnTheHostNetworkWithTheMemifDirectory() {
        Map<String, Object> ds = doc("DaemonSet");
        Map<String, Object> selector = map(ds, "spec", "selector", "matchLabels");
        Map<String, Object> podLabels = map(ds, "spec", "template", "metadata", "labels");
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), "the selector matches the pod labels");

        Map<String, Object> pod = map(ds, "spec", "template", "spec");
        assertEquals(Boolean.TRUE, pod.get("hostNetwork"));
        assertEquals("ClusterFirstWithHostNet", pod.get("dnsPolicy"));

        Map<String, Object> memifVolume = list(pod, "volumes").stream()
                .filter(v -> v.get("hostPath") instanceof Map && "/run/mcm".equals(map(v, "hostPath").get("path")))
                .findFirst().orElseThrow(() -> new AssertionError("a hostPath volume /run/mcm"));
        List<Map<String, Object>> containers = list(pod, "containers");
        assertEquals(1, containers.size());
        Map<String, Object> c = containers.get(0);
        assertTrue(list(c, "volumeMounts").stream()
                .anyMatch(m -> memifVolume.get("name").equals(m.get("name")) && "/run/mcm".equals(m.get("mountPath"))),
                "the hostPath volume is mounted at /run/mcm");
        assertTrue(String.valueOf(c.get("args")).contains("--memif-dir=/run/mcm"), "the proxy puts its sockets there");

        Set<Object> ports = list(c, "ports").stream().map(p -> p.get("containerPort")).collect(Collectors.toSet());
        assertEquals(Set.of(8001, 8002), ports);
        Map<String, Object> requests = map(c, "resources", "requests");
        assertNotNull(requests.get("cpu"));
        assertNotNull(requests.get("memory"));
        assertEquals(8001, map(c, "livenessProbe", "grpc").get("port"), "liveness through grpc.health.v1 on the gRPC port");
        assertEquals(8002, map(c, "readinessProbe", "tcpSocket").get("port"));
    }

    @Test
    void configComesFromTheConfigMapAndMatchesThePorts() {
        Map<String, Object> cm = doc("ConfigMap");
        Map<String, Object> data = map(cm, "data");
        assertEquals("8001", data.get("GRPC_PORT"));
        assertEquals("8002", data.get("TCP_PORT"));
        for (Object v : data.values()) {
            assertTrue(v instanceof String, "ConfigMap values are strings: " + v);
        }
        Map<String, Object> c = list(map(doc("DaemonSet"), "spec", "template", "spec"), "containers").get(0);
        assertTrue(list(c, "envFrom").stream().anyMatch(e -> e.get("configMapRef") instanceof Map
                && map(cm, "metadata").get("name").equals(map(e, "configMapRef").get("name"))), "the container reads the ConfigMap");
        String args = String.valueOf(c.get("args"));
        for (Object key : data.keySet()) {
            assertTrue(args.contains("$(" + key + ")") || "MCM_JAVA_OPTS".equals(key), key + " is used by the command line " + args);
        }
        assertEquals(map(cm, "metadata").get("namespace"), map(doc("DaemonSet"), "metadata").get("namespace"));
    }
}
