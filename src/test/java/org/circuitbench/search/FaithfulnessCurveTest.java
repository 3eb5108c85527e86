package org.circuitbench.search;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttributionMethod;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Node;
import org.circuitbench.task.TaskFiles;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MIB's faithfulness curve (issue 19 §4): its pruning, its areas, and each point against the engine. */
class FaithfulnessCurveTest {
    static final EdgeGraph SMALL = new EdgeGraph(2, 2);

    static EdgeCircuit edges(String... names) {
        List<Edge> es = new ArrayList<>();
        for (String n : names) es.add(SMALL.parse(n));
        return EdgeCircuit.of(SMALL, es);
    }

    @Test
    void pruningKeepsWhatConnectsTheEmbeddingToTheLogits() {
        assertEquals(edges("embed->logits"), FaithfulnessCurve.connected(edges("embed->logits")));
        // 1.0 is fed but feeds nothing: its in-edge goes, then 0.0 feeds nothing, then embed: nothing is left
        assertEquals(EdgeCircuit.none(SMALL), FaithfulnessCurve.connected(edges("embed->0.0.q", "0.0->1.0.k")));
        // 0.0 writes to the logits but reads nothing kept: MIB drops it (it would read only ablated values)
        assertEquals(EdgeCircuit.none(SMALL), FaithfulnessCurve.connected(edges("0.0->logits")));
        assertEquals(edges("embed->0.0.v", "0.0->logits"),
                FaithfulnessCurve.connected(edges("embed->0.0.v", "0.0->logits", "0.1->logits", "embed->1.1.q")));
        assertEquals(edges("embed->0.mlp", "0.mlp->1.mlp", "1.mlp->logits"),
                FaithfulnessCurve.connected(edges("embed->0.mlp", "0.mlp->1.mlp", "1.mlp->logits", "0.mlp->1.0.q")));
        // a chain through every kind of receiver stays whole; so do all edges and the edges a node circuit induces
        EdgeCircuit chain = edges("embed->0.1.k", "0.1->0.mlp", "0.mlp->1.0.v", "1.0->1.mlp", "1.mlp->logits");
        assertEquals(chain, FaithfulnessCurve.connected(chain));
        assertEquals(EdgeCircuit.all(SMALL), FaithfulnessCurve.connected(EdgeCircuit.all(SMALL)));
        EdgeCircuit induced = EdgeCircuit.induced(SMALL, Circuit.parse("0.1,1.0", 2, 2));
        assertEquals(induced, FaithfulnessCurve.connected(induced));
    }

    @Test
    void theAreasAreMibsTrapezoidsOverTheFractions() {
        double[] f = {0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9, 1.2, 1.0, 1.0};
        double[] p = FaithfulnessCurve.fractions();
        List<FaithfulnessCurve.Point> points = new ArrayList<>();
        for (int i = 0; i < f.length; i++) points.add(new FaithfulnessCurve.Point(p[i], 0, 0, 100 * f[i], 100 * f[i], null)); // the points in percent
        double under = 0, from1 = 0;
        for (int i = 0; i < 9; i++) {
            under += (p[i + 1] - p[i]) * (f[i] + f[i + 1]) / 2;
            from1 += (p[i + 1] - p[i]) * (Math.abs(1 - f[i]) + Math.abs(1 - f[i + 1])) / 2;
        }
        assertEquals(under, FaithfulnessCurve.areaUnder(points), 1e-12);
        assertEquals(from1, FaithfulnessCurve.areaFrom1(points), 1e-12);
        // by hand, interval by interval: width × mean f
        assertEquals(0.001 * 0.15 + 0.003 * 0.25 + 0.005 * 0.4 + 0.01 * 0.55 + 0.03 * 0.7 + 0.05 * 0.85 + 0.1 * 1.05 + 0.3 * 1.1
                + 0.5 * 1.0, FaithfulnessCurve.areaUnder(points), 1e-12);
        assertEquals(1.0069, FaithfulnessCurve.areaUnder(points), 1e-12);
        assertEquals(List.of(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
                java.util.Arrays.stream(p).boxed().toList());
    }

    @Test
    void tiesKeepIdOrderAndTheOrdersDiffer() {
        double[] imp = {0.5, -2.0, 0.5, 1.0, 0.0};
        assertEquals(List.of(3, 0, 2, 4, 1), box(FaithfulnessCurve.order(imp, FaithfulnessCurve.Order.SIGNED)));
        assertEquals(List.of(1, 3, 0, 2, 4), box(FaithfulnessCurve.order(imp, FaithfulnessCurve.Order.ABSOLUTE)));
    }

    /**
     * Every point of both orders, recomputed here from the attribution: k = ⌊p · n⌋, the top k
     * made connected, its exact score, f from the empty and full scores; and the areas.
     */
    @Test
    void eachEdgePointIsTheExactScoreOfTheConnectedTopK() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        AttributionMethod ig = new AttributionMethod(AttributionMethod.Kind.IG_INPUTS, 3, AttributionMethod.Rule.RIGHT);
        try (EdgeEvaluator ev = new EdgeEvaluator(task); EdgeEvaluator plain = new EdgeEvaluator(task, false)) {
            EdgeGraph g = ev.graph();
            FaithfulnessCurve.Result r = FaithfulnessCurve.ofEdges(ev, new FaithfulnessCurve.Ranking(ig),
                    EnumSet.allOf(FaithfulnessCurve.Order.class)).run(JobContext.silent());
            EdgeAttribution a = plain.attributor().attribute(EdgeCircuit.all(g), ig);
            double empty = plain.score(EdgeCircuit.none(g));
            assertEquals(empty, r.emptyScore(), 1e-3);
            assertEquals(100.0, r.fullScore(), 1e-9);
            assertEquals(g.edgeCount(), r.items());
            assertEquals(2, r.curves().size());
            for (FaithfulnessCurve.Curve curve : r.curves()) {
                List<Edge> ranked = new ArrayList<>(a.edges().stream().map(EdgeAttribution.EdgeValue::edge).toList());
                Comparator<Edge> key = curve.order() == FaithfulnessCurve.Order.SIGNED
                        ? Comparator.comparingDouble(e -> a.of(e))                       // most negative change first: helps most
                        : Comparator.comparingDouble(e -> -Math.abs(a.of(e)));
                ranked.sort(key);
                for (FaithfulnessCurve.Point p : curve.points()) {
                    int k = (int) Math.floor(p.fraction() * g.edgeCount());
                    assertEquals(k, p.k());
                    BitSet ids = new BitSet();
                    for (int i = 0; i < k; i++) ids.set(g.id(ranked.get(i)));
                    EdgeCircuit want = FaithfulnessCurve.connected(EdgeCircuit.ofIds(g, ids));
                    assertEquals(want, p.circuit(), curve.order() + " " + p.percent() + " %");
                    assertEquals(want.size(), p.kept());
                    double s = plain.score(want);
                    assertEquals(s, p.score(), 1e-3);
                    assertEquals(100 * (s - empty) / (100 - empty), p.faithfulness(), 1e-2);
                }
                assertEquals(100.0, curve.points().getLast().faithfulness(), 1e-2);
                assertEquals(FaithfulnessCurve.areaUnder(curve.points()), curve.areaUnder(), 1e-12);
            }
            assertEquals(r.curves().get(0).areaUnder(), r.cpr(), 1e-12);
            assertEquals(r.curves().get(1).areaFrom1(), r.cmd(), 1e-12);
            assertTrue(r.exactScores() <= 2 * 10 + 1, "distinct circuits scored: " + r.exactScores());
        }
    }

