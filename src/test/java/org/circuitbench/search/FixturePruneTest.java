package org.circuitbench.search;

import org.circuitbench.ablation.Node;
import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Circuits;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every {@code prunes} entry and the {@code importance} list of every fixture case, with the fast
 * evaluator and (see {@link #withReference}) the reference one: same circuit, same removal order,
 * scores within 0.01.
 * A case marked near_threshold may differ only at a decision within 0.002 points of the
 * threshold, and must agree up to it ({@link FixtureLog}).
 */
class FixturePruneTest {

    /** Two threads: all prunes start when the tests are listed, and each test checks its own result. */
    private static final ExecutorService POOL = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fixture-prunes");
        t.setDaemon(true);
        return t;
    });

    /** A prune's result and its recorded decisions. */
    private record Outcome(AblationTask task, PruneSettings<Circuit> settings, PruneResult<Node, Circuit> result, FixtureLog log) {
    }

    @TestFactory
    List<DynamicTest> prunesMatchFixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path c : TestData.fixtureCases()) {
            JsonNode expected = TestData.expected(c);
            int i = 0;
            for (JsonNode p : expected.path("prunes")) {
                String label = c.getFileName() + " #" + i++ + " " + p.get("method").asText() + " T=" + p.get("threshold").asDouble();
                Future<Outcome> fast = POOL.submit(() -> prune(c, p, FastEvaluator::new));
                tests.add(DynamicTest.dynamicTest(label + " (fast)", () -> check(c, p, fast.get())));
                if (withReference(c, p)) {
                    Future<Outcome> reference = POOL.submit(() -> prune(c, p, ReferenceEvaluator::new));
                    tests.add(DynamicTest.dynamicTest(label + " (reference)", () -> check(c, p, reference.get())));
                }
            }
        }
        return tests;
    }

    /**
     * The reference evaluator (a full forward pass per score) prunes every case of the small models,
     * and one method (backward, which every other method starts or ends with) on a model of 12 × 12
     * or more: the other three there cost 600 full passes, and the reference's scores are checked
     * on every fixture circuit by FixtureScoreTest. The fast evaluator prunes every case.
     */
    private static boolean withReference(Path caseDir, JsonNode p) {
        var config = TestData.task(caseDir).model().config();
        return config.nLayer() * config.nHead() < 144 || p.get("method").asText().equals("backward");
    }

    private static Outcome prune(Path caseDir, JsonNode p, Function<AblationTask, Evaluator> make) {
        AblationTask task = TestData.task(caseDir);
        Circuit start = p.has("start") ? Circuits.fromJson(task, p.get("start")) : task.allHeads();
        PruneSettings<Circuit> s = new PruneSettings<>(SearchMethod.parse(p.get("method").asText()), p.get("threshold").asDouble(),
                start, p.path("seed").asLong(0), p.path("iterations").asInt(PruneSettings.DEFAULT_ITERATIONS));
        FixtureLog log = new FixtureLog();
        try (Evaluator ev = make.apply(task)) {
            return new Outcome(task, s, new Pruner(ev, s).run(new JobContext(log.listener())), log);
        }
    }

    private static void check(Path caseDir, JsonNode p, Outcome o) {
        PruneResult<Node, Circuit> r = o.result();
        List<String> wantRemoved = new ArrayList<>();
        List<Double> wantScores = new ArrayList<>();
        p.get("removed").forEach(n -> {
            wantRemoved.add(n.get("head").asText());
            wantScores.add(n.get("score").asDouble());
        });
        if (!o.log().agrees(wantRemoved, wantScores, o.settings().threshold(), p.path("near_threshold").asBoolean(false), label(caseDir, p))) return;
        assertEquals(wantRemoved, r.removals().stream().map(x -> x.element().toString()).toList(), "removal order");
        assertEquals(Circuits.fromJson(o.task(), p.get("circuit")), r.circuit(), "final circuit");
        assertEquals(p.get("score").asDouble(), r.score(), 0.01, "final score");
        assertEquals(p.get("evaluations").asLong(), r.evaluations(), "evaluations");
    }

    private static String label(Path caseDir, JsonNode p) {
        return caseDir.getFileName() + " " + p.get("method").asText() + " T=" + p.get("threshold").asDouble();
    }
}
