package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Circuits;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every {@code prunes} entry and the {@code importance} list of every fixture case, with the fast
 * evaluator and with the reference one: same circuit, same removal order, scores within 0.01.
 * A case marked near_threshold that flips is reported (skipped with the reason), not failed.
 */
class FixturePruneTest {

    @TestFactory
    List<DynamicTest> prunesMatchFixtures() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path c : TestData.fixtureCases()) {
            JsonNode expected = TestData.expected(c);
            int i = 0;
            for (JsonNode p : expected.path("prunes")) {
                String label = c.getFileName() + " #" + i++ + " " + p.get("method").asText() + " T=" + p.get("threshold").asDouble();
                tests.add(DynamicTest.dynamicTest(label + " (fast)", () -> check(c, p, FastEvaluator::new)));
                tests.add(DynamicTest.dynamicTest(label + " (reference)", () -> check(c, p, ReferenceEvaluator::new)));
            }
        }
        return tests;
    }

    private static void check(Path caseDir, JsonNode p, Function<AblationTask, Evaluator> make) {
        AblationTask task = TestData.task(caseDir);
        Circuit start = p.has("start") ? Circuits.fromJson(task, p.get("start")) : task.allHeads();
        PruneSettings s = new PruneSettings(SearchMethod.parse(p.get("method").asText()), p.get("threshold").asDouble(),
                start, p.path("seed").asLong(0), p.path("iterations").asInt(PruneSettings.DEFAULT_ITERATIONS));
        PruneResult r;
        try (Evaluator ev = make.apply(task)) {
            r = new Pruner(ev, s).run(JobContext.silent());
        }
        List<String> wantRemoved = new ArrayList<>();
        p.get("removed").forEach(n -> wantRemoved.add(n.get("head").asText()));
        List<String> gotRemoved = r.removals().stream().map(x -> x.element().toString()).toList();
        Circuit want = Circuits.fromJson(task, p.get("circuit"));
        boolean same = wantRemoved.equals(gotRemoved) && want.equals(r.circuit());
        if (!same && p.path("near_threshold").asBoolean(false)) {
            Assumptions.abort("near-threshold case flipped (closest decision " + p.path("closest_decision_points").asDouble()
                    + " points): expected removals " + wantRemoved + ", got " + gotRemoved);
        }
        assertEquals(wantRemoved, gotRemoved, "removal order");
        assertEquals(want, r.circuit(), "final circuit");
        for (int k = 0; k < wantRemoved.size(); k++) {
            assertEquals(p.get("removed").get(k).get("score").asDouble(), r.removals().get(k).score(), 0.01,
                    "score after removing " + wantRemoved.get(k));
        }
        assertEquals(p.get("score").asDouble(), r.score(), 0.01, "final score");
        assertEquals(p.get("evaluations").asLong(), r.evaluations(), "evaluations");
    }
}
