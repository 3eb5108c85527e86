package org.circuitbench.ablation;

import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fast evaluator agrees with the reference one to 1e-3 points, whatever the base and batching. */
class FastEvaluatorTest {
    static final double TOL = 1e-3;

    static List<Circuit> randomCircuits(AblationTask task, int n, long seed, boolean mlps) {
        SplittableRandom rng = new SplittableRandom(seed);
        var cfg = task.model().config();
        List<Circuit> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double keep = rng.nextDouble();
            List<Node> nodes = new ArrayList<>();
            for (int l = 0; l < cfg.nLayer(); l++) {
                for (int h = 0; h < cfg.nHead(); h++) if (rng.nextDouble() < keep) nodes.add(Node.head(l, h));
                if (mlps && rng.nextDouble() < 0.7) nodes.add(Node.mlp(l));
            }
            out.add(Circuit.of(cfg.nLayer(), cfg.nHead(), nodes, mlps));
        }
        return out;
    }

    @Test
    void randomCircuitsMatchTheReferenceOnBothFixtureModels() {
        for (var c : TestData.fixtureCases()) {
            AblationTask task = TestData.task(c);
            ReferenceEvaluator ref = new ReferenceEvaluator(task);
            try (FastEvaluator fast = new FastEvaluator(task)) {
                for (Circuit circuit : randomCircuits(task, 12, 11, false)) {
                    assertEquals(ref.score(circuit), fast.score(circuit), TOL, circuit + " on " + c.getFileName());
                    fast.setBase(circuit); // next circuit diverges from this one somewhere
                }
            }
        }
    }

    @Test
    void mlpNodesMatchTheReference() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        ReferenceEvaluator ref = new ReferenceEvaluator(task);
        try (FastEvaluator fast = new FastEvaluator(task)) {
            for (Circuit circuit : randomCircuits(task, 16, 5, true)) {
                assertEquals(ref.score(circuit), fast.score(circuit), TOL, circuit.toSpec());
            }
        }
    }

    @Test
    void oneNodeAwayFromTheBaseUsesThePrefixAndStillMatches() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        ReferenceEvaluator ref = new ReferenceEvaluator(task);
        Circuit base = randomCircuits(task, 1, 99, false).get(0);
        try (FastEvaluator fast = new FastEvaluator(task)) {
            fast.setBase(base);
            for (int l : new int[] {0, 5, 11}) {
                for (int h : new int[] {0, 7}) {
                    Circuit c = base.toggled(Node.head(l, h));
                    assertEquals(ref.score(c), fast.score(c), TOL, "toggle " + l + "." + h);
                }
            }
            assertEquals(ref.score(base), fast.score(base), TOL, "the base itself");
        }
    }

    @Test
    void batchedScoresEqualOneByOne() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        Circuit base = task.allHeads().without(Node.head(3, 3)).without(Node.head(9, 1));
        List<Circuit> candidates = base.nodes().stream().filter(n -> n.layer() % 3 == 0).map(base::without).toList();
        List<Circuit> mixed = new ArrayList<>(candidates);
        mixed.addAll(randomCircuits(task, 3, 8, false));
        try (FastEvaluator fast = new FastEvaluator(task); FastEvaluator single = new FastEvaluator(task)) {
            fast.setBase(base);
            fast.setMaxBatch(16); // the GPU's setting; a CPU runs one at a time by default
            single.setBase(base);
            double[] batch = fast.scores(mixed);
            for (int i = 0; i < mixed.size(); i++) {
                assertEquals(single.score(mixed.get(i)), batch[i], 1e-4, mixed.get(i).toSpec());
            }
        }
    }

    @Test
    void naiveAndSeedStyleWaysGiveTheSameScores() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        ReferenceEvaluator ref = new ReferenceEvaluator(task);
        for (Circuit c : randomCircuits(task, 4, 3, false)) {
            double want = ref.score(c);
            assertEquals(want, ReferenceEvaluator.naive(task).score(c), TOL);
            assertEquals(want, ReferenceEvaluator.seedStyle(task).score(c), TOL);
        }
    }

    @Test
    void fullAndEmptyCircuits() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        try (FastEvaluator fast = new FastEvaluator(task)) {
            assertEquals(100.0, fast.score(task.allHeads()), 1e-6);
            Circuit none = Circuit.none(12, 12);
            assertEquals(new ReferenceEvaluator(task).score(none), fast.score(none), TOL);
        }
    }

    /**
     * Thousands of scores in a row leave no arrays behind (memory stays flat): the count of arrays
     * must come back exactly, so one array left by a score shows at once.
     */
    @Test
    void thousandsOfScoresLeaveNoArraysBehind() {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        Circuit base = task.allHeads().without(Node.head(1, 2));
        List<Circuit> candidates = base.nodes().stream().map(base::without).toList();
        try (FastEvaluator fast = new FastEvaluator(task)) {
            fast.setBase(base);
            java.util.function.IntConsumer upToAThousand = from -> {
                for (int i = from; i < 1_000; i++) {
                    Circuit c = candidates.get(i % candidates.size());
                    if (i % 200 == 199) {
                        fast.setBase(c); // move the cache, then come back
                        fast.score(base);
                        fast.setBase(base);
                    }
                    fast.score(c);
                }
            };
            // fills the evaluator's caches (bounded) as a full run would: the last 600 steps hold every
            // base move of the 1,000 and end in the same state
            upToAThousand.accept(400);
            int before = task.model().manager().getManagedArrays().size();
            upToAThousand.accept(0);
            upToAThousand.accept(0);
            assertEquals(before, task.model().manager().getManagedArrays().size(), "arrays held by the model's manager");
        }
        ReferenceEvaluator ref = new ReferenceEvaluator(task);
        int before = task.model().manager().getManagedArrays().size();
        for (int i = 0; i < 200; i++) ref.score(candidates.get(i % candidates.size()));
        assertEquals(before, task.model().manager().getManagedArrays().size(), "reference evaluator");
    }
}
