package org.mcm.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void nestedObjectsAndArraysHaveTheirCommas() {
        String s = new Json().beginObject()
                .field("a", 1)
                .name("list").beginArray().value("x").value(2).beginObject().field("k", true).endObject().endArray()
                .field("empty", List.of())
                .name("o").beginObject().endObject()
                .field("m", new TreeMap<>(Map.of("b", 2L, "a", 1L)))
                .endObject().toString();
        assertEquals("{\"a\":1,\"list\":[\"x\",2,{\"k\":true}],\"empty\":[],\"o\":{},\"m\":{\"a\":1,\"b\":2}}", s);
        assertTrue(MiniJson.parse(s) instanceof Map);
    }

    @Test
    void stringsAreEscapedAndSafeInsideHtml() {
        String nasty = "q\"b\\s\n\r\t\u0001</script><b>&\u2028";
        String s = new Json().beginObject().field("v", nasty).endObject().toString();
        assertFalse(s.contains("</script>"), s);
        assertFalse(s.contains("<") || s.contains(">") || s.contains("&"), s);
        assertFalse(s.contains("\n") || s.contains("\u2028"), s);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) MiniJson.parse(s);
        assertEquals(nasty, back.get("v"));
    }

    @Test
    void numbersJsonCannotCarryBecomeNull() {
        String s = new Json().beginArray().value(Double.NaN).value(Double.POSITIVE_INFINITY).value(2.5).value(3.0)
                .value(Long.MIN_VALUE).value((String) null).endArray().toString();
        assertEquals("[null,null,2.5,3," + Long.MIN_VALUE + ",null]", s);
    }
}
