package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.circuitbench.cli.CommandsTest.run;
import static org.circuitbench.cli.EdgeCommandsTest.MODEL;
import static org.circuitbench.cli.EdgeCommandsTest.TASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** issue 19 §3–4 on the command line: attribute and prune by EAP-IG, and the faithfulness curve's JSON. */
class FaithfulnessCommandsTest {

    @Test
    void attributeByEapIgWithOneStepPrintsEapsNumbers() throws Exception {
        JsonNode eap = ok("attribute", "--model", MODEL, "--task", TASK);
        JsonNode ig = ok("attribute", "--model", MODEL, "--task", TASK, "--method", "eap-ig", "--steps", "1");
        assertEquals("eap", eap.get("attribution").asText());
        assertEquals("eap-ig-inputs", ig.get("attribution").asText());
        assertEquals(1, ig.get("steps").asInt());
        assertEquals(eap.get("edges").size(), ig.get("edges").size());
        for (int i = 0; i < eap.get("edges").size(); i++) {
            assertEquals(eap.get("edges").get(i).get("edge").asText(), ig.get("edges").get(i).get("edge").asText());
            assertEquals(eap.get("edges").get(i).get("attribution").asDouble(), ig.get("edges").get(i).get("attribution").asDouble(), 1e-4);
        }
        JsonNode act = ok("attribute", "--model", MODEL, "--task", TASK, "--method", "eap-ig-activations", "--steps", "2", "--riemann", "left");
        assertEquals("eap-ig-activations", act.get("attribution").asText());
        assertEquals("left", act.get("riemann").asText());
    }

    @Test
    void anEdgePruneRanksByEapIg() throws Exception {
        JsonNode j = ok("prune", "--model", MODEL, "--task", TASK, "--level", "edges", "--method", "attribution",
                "--attribution", "eap-ig", "--steps", "2", "--threshold", "10");
        assertEquals("eap-ig-inputs", j.get("attribution").asText());
        assertEquals(2, j.get("steps").asInt());
        if (j.get("reached").asBoolean()) assertTrue(j.get("score").asDouble() >= 90, j.toString());
        assertEquals(j.get("kept").size(), j.get("edge_count").asInt());
    }

    /** The areas are recomputed here from the printed points: MIB's trapezoids over the fractions, f as a fraction. */
    @Test
    void theCurvesJsonCarriesItsPointsAndMibsAreas() throws Exception {
        JsonNode j = ok("faithfulness", "--model", MODEL, "--task", TASK, "--ranking", "eap-ig", "--steps", "2");
        assertEquals("edges", j.get("level").asText());
        assertEquals("eap-ig-inputs", j.get("ranking").asText());
        assertEquals(479, j.get("items").asInt());
        assertEquals("mean", j.get("ablation").asText());
        assertEquals(2, j.get("curves").size());
        for (JsonNode c : j.get("curves")) {
            JsonNode pts = c.get("points");
            assertEquals(10, pts.size());
            assertEquals(0, pts.get(0).get("k").asInt(), "⌊0.001 · 479⌋");
            assertEquals(0.0, pts.get(0).get("faithfulness").asDouble(), 1e-9, "no edges: f = 0");
            assertEquals(100.0, pts.get(9).get("faithfulness").asDouble(), 1e-2, "every edge: f = 100");
            assertEquals(479, pts.get(9).get("kept").asInt());
            double under = 0, from1 = 0;
            for (int i = 0; i + 1 < 10; i++) {
                double x1 = pts.get(i).get("percent").asDouble() / 100, x2 = pts.get(i + 1).get("percent").asDouble() / 100;
                double f1 = pts.get(i).get("faithfulness").asDouble() / 100, f2 = pts.get(i + 1).get("faithfulness").asDouble() / 100;
                under += (x2 - x1) * (f1 + f2) / 2;
                from1 += (x2 - x1) * (Math.abs(1 - f1) + Math.abs(1 - f2)) / 2;
            }
            assertEquals(under, c.get("area_under").asDouble(), 1e-9);
            assertEquals(from1, c.get("area_from_1").asDouble(), 1e-9);
            String key = c.get("order").asText().equals("signed") ? "cpr" : "cmd";
            assertEquals(key.equals("cpr") ? under : from1, j.get(key).asDouble(), 1e-12);
        }
        JsonNode nodes = ok("faithfulness", "--model", MODEL, "--task", TASK, "--ranking", "exact", "--level", "nodes", "--order", "absolute");
        assertEquals(20, nodes.get("items").asInt());
        assertEquals(1, nodes.get("curves").size());
        assertFalse(nodes.has("cpr"));
        assertTrue(nodes.has("cmd"));
    }

    @Test
    void badOptionsGetOneLine() {
        for (String[] args : List.of(
                new String[] {"faithfulness", "--ranking", "best"},
                new String[] {"faithfulness", "--ranking", "eap", "--steps", "3"},
                new String[] {"faithfulness", "--ranking", "exact", "--riemann", "left"},
                new String[] {"faithfulness", "--ranking", ""},
                new String[] {"faithfulness", "--order", "up"},
                new String[] {"faithfulness", "--level", "links"},
                new String[] {"faithfulness", "--ranking", "eap-ig", "--steps", "0"},
                new String[] {"faithfulness", "--ranking", "eap", "--metric", "accuracy"},
                new String[] {"attribute", "--method", "eap-ig", "--steps", "x"},
                new String[] {"attribute", "--method", "eap", "--steps", "3"},
                new String[] {"prune", "--level", "edges", "--threshold", "3", "--method", "greedy", "--attribution", "eap-ig"},
                new String[] {"prune", "--level", "edges", "--threshold", "3", "--method", "attribution", "--attribution", "igx"},
                new String[] {"prune", "--method", "backward", "--threshold", "3", "--attribution", "eap-ig"})) {
            List<String> argv = new ArrayList<>(List.of(args));
            argv.addAll(List.of("--model", MODEL, "--task", TASK));
            CommandsTest.Run r = run(argv.toArray(String[]::new));
            assertNotEquals(0, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), "one line for " + String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().isEmpty());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    private static JsonNode ok(String... args) throws Exception {
        CommandsTest.Run r = run(args);
        assertEquals(0, r.code(), r.err());
        return r.json();
    }
}