    /**
     * f is affine-invariant: the curve computed from the seed's ratio scores equals the scores
     * of the same circuits under normalised faithfulness (where s(∅) = 0 and s(full) = 100), / 100.
     */
    @Test
    void faithfulnessDoesNotDependOnTheScoresNormalisation() throws Exception {
        var c = TestData.fixture("words-months-seqcont-4x4");
        AblationTask ratio = TestData.task(c);
        try (AblationTask faith = AblationTask.prepare(ratio.loaded(), TaskFiles.read(c.resolve("task.json")),
                Method.parse("mean", "logit-diff", "faithfulness"));
             EdgeEvaluator a = new EdgeEvaluator(ratio); EdgeEvaluator b = new EdgeEvaluator(faith)) {
            FaithfulnessCurve.Result r = FaithfulnessCurve.ofEdges(a, new FaithfulnessCurve.Ranking(AttributionMethod.EAP),
                    EnumSet.of(FaithfulnessCurve.Order.ABSOLUTE)).run(JobContext.silent());
            for (FaithfulnessCurve.Point p : r.curves().getFirst().points()) {
                assertEquals(b.score((EdgeCircuit) p.circuit()), p.faithfulness(), 1e-2, p.percent() + " %");
            }
        }
    }

    /** Nodes ranked by their exact effect: the order is the importance sweep's, the circuits keep the top k heads and MLPs. */
    @Test
    void theNodeCurveRanksByExactEffect() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        try (FastEvaluator fast = new FastEvaluator(task)) {
            FaithfulnessCurve.Result r = FaithfulnessCurve.ofNodes(fast, null, FaithfulnessCurve.Ranking.EXACT,
                    EnumSet.of(FaithfulnessCurve.Order.SIGNED)).run(JobContext.silent());
            assertEquals(4 * 4 + 4, r.items());
            Importance.Result imp = new Importance(fast, Circuit.allWithMlps(4, 4)).run(JobContext.silent());
            List<Node> byEffect = imp.entries().stream().map(Importance.Entry::node).toList(); // lowest score without it first
            for (FaithfulnessCurve.Point p : r.curves().getFirst().points()) {
                assertEquals(Circuit.of(4, 4, byEffect.subList(0, p.k()), true), p.circuit(), p.percent() + " %");
                assertEquals(fast.score((Circuit) p.circuit()), p.score(), 1e-3);
            }
            List<FaithfulnessCurve.Point> pts = r.curves().getFirst().points();
            assertEquals(0, pts.getFirst().k());      // ⌊0.001 · 20⌋
            assertEquals(0.0, pts.getFirst().faithfulness(), 1e-9);
            assertEquals(100.0, pts.getLast().faithfulness(), 1e-2);
        }
    }

    @Test
    void badNamesAreRefused() {
        assertEquals("--ranking takes eap, eap-ig (= eap-ig-inputs), eap-ig-activations or exact, not 'best'.",
                assertThrows(IllegalArgumentException.class, () -> FaithfulnessCurve.Ranking.parse("best", 5, null)).getMessage());
        assertEquals("--order takes signed (for CPR), absolute (for CMD) or both, not 'up'.",
                assertThrows(IllegalArgumentException.class, () -> FaithfulnessCurve.Order.parse("up")).getMessage());
        assertTrue(FaithfulnessCurve.Ranking.parse("EXACT", 5, null).exact());
    }

    private static List<Integer> box(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
