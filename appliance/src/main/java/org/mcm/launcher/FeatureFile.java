package org.mcm.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Reads the bundle list and framework properties of an (aggregated) feature in the Sling / OSGi feature JSON
 * format: {@code bundles} entries with a Maven id {@code group:artifact[:type[:classifier]]:version} and an
 * optional {@code start-order}, and {@code framework-properties}. This is all the launcher and the integration
 * tests need; the build's analyser checks the rest of the model.
 */
public final class FeatureFile {

    /** One bundle of a feature. */
    public record BundleRef(String groupId, String artifactId, String version, String type, String classifier,
            int startOrder) {

        /** Path of the jar in a Maven-layout repository. */
        public String mavenPath() {
            String file = artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
            return groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + file;
        }

        public String mavenId() {
            return groupId + ":" + artifactId + ":" + version;
        }
    }

    private final String id;
    private final List<BundleRef> bundles;
    private final Map<String, String> frameworkProperties;

    private FeatureFile(String id, List<BundleRef> bundles, Map<String, String> frameworkProperties) {
        this.id = id;
        this.bundles = List.copyOf(bundles);
        this.frameworkProperties = Map.copyOf(frameworkProperties);
    }

    public static FeatureFile read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8), file.toString());
        }
    }

    public static FeatureFile read(Reader reader, String where) throws IOException {
        JsonObject root;
        // Parsson's provider directly: Json.createReader would first look providers up through ServiceLoader
        try (JsonReader r = new org.eclipse.parsson.JsonProviderImpl().createReader(reader)) {
            root = r.readObject();
        } catch (RuntimeException e) {
            throw new IOException(where + ": not a feature JSON object: " + e.getMessage(), e);
        }
        String id = root.getString("id", "");
        List<BundleRef> bundles = new ArrayList<>();
        JsonArray arr = root.containsKey("bundles") ? root.getJsonArray("bundles") : JsonValue.EMPTY_JSON_ARRAY;
        for (JsonValue v : arr) {
            String bid;
            int order = 0;
            if (v instanceof JsonString s) {
                bid = s.getString();
            } else if (v instanceof JsonObject o) {
                bid = o.getString("id");
                JsonValue so = o.get("start-order");
                if (so instanceof JsonString ss) {
                    order = Integer.parseInt(ss.getString().trim());
                } else if (so != null && so.getValueType() == JsonValue.ValueType.NUMBER) {
                    order = o.getInt("start-order");
                }
            } else {
                throw new IOException(where + ": bundle entry is neither a string nor an object: " + v);
            }
            bundles.add(parseId(bid, order, where));
        }
        Map<String, String> fw = new LinkedHashMap<>();
        if (root.containsKey("framework-properties")) {
            JsonObject props = root.getJsonObject("framework-properties");
            for (Map.Entry<String, JsonValue> e : props.entrySet()) {
                JsonValue val = e.getValue();
                fw.put(e.getKey(), val instanceof JsonString s ? s.getString() : val.toString());
            }
        }
        return new FeatureFile(id, bundles, fw);
    }

    static BundleRef parseId(String mvnId, int order, String where) throws IOException {
        String[] p = mvnId.split(":");
        return switch (p.length) {
            case 3 -> new BundleRef(p[0], p[1], p[2], "jar", null, order);
            case 4 -> new BundleRef(p[0], p[1], p[3], p[2], null, order);
            case 5 -> new BundleRef(p[0], p[1], p[4], p[2], p[3], order);
            default -> throw new IOException(where + ": not a Maven id: '" + mvnId + "'");
        };
    }

    public String id() {
        return id;
    }

    public List<BundleRef> bundles() {
        return bundles;
    }

    public Map<String, String> frameworkProperties() {
        return frameworkProperties;
    }

    /** Highest start order used (at least 1). */
    public int maxStartOrder() {
        int max = 1;
        for (BundleRef b : bundles) {
            max = Math.max(max, b.startOrder());
        }
        return max;
    }
}
