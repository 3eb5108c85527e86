package org.circuitbench.ablation;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every fixture case and every named circuit in it: logit differences to 1e-4 relative, scores to 0.01. */
class FixtureScoreTest {

    @TestFactory
    List<DynamicTest> everyFixtureCircuitMatches() {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> cases = TestData.fixtureCases();
        assertFalse(cases.isEmpty(), "no fixture cases found");
        for (Path c : cases) {
            JsonNode expected = TestData.expected(c);
            String name = c.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name + ": full_logit_diff", () -> {
                double want = expected.get("full_logit_diff").asDouble();
                assertEquals(want, TestData.task(c).fullLogitDiff(), Math.abs(want) * 1e-4);
            }));
            expected.path("scores").fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(
                    name + ": " + e.getKey(), () -> {
                        AblationTask task = TestData.task(c);
                        Circuit circuit = Circuits.fromJson(task, e.getValue().get("circuit"));
                        double wantLd = e.getValue().get("circuit_logit_diff").asDouble();
                        double wantScore = e.getValue().get("score").asDouble();
                        ScoreDetails d = task.details(circuit);
                        assertEquals(wantLd, d.circuitMetric(), Math.abs(wantLd) * 1e-4, "circuit_logit_diff");
                        assertEquals(wantScore, d.score(), 0.01, "score (details)");
                        assertEquals(wantScore, new ReferenceEvaluator(task).score(circuit), 0.01, "score (reference)");
                    })));
        }
        return tests;
    }
}
