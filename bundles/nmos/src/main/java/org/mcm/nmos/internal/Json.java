package org.mcm.nmos.internal;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParsingException;

/** Jakarta JSON through the embedded Parsson provider (instantiated directly: no service lookup in OSGi). */
final class Json {

    static final JsonProvider P = new org.eclipse.parsson.JsonProviderImpl();

    private Json() {
    }

    static JsonObjectBuilder object() {
        return P.createObjectBuilder();
    }

    static JsonObjectBuilder object(JsonObject o) {
        return P.createObjectBuilder(o);
    }

    static JsonArrayBuilder array() {
        return P.createArrayBuilder();
    }

    static JsonArray strings(List<String> items) {
        JsonArrayBuilder b = array();
        items.forEach(b::add);
        return b.build();
    }

    static JsonObject emptyObject() {
        return JsonValue.EMPTY_JSON_OBJECT;
    }

    /** A string or JSON null. */
    static JsonValue stringOrNull(String s) {
        return s == null ? JsonValue.NULL : P.createValue(s);
    }

    static String write(JsonValue v) {
        StringWriter w = new StringWriter();
        try (JsonWriter jw = P.createWriterFactory(Map.of()).createWriter(w)) {
            jw.write(v);
        }
        return w.toString();
    }

    /** Parses a JSON text; throws IllegalArgumentException with the parser's position on malformed input. */
    static JsonStructure parse(String text) {
        try (JsonReader r = P.createReader(new StringReader(text))) {
            return r.read();
        } catch (JsonParsingException e) {
            throw new IllegalArgumentException("malformed JSON at line " + e.getLocation().getLineNumber() + " column "
                    + e.getLocation().getColumnNumber() + ": " + e.getMessage(), e);
        } catch (jakarta.json.JsonException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
        }
    }

    /** The IS-04 / IS-05 error body. */
    static JsonObject error(int code, String error, String debug) {
        return object().add("code", code).add("error", error).add("debug", stringOrNull(debug)).build();
    }
}
