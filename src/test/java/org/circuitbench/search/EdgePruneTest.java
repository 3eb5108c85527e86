package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edge prune of edges.md against the fixtures, and the attribution-guided minimal circuit. */
class EdgePruneTest {

    @TestFactory
    List<DynamicTest> edgePrunesMatchTheFixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path c : TestData.casesWith("edges-expected.json")) {
            for (JsonNode p : TestData.expected(c, "edges-expected.json").orElseThrow().path("prunes")) {
                String label = c.getFileName() + " edges T=" + p.get("threshold").asDouble() + " from " + p.get("start").asText();
                tests.add(DynamicTest.dynamicTest(label, () -> check(c, p, label)));
            }
        }
        return tests;
    }

    private static void check(Path caseDir, JsonNode p, String label) throws Exception {
        AblationTask task = TestData.task(caseDir);
        FixtureLog log = new FixtureLog();
        PruneResult<Edge, EdgeCircuit> r;
        try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
            String spec = p.get("start").asText();
            r = new EdgePruner(ev, spec, CircuitReader.readEdges(spec, ev.graph()), p.get("threshold").asDouble(), 1)
                    .run(new JobContext(log.listener()));
        }
        List<String> wantRemoved = new ArrayList<>();
        List<Double> wantScores = new ArrayList<>();
        p.get("removed").forEach(n -> {
            wantRemoved.add(n.get("edge").asText());
            wantScores.add(n.get("score").asDouble());
        });
        if (!log.agrees(wantRemoved, wantScores, r.settings().threshold(), p.path("near_threshold").asBoolean(false), label)) return;
        List<String> wantKept = new ArrayList<>();
        p.get("kept").forEach(n -> wantKept.add(n.asText()));
        assertEquals(new HashSet<>(wantKept), new HashSet<>(r.circuit().toStrings()), "kept edges");
        assertEquals(p.get("score").asDouble(), r.score(), 0.01, "final score");
        assertEquals(p.get("evaluations").asLong(), r.evaluations(), "evaluations");
    }

    @Test
    void theMinimalCircuitByAttributionIsExactAndSmallest() throws Exception {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
            EdgeCircuit all = EdgeCircuit.all(ev.graph());
            List<String> messages = new ArrayList<>();
            PruneResult<Edge, EdgeCircuit> r = new MinimalEdgeCircuit(ev, "all", all, 10).run(new JobContext(new JobListener<>() {
                @Override
                public void progress(Progress p) {
                    messages.add(p.message());
                }
            }));
            assertTrue(r.reached());
            // the progress line a user reads: the score as a percentage with two decimals, not a raw double
            assertTrue(messages.size() > 2, messages.toString());
            for (String m : messages.subList(1, messages.size())) {
                assertTrue(m.matches("top [0-9,]+ edges: -?[0-9]+\\.[0-9]{2} %"), m);
            }
                        try (EdgeEvaluator plain = new EdgeEvaluator(task, false)) {
                assertEquals(plain.score(r.circuit()), r.score(), 1e-3, "the reported score is the exact one");
                for (PruneResult.Point pt : r.curve()) {
                    if (pt.size() == all.size()) assertEquals(plain.score(all), pt.score(), 1e-3);
                }
            }
            assertTrue(r.score() >= 90, "reaches 100 − T");
            // the bisection's neighbour below n was tried and fell short, unless n is 0
            boolean belowTried = r.curve().stream().anyMatch(pt -> pt.size() == r.circuit().size() - 1 && pt.score() < 90);
            assertTrue(r.circuit().size() == 0 || belowTried, "n − 1 was scored below the target: " + r.curve());
            assertTrue(r.evaluations() <= 1 + (int) Math.ceil(Math.log(all.size() + 1) / Math.log(2)), "about log2(edges) passes");
        }
    }
}
