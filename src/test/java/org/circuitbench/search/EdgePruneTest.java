package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.DevicePolicy;
import org.circuitbench.ablation.Scorer;
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

    /**
     * Several candidates in one pass, each on its own slot, and the prune speculating as the node
     * prune does: the same kept edges, the same removal log, the same evaluations as the sequential
     * loop, on the fixture's prunes and on the demo model from the edges a node circuit induces.
     */
    @Test
    void theBatchedSpeculatingPruneDecidesAsTheSequentialLoop() throws Exception {
        record Start(String fixture, String spec, double threshold, int evaluations) {
        }
        for (Start st : List.of(new Start("words-months-seqcont-4x4", "all", 3, 0), new Start("words-months-seqcont-4x4", "all", 10, 0),
                new Start("digits-seqcont-tiny", "all", 3, 400))) {
            AblationTask task = TestData.task(TestData.fixture(st.fixture()));
            PruneResult<Edge, EdgeCircuit> one;
            PruneResult<Edge, EdgeCircuit> batched;
            try (EdgeEvaluator ev = new EdgeEvaluator(task, true, new DevicePolicy(1, 1))) {
                one = new EdgePruner(ev, st.spec(), CircuitReader.readEdges(st.spec(), ev.graph()), st.threshold(), 1).run(stoppingAt(st.evaluations()));
            }
            int[] widest = {0};
            try (EdgeEvaluator ev = new EdgeEvaluator(task, true, new DevicePolicy(8, 8))) {
                Scorer<EdgeCircuit> counting = new Scorer<>() {
                    @Override
                    public double score(EdgeCircuit c) {
                        return ev.score(c);
                    }

                    @Override
                    public double[] scores(List<EdgeCircuit> cs) {
                        widest[0] = Math.max(widest[0], cs.size());
                        return ev.scores(cs);
                    }

                    @Override
                    public void setBase(EdgeCircuit c) {
                        ev.setBase(c);
                    }
                };
                batched = new EdgePruner(counting, st.spec(), CircuitReader.readEdges(st.spec(), ev.graph()), st.threshold(), 8)
                        .run(stoppingAt(st.evaluations()));
            }
            String what = st.toString();
            assertEquals(8, widest[0], "it scored 8 candidates at once: " + what + " one " + one.evaluations() + "/" + one.removals().size() + " batched " + batched.evaluations() + "/" + batched.removals().size() + " waste " + batched.speculativeWaste());
            assertTrue(one.removals().size() > 5 && one.removals().size() < one.evaluations() - 5, "it both removed and kept: " + what);
            assertEquals(one.circuit(), batched.circuit(), "kept edges, " + what);
            assertEquals(one.evaluations(), batched.evaluations(), "evaluations, " + what);
            assertEquals(one.removals().size(), batched.removals().size(), "removals, " + what);
            for (int i = 0; i < one.removals().size(); i++) {
                assertEquals(one.removals().get(i).element(), batched.removals().get(i).element(), "removal " + i + ", " + what);
                assertEquals(one.removals().get(i).score(), batched.removals().get(i).score(), 1e-3, "removal " + i + ", " + what);
            }
            assertEquals(one.score(), batched.score(), 1e-3, what);
        }
    }

    /** A context that cancels the job after that many evaluations (0: never), so that a long prune is compared on its start. */
    private static JobContext stoppingAt(int evaluations) {
        JobContext[] ctx = new JobContext[1];
        ctx[0] = new JobContext(new JobListener<>() {
            @Override
            public void progress(Progress p) {
                if (evaluations > 0 && p.done() >= evaluations) ctx[0].cancel();
            }
        });
        return ctx[0];
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
