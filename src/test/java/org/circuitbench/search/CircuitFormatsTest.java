package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.SetOperation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitFormatsTest {
    final Circuit c = Circuit.parse("0.1,4.4,9.1", 12, 12);

    @Test
    void pythonLiteral() {
        assertEquals("[(0, 1), (4, 4), (9, 1)]", CircuitFormats.python(c));
        assertEquals(c, CircuitReader.parseText("[(0, 1), (4, 4), (9, 1)]", 12, 12, "x"));
    }

    @Test
    void paperFormatRoundTrips() {
        String json = CircuitFormats.paper(c).toString();
        assertEquals("{\"heads\":[[0,1],[4,4],[9,1]],\"mlps\":[0,1,2,3,4,5,6,7,8,9,10,11]}", json);
        assertEquals(c, CircuitReader.parseText(json, 12, 12, "x"));
        Circuit withMlp = Circuit.parse("0.1,3.mlp", 12, 12);
        Circuit back = CircuitReader.parseText(CircuitFormats.paper(withMlp).toString(), 12, 12, "x");
        assertEquals(withMlp, back);
        assertTrue(back.hasMlpNodes() && back.keepsMlp(3) && !back.keepsMlp(4));
    }

    @Test
    void ownJsonAndArrays() {
        assertEquals(c, CircuitReader.parseText(CircuitFormats.json(c, CircuitFormats.About.of("m", "t")).toString(), 12, 12, "x"));
        assertEquals(c, CircuitReader.parseText("[\"0.1\", \"4.4\", \"9.1\"]", 12, 12, "x"));
        assertEquals(c, CircuitReader.parseText("9.1, 0.1 4.4", 12, 12, "x"));
    }

    @Test
    void specsPrintSortedAndSetOperationsWork() {
        Circuit a = Circuit.parse("9.1,0.1,4.4", 12, 12);
        assertEquals("0.1,4.4,9.1", a.toSpec());
        assertEquals("all", Circuit.all(12, 12).toSpec());
        assertEquals("none", Circuit.none(12, 12).toSpec());
        Circuit b = Circuit.parse("4.4,5.5", 12, 12);
        assertEquals("4.4", a.combine(SetOperation.INTERSECTION, b).toSpec());
        assertEquals("0.1,4.4,5.5,9.1", a.combine(SetOperation.UNION, b).toSpec());
        assertEquals("0.1,9.1", a.combine(SetOperation.DIFFERENCE, b).toSpec());
        assertFalse(a.contains(org.circuitbench.ablation.Node.head(5, 5)));
        assertEquals(144, Circuit.all(12, 12).size());
    }
}
