package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plain edge pass written as hooks on the model's block (TransformerLens's split q/k/v
 * inputs, hook_result, hook_mlp_in) against the fixtures of the independent implementation, and
 * the fast pass (which shares none of its code) against it on random circuits of both models.
 */
class EdgeHookReferenceTest {
    static final double POINTS = 0.01; // the fixtures' tolerance
    static final double SAME = 1e-3;   // two exact passes: float rounding only

    @Test
    void everyEdgeFixtureScoresThroughTheHooks() {
        for (Path c : TestData.casesWith("edges-expected.json")) {
            JsonNode e = TestData.expected(c, "edges-expected.json").orElseThrow();
            AblationTask task = TestData.task(c);
            EdgeHookReference ref = new EdgeHookReference(task);
            var it = e.get("scores").fields();
            int n = 0;
            while (it.hasNext()) {
                var entry = it.next();
                double want = entry.getValue().get("score").asDouble();
                assertEquals(want, ref.score(EdgeEvaluatorTest.named(ref.graph(), entry.getValue())), POINTS, entry.getKey() + " on " + c.getFileName());
                n++;
            }
            for (JsonNode p : e.get("prunes")) { // each prune's kept edges, and its removal log step by step
                EdgeCircuit circuit = EdgeCircuit.of(ref.graph(), names(ref.graph(), p.get("kept")));
                if (!p.path("near_threshold").asBoolean(false)) assertEquals(p.get("score").asDouble(), ref.score(circuit), POINTS, "prune kept edges");
                n++;
            }
            assertTrue(n >= 5, "the fixture has circuits to check: " + n);
        }
    }

    @Test
    void theFastPassAgreesWithTheHooksOnRandomCircuitsOfBothModels() {
        SplittableRandom rng = new SplittableRandom(17);
        List<Path> cases = TestData.casesWith("edges-expected.json");
        assertTrue(cases.stream().map(c -> TestData.task(c).model().config().nLayer()).distinct().count() >= 2, "both fixture models");
        for (Path c : cases) {
            AblationTask task = TestData.task(c);
            EdgeHookReference ref = new EdgeHookReference(task);
            try (EdgeEvaluator fast = new EdgeEvaluator(task); EdgeEvaluator plain = new EdgeEvaluator(task, false)) {
                EdgeGraph g = fast.graph();
                List<EdgeCircuit> circuits = new ArrayList<>(List.of(EdgeCircuit.all(g), EdgeCircuit.none(g)));
                for (int i = 0; i < 6; i++) circuits.add(EdgeEvaluatorTest.randomEdges(g, rng));
                for (EdgeCircuit circuit : circuits) {
                    double want = ref.score(circuit);
                    String what = circuit + " on " + c.getFileName();
                    assertEquals(want, plain.score(circuit), SAME, what + " (one full fast pass)");
                    fast.setBase(circuits.get(0));
                    assertEquals(want, fast.score(circuit), SAME, what + " (derived from the all-edges base)");
                }
            }
        }
    }

    @Test
    void theSplitInputsAndHookResultChangeNothingWhenLeftAlone() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        Hook listening = new Hook() {
            @Override
            public NDArray apply(HookPoint point, int layer, NDArray activation) {
                return activation;
            }

            @Override
            public boolean uses(HookPoint point) {
                return point.optional();
            }
        };
        try (NDScope ignored = new NDScope()) {
            float[] fused = task.model().forward(task.tokens(), Hook.NONE).toFloatArray();
            float[] split = task.model().forward(task.tokens(), listening).toFloatArray();
            assertEquals(fused.length, split.length);
            double max = 0;
            for (int i = 0; i < fused.length; i++) max = Math.max(max, Math.abs(fused[i] - split[i]));
            assertTrue(max < 1e-4, "the per-head q/k/v inputs and the summed hook_result are the fused block: " + max);
        }
    }

    private static List<Edge> names(EdgeGraph g, JsonNode list) {
        List<Edge> out = new ArrayList<>();
        list.forEach(n -> out.add(g.parse(n.asText())));
        return out;
    }
}
