package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.OvDefinition;
import org.circuitbench.explain.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.circuitbench.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code explain} and {@code reproduce} as scripts call them: the issue's JSON names, one-line errors. */
class ExplainCommandsTest {
    static final Path DIGITS = TestData.fixture("digits-seqcont-tiny");
    static final String DEMO = TestData.demoModel().toString();
    static final String TASK = DIGITS.resolve("task.json").toString();

    private static List<String> fields(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void explainPrintsTheIssuesNamesForTheFullModel() throws Exception {
        CommandsTest.Run r = run("explain", "--model", DEMO, "--task", TASK, "--measures", "dla,lens,attention", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json(), e = TestData.expected(DIGITS, "explain-expected.json").orElseThrow();
        assertEquals(e.get("logit_diff").asDouble(), j.get("logit_diff").asDouble(), 1e-4 * 9.3);
        assertEquals("full", j.get("scope").asText());
        assertEquals(List.of("node", "value"), fields(j.get("dla").get(0)));
        assertEquals(List.of("after", "logit_diff"), fields(j.get("lens").get(0)));
        assertEquals(List.of("head", "label", "value"), fields(j.get("attention").get(0)));
        assertEquals(e.get("dla").size(), j.get("dla").size());
        JsonNode bias = j.get("dla").get(j.get("dla").size() - 1);
        assertEquals("ln_f.bias", bias.get("node").asText());
        assertEquals(e.get("dla").get(e.get("dla").size() - 1).get("value").asDouble(), bias.get("value").asDouble(), 1e-3 * 9.3);
        assertEquals("11.mlp", j.get("lens").get(23).get("after").asText());
        assertFalse(j.has("ov") || j.has("heads"), "only the measures asked for");
    }

    @Test
    void explainAnEdgeCircuit() throws Exception {
        CommandsTest.Run r = run("explain", "--model", DEMO, "--task", TASK, "--edges", "induced:0.1,4.4,9.1", "--measures", "dla,lens");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("edges", j.get("scope").asText());
        double sum = 0;
        for (JsonNode d : j.get("dla")) sum += d.get("value").asDouble();
        double ld = j.get("logit_diff").asDouble();
        assertEquals(ld, sum, 1e-4 * Math.abs(ld));
        assertEquals(ld, j.get("lens").get(23).get("logit_diff").asDouble(), 1e-4 * Math.abs(ld));
        assertEquals(100 * ld / j.get("full_logit_diff").asDouble(), j.get("score").asDouble(), 1e-9);
    }

    @Test
    void ovAndHeadTypesOnTheSmallModel(@TempDir Path dir) throws Exception {
        var m = TestData.model(TestData.model4x4());
        Path months = dir.resolve("months.json");
        TaskFiles.write(months, SampleSessions.months().generate(m.tokenizer()::encode));
        CommandsTest.Run r = run("explain", "--model", TestData.model4x4().toString(), "--task", months.toString(),
                "--circuit", "0.0,1.2,3.3", "--measures", "ov,heads", "--progress");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(16, j.get("ov").size());
        assertEquals(List.of("head", "next", "copy"), fields(j.get("ov").get(0)));
        assertEquals(List.of("head", "previous_token", "duplicate_token", "induction"), fields(j.get("heads").get(0)));
        assertEquals("[\"0.0\",\"1.2\",\"3.3\"]", j.get("circuit").toString());
        assertTrue(r.err().contains("[explain 0.0,1.2,3.3]"), "progress on stderr: " + r.err());
        assertEquals("as-run", j.get("ov_definition").asText(), "the default: the paper's notebook as it ran");

        // --ov layer1: the same numbers as the engine gives under that definition
        CommandsTest.Run l1 = run("explain", "--model", TestData.model4x4().toString(), "--task", months.toString(),
                "--circuit", "0.0,1.2,3.3", "--measures", "ov", "--ov", "layer1");
        assertEquals(0, l1.code(), l1.err());
        assertEquals("layer1", l1.json().get("ov_definition").asText());
        try (var task = org.circuitbench.ablation.AblationTask.prepare(m, org.circuitbench.task.TaskFiles.read(months))) {
            var circuit = org.circuitbench.search.CircuitReader.read("0.0,1.2,3.3", 4, 4);
            for (OvDefinition d : OvDefinition.values()) {
                var s = new Explainer(task, d).ov(Scope.nodes(circuit));
                JsonNode got = (d == OvDefinition.LAYER1 ? l1.json() : j).get("ov");
                for (JsonNode e : got) {
                    String[] lh = e.get("head").asText().split("\\.");
                    int l = Integer.parseInt(lh[0]), h = Integer.parseInt(lh[1]);
                    assertEquals(s.next(l, h), e.get("next").asDouble(), 0.0, d.id + " " + e);
                    assertEquals(s.copy(l, h), e.get("copy").asDouble(), 0.0, d.id + " " + e);
                }
            }
        }
    }

    @Test
    void badInputGetsOneLine() {
        CommandsTest.Run r = run("explain", "--model", DEMO, "--task", TASK, "--measures", "dla,logits");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Unknown measure 'logits'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("explain", "--model", TestData.model4x4().toString(), "--task", CommandsTest.TASK, "--measures", "ov");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("OV scores need labelled positions"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("explain", "--model", DEMO, "--task", TASK, "--circuit", "0.1", "--edges", "all");
        assertEquals(2, r.code());

        r = run("explain", "--model", DEMO, "--task", TASK, "--measures", "ov", "--ov", "layer-1");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Unknown OV definition 'layer-1'; give as-run") && r.err().contains("layer1"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("explain", "--model", DEMO, "--task", TASK, "--measures", "");
        assertEquals(2, r.code(), "an empty --measures is refused, not read as every measure: " + r.out());
        assertTrue(r.err().startsWith("error: --measures is empty"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.out().isEmpty());
    }

    @Test
    void reproduceRefusesAnythingButGpt2Small() {
        CommandsTest.Run r = run("reproduce", "--model", DEMO);
        assertEquals(1, r.code());
        assertTrue(r.out().isEmpty());
        assertTrue(r.err().startsWith("error: reproduce checks numbers published for GPT-2 small"), r.err());
        assertTrue(r.err().contains("d_model 96"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
