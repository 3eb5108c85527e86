package org.circuitbench.ablation;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Edge attribution patching: against the fixtures, and its gradient against finite differences. */
class EdgeAttributionTest {

    /** The fixtures' tolerance: 0.01 points or 1e-3 relative. */
    static void close(double want, double got, String what) {
        double tol = Math.max(0.01, 1e-3 * Math.abs(want));
        assertEquals(want, got, tol, what);
    }

    @Test
    void attributionsAndSenderSumsMatchTheFixtures() {
        for (Path c : TestData.casesWith("edges-expected.json")) {
            JsonNode a = TestData.expected(c, "edges-expected.json").orElseThrow().get("attribution");
            AblationTask task = TestData.task(c);
            try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                EdgeGraph g = ev.graph();
                assertEquals("all", a.get("state").asText());
                EdgeAttribution r = ev.attributor().attribute(EdgeCircuit.all(g));
                close(a.get("score").asDouble(), r.score(), "score at the state");
                for (JsonNode e : a.get("edges")) {
                    close(e.get("attribution").asDouble(), r.of(g.parse(e.get("edge").asText())), e.get("edge").asText() + " on " + c.getFileName());
                }
                Map<String, Double> senders = new HashMap<>();
                r.senders().forEach(s -> senders.put(s.sender().toString(), s.attribution()));
                for (JsonNode s : a.get("senders")) {
                    String n = s.get("node").asText();
                    assertTrue(senders.containsKey(n), n);
                    close(s.get("attribution").asDouble(), senders.get(n), "sender " + n + " on " + c.getFileName());
                }
                assertEquals(a.get("senders").size(), senders.size());
            }
        }
    }

    /**
     * d score / d eps, where eps × (μ_s − a_s) is added to r's input, is the attribution; checked by
     * central differences at the full state and at a partial one.
     */
    @Test
    void theGradientMatchesFiniteDifferences() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            EdgeGraph g = ev.graph();
            SplittableRandom rng = new SplittableRandom(3);
            EdgeCircuit partial = EdgeEvaluatorTest.randomEdges(g, rng);
            for (EdgeCircuit state : List.of(EdgeCircuit.all(g), partial)) {
                EdgeAttribution r = ev.attributor().attribute(state);
                assertEquals(ev.score(state), r.score(), 1e-3);
                List<EdgeAttribution.EdgeValue> edges = r.edges();
                // the largest, plus a spread of others
                edges.sort((x, y) -> Double.compare(Math.abs(y.attribution()), Math.abs(x.attribution())));
                for (int i = 0; i < 12; i++) {
                    Edge e = edges.get(i < 6 ? i : rng.nextInt(edges.size())).edge();
                    double eps = 0.02;
                    double fd = (ev.attributor().scoreNudged(state, e, eps) - ev.attributor().scoreNudged(state, e, -eps)) / (2 * eps);
                    assertEquals(fd, r.of(e), 0.02 + 0.02 * Math.abs(fd), e + " at " + state);
                }
                // a nudge of 1 is the removal itself
                Edge e = edges.get(0).edge();
                assertEquals(ev.score(state.without(e)), ev.attributor().scoreNudged(state, e, 1.0), 1e-3);
            }
        }
    }

    /**
     * Attribution under the other metrics and scales (docs/methods.md): the gradient of the score on
     * the method's scale, checked by central differences as above; accuracy, which has no
     * gradient, is refused.
     */
    @Test
    void theGradientOfEveryDifferentiableMethodMatchesFiniteDifferences() throws Exception {
        var c = TestData.fixture("words-months-seqcont-4x4");
        var file = org.circuitbench.task.TaskFiles.read(c.resolve("task.json"));
        var model = TestData.model(TestData.modelOf(c));
        for (Method m : List.of(new Method(AblationKind.PATCH, Metric.KL, Normalisation.NONE),
                new Method(AblationKind.ZERO, Metric.PROB_DIFF, Normalisation.FAITHFULNESS),
                new Method(AblationKind.MEAN, Metric.PROB, Normalisation.RATIO))) {
            try (AblationTask task = AblationTask.prepare(model, file, m); EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                EdgeGraph g = ev.graph();
                SplittableRandom rng = new SplittableRandom(5);
                EdgeCircuit state = EdgeEvaluatorTest.randomEdges(g, rng);
                EdgeAttribution r = ev.attributor().attribute(state);
                assertEquals(ev.score(state), r.score(), 1e-4, m.describe());
                List<EdgeAttribution.EdgeValue> edges = r.edges();
                edges.sort((x, y) -> Double.compare(Math.abs(y.attribution()), Math.abs(x.attribution())));
                for (int i = 0; i < 8; i++) {
                    Edge e = edges.get(i < 4 ? i : rng.nextInt(edges.size())).edge();
                    double eps = 0.02;
                    double fd = (ev.attributor().scoreNudged(state, e, eps) - ev.attributor().scoreNudged(state, e, -eps)) / (2 * eps);
                    double scale = m.percent() ? 1 : 0.01; // KL's values are small: a tolerance in its own units
                    assertEquals(fd, r.of(e), scale * (0.02 + 0.02 * Math.abs(fd / scale)), e + ", " + m.describe());
                }
            }
        }
        try (AblationTask task = AblationTask.prepare(model, file, new Method(AblationKind.MEAN, Metric.ACCURACY, Normalisation.RATIO));
             EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            String msg = assertThrows(IllegalArgumentException.class, () -> ev.attributor().attribute(EdgeCircuit.all(ev.graph()))).getMessage();
            assertTrue(msg.contains("accuracy") && msg.contains("has none"), msg);
        }
    }

    /** A kept edge whose attribution is not a number makes the whole result fail with one line, never "no value". */
    @Test
    void anAttributionThatIsNotANumberIsRefused() {
        EdgeGraph g = new EdgeGraph(4, 4);
        EdgeCircuit c = EdgeCircuit.all(g).without(g.parse("3.2->logits"));
        float[] byId = new float[g.edgeCount()];
        java.util.Arrays.fill(byId, 0.5f);
        byId[g.id(g.parse("3.2->logits"))] = Float.NaN; // not kept: allowed
        EdgeAttributor.checkFinite(c, byId);
        byId[g.id(g.parse("1.0->2.mlp"))] = Float.NaN;
        byId[g.id(g.parse("embed->2.mlp"))] = Float.POSITIVE_INFINITY;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EdgeAttributor.checkFinite(c, byId));
        assertEquals("The attribution came out as no number for 2 of " + String.format(java.util.Locale.ROOT, "%,d", c.size())
                + " kept edges (embed->2.mlp among them); the exact scores are not affected. Compute it again.", e.getMessage());
    }
}
