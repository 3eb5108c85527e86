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
 * 1 point on OV.
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
            Explanation x = new Explainer(task).explain(Scope.FULL, EnumSet.of(Measure.DLA, Measure.LENS, Measure.ATTENTION, Measure.OV));
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
}
