package org.circuitbench.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.OvDefinition;
import org.circuitbench.explain.OvScores;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stored explanation keeps which OV definition its scores are; files from before there were two hold layer1's. */
class SessionOvDefinitionTest {
    static final double[][] NEXT = {{12.5, 0}, {50, 7.25}}, COPY = {{1, 2}, {3, 4}};

    static Explanation withOv(OvDefinition d) {
        return new Explanation("full", 2.0, 2.0, null, null, null, new OvScores(NEXT, COPY, 400, 396, d), null, 1.0, false);
    }

    @Test
    void theDefinitionRoundTripsThroughTheRecordAndItsJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (OvDefinition d : OvDefinition.values()) {
            Session.ExplanationRecord r = SessionMapper.record("digits", "seqcont-tiny", "full", withOv(d), null);
            String text = json.writeValueAsString(r);
            assertTrue(text.contains("\"definition\":\"" + d.id + "\""), text);
            OvScores back = SessionMapper.explanation(json.readValue(text, Session.ExplanationRecord.class), 2, 2).ov();
            assertEquals(d, back.definition());
            assertArrayEquals(NEXT, back.next());
        }
    }

    @Test
    void aRecordWithoutADefinitionIsLayer1sAndAnUnknownOneIsNamed() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(SessionMapper.record("digits", "seqcont-tiny", "full", withOv(OvDefinition.AS_RUN), null))
                .replace(",\"definition\":\"as-run\"", "");
        assertFalse(text.contains("definition"), text);
        assertEquals(OvDefinition.LAYER1, SessionMapper.explanation(json.readValue(text, Session.ExplanationRecord.class), 2, 2).ov().definition(),
                "written before as-run existed, when layer1 was the only definition");
        String odd = text.replace("\"pairsWithSuccessor\":396", "\"pairsWithSuccessor\":396,\"definition\":\"layer-2\"");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SessionMapper.explanation(json.readValue(odd, Session.ExplanationRecord.class), 2, 2));
        assertTrue(e.getMessage().startsWith("the explanation of 'digits' (full), ov: Unknown OV definition 'layer-2'"), e.getMessage());
    }
}
