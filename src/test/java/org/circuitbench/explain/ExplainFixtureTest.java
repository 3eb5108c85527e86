package org.circuitbench.explain;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every value of each case's explain-expected.json (an independent implementation) within the
 * tolerances of shared/README.md: 1e-3 × max(1, |logit_diff|) on DLA and lens, 1e-4 on attention,
 * 1 point on OV. The fixture's OV scores are the layer1 definition's (layer 1's ln_1 for every
 * head, as the Explain issue defined them), so they are compared with that definition, and the
 * app's default (as-run) is shown to differ from them beyond the tolerance.
 */
class ExplainFixtureTest {

    @Test
    void fullModelMeasuresMatchTheFixtures() {
        List<Path> cases = TestData.casesWith("explain-expected.json");
        assertFalse(cases.isEmpty(), "no fixture case has explain-expected.json");
        for (Path c : cases) {
            JsonNode e = TestData.expected(c, "explain-expected.json").orElseThrow();
            AblationTask task = TestData.task(c);
            long t0 = System.nanoTime();
            Explanation x = new Explainer(task, OvDefinition.LAYER1)
                    .explain(Scope.FULL, EnumSet.of(Measure.DLA, Measure.LENS, Measure.ATTENTION, Measure.OV));
            System.out.printf("explain %s: %.2f s%n", c.getFileName(), (System.nanoTime() - t0) / 1e9);
            String name = c.getFileName().toString();
            double ld = e.get("logit_diff").asDouble();
            double tolLd = 1e-3 * Math.max(1, Math.abs(ld));
            assertEquals(ld, x.logitDiff(), 1e-4 * Math.abs(ld), name + " logit_diff");

            List<DirectLogitAttribution.Entry> dla = x.dla().entries();
            assertEquals(e.get("dla").size(), dla.size(), name + " DLA entries");
            for (int i = 0; i < dla.size(); i++) {
                JsonNode want = e.get("dla").get(i);
                assertEquals(want.get("node").asText(), dla.get(i).node());
                assertEquals(want.get("value").asDouble(), dla.get(i).value(), tolLd, name + " DLA " + dla.get(i).node());
            }

            List<LogitLens.Point> lens = x.lens().points();
            assertEquals(e.get("lens").size(), lens.size(), name + " lens points");
            for (int i = 0; i < lens.size(); i++) {
                JsonNode want = e.get("lens").get(i);
                assertEquals(want.get("after").asText(), lens.get(i).after());
                assertEquals(want.get("logit_diff").asDouble(), lens.get(i).logitDiff(), tolLd, name + " lens " + lens.get(i).after());
            }

            List<LabelAttention.Entry> att = x.attention().entries();
            assertEquals(e.get("attention").size(), att.size(), name + " attention entries");
            for (int i = 0; i < att.size(); i++) {
                JsonNode want = e.get("attention").get(i);
                String what = name + " attention " + att.get(i).head() + " " + att.get(i).label();
                assertEquals(want.get("head").asText(), att.get(i).head(), what);
                assertEquals(want.get("label").asText(), att.get(i).label(), what);
                assertEquals(want.get("value").asDouble(), att.get(i).value(), 1e-4, what);
            }

            JsonNode ov = e.get("ov");
            int layers = x.ov().next().length, heads = x.ov().next()[0].length;
            assertEquals(ov.size(), layers * heads, name + " OV entries");
            for (JsonNode want : ov) {
                String[] lh = want.get("head").asText().split("\\.");
                int l = Integer.parseInt(lh[0]), h = Integer.parseInt(lh[1]);
                assertEquals(want.get("next").asDouble(), x.ov().next(l, h), 1.0, name + " OV next " + want.get("head").asText());
                assertEquals(want.get("copy").asDouble(), x.ov().copy(l, h), 1.0, name + " OV copy " + want.get("head").asText());
            }
        }
    }

    @Test
    void theFixturesOvIsLayer1sNotAsRuns() {
        // measured over all 144 heads on the demo model: as-run differs from layer1 on 110 heads, by up
        // to 1.5 points (0.2), and lies outside the fixture's 1-point tolerance on 0.2, 0.11 and 9.3
        Path c = TestData.fixture("digits-seqcont-tiny");
        JsonNode e = TestData.expected(c, "explain-expected.json").orElseThrow();
        List<org.circuitbench.ablation.Node.Head> heads = List.of(org.circuitbench.ablation.Node.head(0, 2),
                org.circuitbench.ablation.Node.head(0, 11), org.circuitbench.ablation.Node.head(9, 3));
        OvScores asRun = new Explainer(TestData.task(c), OvDefinition.AS_RUN).ov(Scope.FULL, heads);
        int outside = 0;
        for (JsonNode want : e.get("ov")) {
            String[] lh = want.get("head").asText().split("\\.");
            int l = Integer.parseInt(lh[0]), h = Integer.parseInt(lh[1]);
            if (Double.isNaN(asRun.next(l, h))) continue;
            if (Math.abs(want.get("next").asDouble() - asRun.next(l, h)) > 1.0 || Math.abs(want.get("copy").asDouble() - asRun.copy(l, h)) > 1.0) {
                outside++;
            }
        }
        assertEquals(3, outside, "as-run misses the fixture on exactly these heads; the fixture is layer1's");
    }
}
