package org.circuitbench.ablation;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Exact edge ablation: the fixtures' scores, the identities of edges.md that tie edges to the
 * node level, and the fast path against the plain pass.
 */
class EdgeEvaluatorTest {
    static final double POINTS = 0.01;  // the fixtures' tolerance
    static final double SAME = 1e-3;    // fast path vs plain pass: float rounding only

    static EdgeCircuit named(EdgeGraph g, JsonNode s) {
        if (s.has("induced_from")) return EdgeCircuit.induced(g, Circuit.parse(s.get("induced_from").asText(), g.layers(), g.heads()));
        List<Edge> edges = new ArrayList<>();
        s.get("edges").forEach(n -> edges.add(g.parse(n.asText())));
        return EdgeCircuit.of(g, edges);
    }

    @Test
    void namedEdgeCircuitsScoreAsTheFixturesSay() {
        for (Path c : TestData.casesWith("edges-expected.json")) {
            JsonNode e = TestData.expected(c, "edges-expected.json").orElseThrow();
            AblationTask task = TestData.task(c);
            assertEquals(e.get("full_logit_diff").asDouble(), task.fullLogitDiff(), 1e-4 * Math.abs(task.fullLogitDiff()));
            try (EdgeEvaluator plain = new EdgeEvaluator(task, false); EdgeEvaluator fast = new EdgeEvaluator(task)) {
                var it = e.get("scores").fields();
                while (it.hasNext()) {
                    var entry = it.next();
                    EdgeCircuit circuit = named(plain.graph(), entry.getValue());
                    double want = entry.getValue().get("score").asDouble();
                    String what = entry.getKey() + " on " + c.getFileName();
                    assertEquals(want, plain.score(circuit), POINTS, what);
                    assertEquals(want, fast.score(circuit), POINTS, what + " (fast path)");
                }
            }
        }
    }

    @Test
    void allEdgesScoreWhatAllNodesScore() {
        for (Path c : TestData.casesWith("edges-expected.json")) {
            AblationTask task = TestData.task(c);
            try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                ReferenceEvaluator nodes = new ReferenceEvaluator(task);
                assertEquals(nodes.score(task.allHeads()), ev.score(EdgeCircuit.all(ev.graph())), SAME);
                var cfg = task.model().config();
                assertEquals(nodes.score(Circuit.allWithMlps(cfg.nLayer(), cfg.nHead())), ev.score(EdgeCircuit.all(ev.graph())), SAME);
            }
        }
    }

    @Test
    void inducedEdgesScoreWhatTheirNodeCircuitScores() {
        for (Path c : TestData.fixtureCases()) {
            AblationTask task = TestData.task(c);
            ReferenceEvaluator nodes = new ReferenceEvaluator(task);
            try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                for (boolean mlps : new boolean[] {false, true}) {
                    for (Circuit circuit : FastEvaluatorTest.randomCircuits(task, 4, mlps ? 21 : 20, mlps)) {
                        assertEquals(nodes.score(circuit), ev.score(EdgeCircuit.induced(ev.graph(), circuit)), SAME,
                                circuit.toSpec() + " on " + c.getFileName());
                    }
                }
            }
        }
    }

    static EdgeCircuit randomEdges(EdgeGraph g, SplittableRandom rng) {
        double keep = rng.nextDouble();
        BitSet b = new BitSet();
        for (int i = 0; i < g.edgeCount(); i++) if (rng.nextDouble() < keep) b.set(i);
        return EdgeCircuit.ofIds(g, b);
    }

    @Test
    void theFastPathEqualsThePlainPass() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        SplittableRandom rng = new SplittableRandom(7);
        try (EdgeEvaluator plain = new EdgeEvaluator(task, false); EdgeEvaluator fast = new EdgeEvaluator(task)) {
            EdgeGraph g = plain.graph();
            EdgeCircuit base = randomEdges(g, rng);
            fast.setBase(base);
            List<Edge> order = g.pruningOrder();
            for (int i = 0; i < 40; i++) {
                Edge e = order.get(rng.nextInt(order.size()));
                EdgeCircuit c = base.toggled(e);
                assertEquals(plain.score(c), fast.score(c), SAME, "toggle " + e);
                if (i % 5 == 0) {
                    base = c;
                    fast.setBase(base); // promotes the last candidate
                }
            }
            for (int i = 0; i < 5; i++) {
                EdgeCircuit c = randomEdges(g, rng);
                assertEquals(plain.score(c), fast.score(c), SAME, "a random circuit far from the base");
            }
        }
    }

    @Test
    void manyScoresWithAMovingBaseLeaveNoArraysBehind() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        int atStart = task.model().manager().getManagedArrays().size();
        try (EdgeEvaluator fast = new EdgeEvaluator(task)) {
            EdgeGraph g = fast.graph();
            List<Edge> order = g.pruningOrder();
            SplittableRandom rng = new SplittableRandom(5);
            Runnable many = () -> {
                EdgeCircuit base = EdgeCircuit.all(g);
                for (int i = 0; i < 500; i++) {
                    EdgeCircuit c = base.toggled(order.get(rng.nextInt(order.size())));
                    fast.score(c);
                    if (i % 7 == 0) {
                        base = c;
                        fast.setBase(base); // promotes the last candidate
                    } else if (i % 50 == 0) {
                        fast.setBase(randomEdges(g, rng)); // a base far away: computed from the old one
                    }
                }
                fast.setBase(EdgeCircuit.all(g));
            };
            many.run();
            int before = task.model().manager().getManagedArrays().size();
            many.run();
            many.run();
            assertEquals(before, task.model().manager().getManagedArrays().size(), "arrays held after 1,000 more scores");
            for (int i = 0; i < 3; i++) fast.attributor().attribute(i == 0 ? EdgeCircuit.all(g) : randomEdges(g, rng));
            assertEquals(before, task.model().manager().getManagedArrays().size(), "arrays held after attribution");
        }
        assertEquals(atStart, task.model().manager().getManagedArrays().size(), "arrays held after close");
    }
}
