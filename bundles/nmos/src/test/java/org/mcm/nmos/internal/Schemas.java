package org.mcm.nmos.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The AMWA IS-04 v1.3 / IS-05 v1.1 JSON schemas, read where they are kept beside the checkout
 * ({@code ../shared/reference/nmos/}, never copied into the project), and a draft-04 validator for them.
 */
final class Schemas {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
    private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

    private Schemas() {
    }

    static Path dir() {
        List<Path> candidates = new ArrayList<>();
        String p = System.getProperty("nmos.schemas");
        if (p != null && !p.isEmpty()) {
            candidates.add(Paths.get(p));
        }
        candidates.add(Paths.get("../../../shared/reference/nmos"));
        candidates.add(Paths.get("../shared/reference/nmos"));
        candidates.add(Paths.get("/work/shared/reference/nmos"));
        for (Path c : candidates) {
            if (Files.isDirectory(c.resolve("is-04-v1.3/schemas"))) {
                return c.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("NMOS schemas not found (tried " + candidates + "); set -Dnmos.schemas=<dir>");
    }

    /** {@code is04("node.json")}. */
    static String is04(String name) {
        return "is-04-v1.3/schemas/" + name;
    }

    static String is05(String name) {
        return "is-05-v1.1/schemas/" + name;
    }

    static JsonSchema schema(String rel) {
        return CACHE.computeIfAbsent(rel, r -> FACTORY.getSchema(SchemaLocation.of(dir().resolve(r).toUri().toString())));
    }

    /** Fails the test naming every violation. Returns the parsed document. */
    static JsonNode assertValid(String rel, String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + e.getMessage() + "): " + json);
        }
        Set<ValidationMessage> errors = schema(rel).validate(node);
        if (!errors.isEmpty()) {
            fail("does not validate against " + rel + ": " + errors + "\n" + json);
        }
        return node;
    }

    static boolean valid(String rel, String json) {
        try {
            return schema(rel).validate(MAPPER.readTree(json)).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }
}
