package org.circuitbench.search;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrunerTest {
    static AblationTask words() {
        return TestData.task(TestData.fixture("words-months-seqcont-4x4"));
    }

    static AblationTask digits() {
        return TestData.task(TestData.fixture("digits-seqcont-tiny"));
    }

    static PruneResult<Node, Circuit> run(AblationTask task, PruneSettings<Circuit> s, int speculation) {
        try (Evaluator ev = new FastEvaluator(task)) {
            return new Pruner(ev, s, speculation).run(JobContext.silent());
        }
    }

    static List<Node> removed(PruneResult<Node, Circuit> r) {
        return r.removals().stream().map(Removal::element).toList();
    }

    @Test
    void randomIsReproducibleBySeedAndSeedsDiffer() {
        AblationTask task = digits();
        PruneSettings<Circuit> a = new PruneSettings<>(SearchMethod.RANDOM, 10, task.allHeads(), 1, 60);
        PruneResult<Node, Circuit> r1 = run(task, a, 1), r2 = run(task, a, 1);
        assertEquals(removed(r1), removed(r2));
        assertEquals(r1.circuit(), r2.circuit());
        assertEquals(60, r1.evaluations());
        PruneResult<Node, Circuit> r3 = run(task, new PruneSettings<>(SearchMethod.RANDOM, 10, task.allHeads(), 2, 60), 1);
        assertNotEquals(removed(r1), removed(r3));
    }

    /** Fast and naive (the seed's full-vocabulary pass) agree on every method. */
    @Test
    void fastAndNaiveAgreeOnEveryMethod() {
        AblationTask task = words();
        for (SearchMethod m : SearchMethod.of(org.circuitbench.ablation.Level.NODES)) {
            PruneSettings<Circuit> s = new PruneSettings<>(m, 10, task.allHeads(), 3, 40);
            PruneResult<Node, Circuit> fast = run(task, s, 1);
            PruneResult<Node, Circuit> naive;
            try (Evaluator ev = org.circuitbench.ablation.ReferenceEvaluator.naive(task)) {
                naive = new Pruner(ev, s).run(JobContext.silent());
            }
            assertEquals(removed(naive), removed(fast), m.id);
            for (int i = 0; i < fast.removals().size(); i++) {
                assertEquals(naive.removals().get(i).score(), fast.removals().get(i).score(), 1e-3, m.id + " step " + i);
            }
        }
    }

    /** The prune's final score is its circuit's own, as the reference evaluator (the seed's arithmetic) computes it. */
    @Test
    void finalScoreIsTheFinalCircuitsOwnScore() {
        AblationTask task = words();
        PruneResult<Node, Circuit> r = run(task, PruneSettings.of(SearchMethod.BACKWARD, 3, task.allHeads()), 1);
        assertTrue(r.circuit().size() < 16 && !r.circuit().isEmpty(), "the prune removed some heads and kept some");
        assertEquals(new ReferenceEvaluator(task).score(r.circuit()), r.score(), 1e-3);
        assertEquals(r.removals().get(r.removals().size() - 1).score(), r.score(), 1e-9);
    }

    /** The seed's digits task on the 4 × 4 model: a second task for tests of the search's logic, with 100 prompts. */
    static AblationTask digitsOn4x4() {
        return DIGITS_4X4.updateAndGet(t -> {
            if (t != null) return t;
            var m = TestData.model(TestData.model4x4());
            try {
                return AblationTask.prepare(m, org.circuitbench.session.SampleSessions.digits().generate(m.tokenizer()::encode));
            } catch (org.circuitbench.task.TaskException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static final java.util.concurrent.atomic.AtomicReference<AblationTask> DIGITS_4X4 = new java.util.concurrent.atomic.AtomicReference<>();

    /** Speculation is the search's logic, so it is checked on the 4 × 4 model, on two tasks and every method. */
    @Test
    void speculationNeverChangesTheLog() {
        for (AblationTask task : List.of(words(), digitsOn4x4())) {
            for (SearchMethod m : SearchMethod.of(org.circuitbench.ablation.Level.NODES)) {
                double t = m == SearchMethod.FORWARD ? 10 : 20;
                PruneSettings<Circuit> s = new PruneSettings<>(m, t, task.allHeads(), 4, 80);
                PruneResult<Node, Circuit> plain = run(task, s, 1);
                PruneResult<Node, Circuit> spec = run(task, s, 8);
                assertEquals(removed(plain), removed(spec), m + " removals");
                assertEquals(plain.circuit(), spec.circuit(), m + " circuit");
                assertEquals(plain.evaluations(), spec.evaluations(), m + " evaluations");
            }
        }
    }

    /** A scripted evaluator whose decisions alternate keep/remove, the hardest case for speculation. */
    @Test
    void speculationWithAlternatingDecisions() {
        AblationTask task = words();
        Evaluator alternating = new Evaluator() {
            @Override
            public AblationTask task() {
                return task;
            }

            @Override
            public double score(Circuit c) {
                // a pseudo-random verdict that depends only on the circuit, not on the order of calls
                int sum = 0;
                for (Node n : task.allHeads().combine(org.circuitbench.ablation.SetOperation.DIFFERENCE, c).nodes()) sum += n.layer() * 4 + ((Node.Head) n).head() + 1;
                return sum % 3 == 0 ? 99.0 : 50.0;
            }
        };
        PruneSettings<Circuit> s = PruneSettings.of(SearchMethod.BACKWARD_FORWARD, 5, task.allHeads());
        PruneResult<Node, Circuit> plain = new Pruner(alternating, s, 1).run(JobContext.silent());
        PruneResult<Node, Circuit> spec = new Pruner(alternating, s, 6).run(JobContext.silent());
        assertTrue(plain.removals().size() > 2 && plain.removals().size() < 16, "the script should mix decisions");
        assertEquals(removed(plain), removed(spec));
        assertEquals(plain.evaluations(), spec.evaluations());
    }

    @Test
    void eventsArriveInOrder() {
        AblationTask task = words();
        List<String> events = new ArrayList<>();
        JobListener<PruneResult<Node, Circuit>> l = new JobListener<>() {
            @Override
            public void started(String title, long total) {
                events.add("started " + total);
            }

            @Override
            public void progress(Progress p) {
                events.add("progress " + p.done());
            }

            @Override
            public void removal(Removal<?> r) {
                events.add("removal " + r.element());
            }

            @Override
            public void finished(PruneResult<Node, Circuit> r) {
                events.add("finished " + r.evaluations());
            }
        };
        try (Evaluator ev = new FastEvaluator(task)) {
            JobHandle.runHere(new Pruner(ev, PruneSettings.of(SearchMethod.BACKWARD, 3, task.allHeads())), l);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals("started 16", events.get(0));
        assertEquals("finished 16", events.get(events.size() - 1));
        long done = 0;
        for (String e : events.subList(1, events.size() - 1)) {
            if (e.startsWith("progress")) assertEquals(++done, Long.parseLong(e.substring(9)));
        }
        assertEquals(16, done);
        assertEquals("removal 3.0", events.get(1), "a removal is announced before its progress event");
    }

    @Test
    void cancelKeepsAConsistentPartialLog() throws Exception {
        AblationTask task = digits();
        AtomicInteger seen = new AtomicInteger();
        var exec = Executors.newSingleThreadExecutor();
        try (Evaluator ev = new FastEvaluator(task)) {
            JobHandle<PruneResult<Node, Circuit>>[] handle = new JobHandle[1];
            JobListener<PruneResult<Node, Circuit>> l = new JobListener<>() {
                @Override
                public void progress(Progress p) {
                    if (seen.incrementAndGet() == 30) handle[0].cancel();
                }
            };
            synchronized (handle) {
                handle[0] = JobHandle.start(exec, new Pruner(ev, PruneSettings.of(SearchMethod.BACKWARD, 3, task.allHeads())), l);
            }
            PruneResult<Node, Circuit> r = handle[0].result().get(60, TimeUnit.SECONDS);
            assertTrue(r.cancelled());
            assertEquals(30, r.evaluations(), "stops within one evaluation");
            Circuit replay = task.allHeads();
            for (Removal<Node> x : r.removals()) replay = replay.without(x.element());
            assertEquals(replay, r.circuit(), "the circuit is the start minus the logged removals");
            assertFalse(r.removals().isEmpty());
            assertEquals(new ReferenceEvaluator(task).score(r.circuit()), r.score(), 1e-3, "score of the partial circuit");
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void badInputGetsClearMessages() {
        AblationTask task = words();
        Circuit all = task.allHeads();
        // T is checked on the evaluator's scale (a percentage here), when the prune is made
        try (FastEvaluator ev = new FastEvaluator(task)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Pruner(ev, PruneSettings.of(SearchMethod.BACKWARD, 101, all)))
                    .getMessage().contains("[0, 100]"));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PruneSettings.of(SearchMethod.BACKWARD, -1, all))
                .getMessage().contains("at least 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PruneSettings.of(SearchMethod.BACKWARD, 3, Circuit.none(4, 4)))
                .getMessage().contains("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchMethod.parse("sideways"))
                .getMessage().contains("forward, backward"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PruneSettings<>(SearchMethod.RANDOM, 3, all, 0, 0))
                .getMessage().contains("--iterations"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Circuit.parse("12.0", 4, 4))
                .getMessage().contains("outside the model"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Circuit.parse("1.x", 4, 4))
                .getMessage().contains("L.H"));
    }

    @Test
    void importanceIsSortedLowestFirstAndMatchesTheFixture() {
        for (var c : TestData.fixtureCases()) {
            var exp = TestData.expected(c).get("importance");
            if (exp == null) continue;
            AblationTask task = TestData.task(c);
            Circuit circuit = org.circuitbench.ablation.Circuits.fromJson(task, exp.get("circuit"));
            Importance.Result r;
            try (Evaluator ev = new FastEvaluator(task)) {
                r = new Importance(ev, circuit).run(JobContext.silent());
            }
            assertEquals(exp.get("circuit_score").asDouble(), r.circuitScore(), 0.01);
            assertEquals(exp.get("heads").size(), r.entries().size());
            for (int i = 0; i < r.entries().size(); i++) {
                var want = exp.get("heads").get(i);
                assertEquals(want.get("score_without").asDouble(), r.entries().get(i).scoreWithout(), 0.01, "entry " + i);
                if (i > 0) assertTrue(r.entries().get(i - 1).scoreWithout() <= r.entries().get(i).scoreWithout());
            }
            // the order may swap only between entries within the tolerance
            for (int i = 0; i < r.entries().size(); i++) {
                String want = exp.get("heads").get(i).get("head").asText();
                String got = r.entries().get(i).node().toString();
                if (!want.equals(got)) {
                    assertEquals(exp.get("heads").get(i).get("score_without").asDouble(), r.entries().get(i).scoreWithout(), 0.02);
                }
            }
        }
    }

    @Test
    void comparisonScoresEverySet() {
        AblationTask task = words();
        Circuit a = Circuit.parse("0.0,0.1,0.2,0.3,1.0", 4, 4), b = Circuit.parse("0.0,0.2,0.3,3.2,3.3", 4, 4);
        try (Evaluator ev = new FastEvaluator(task)) {
            List<Comparison.Row> rows = new Comparison(ev, Map.of("a", a, "b", b)).run(JobContext.silent());
            Comparison.Row inter = rows.stream().filter(r -> r.operation().equals("intersection")).findFirst().orElseThrow();
            assertEquals(Circuit.parse("0.0,0.2,0.3", 4, 4), inter.circuit());
            ReferenceEvaluator ref = new ReferenceEvaluator(task);
            assertEquals(ref.score(inter.circuit()), inter.score(), 1e-3);
            assertEquals(2 + 2 + 2, rows.size());
            CrossTaskMatrix.Result m = new CrossTaskMatrix(Map.of("a", a, "b", b), Map.of("words", ev)).run(JobContext.silent());
            assertEquals(ref.score(a), m.scores()[m.circuits().indexOf("a")][0], 1e-3);
        }
    }
}
