package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Node;
import org.circuitbench.model.Gpt2Config;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.HookPoint;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.task.TaskFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reproduce checks, run on the demo model against numbers this test computes itself (host-side
 * arithmetic on the weights and activations, the OV test's direct computation, and the fixture's
 * independent prune), since GPT-2's own weights are out of reach here.
 */
class ReproduceTest {

    @Test
    void gpt2SmallIsRecognisedByItsShape() {
        assertTrue(Reproduce.isGpt2Small(Gpt2Config.of(12, 12, 768, 1024, 50257)));
        assertFalse(Reproduce.isGpt2Small(TestData.model(TestData.demoModel()).config()), "the demo model is 12 × 12 but d_model 96");
        assertFalse(Reproduce.isGpt2Small(Gpt2Config.of(24, 16, 1024, 1024, 50257)), "gpt2-medium");
    }

    @Test
    void theBosTaskStartsWithEndOfText() {
        LoadedModel m = TestData.model(TestData.demoModel());
        long[] ids = m.tokenizer().encode(Reproduce.dlaTask(1, 1).clean().get(0).text());
        assertArrayEquals(new long[] {50256, 16, 362, 513, 604}, ids, "<|endoftext|> 1 ' 2' ' 3' ' 4'");
    }

    /** ln_f(x) · W_U[id] on the host, for one residual row. */
    private static double logit(float[] x, float[] g, float[] b, double eps, float[] wu, int id, int d) {
        double mean = 0, var = 0;
        for (float v : x) mean += v;
        mean /= d;
        for (float v : x) var += (v - mean) * (v - mean);
        double sigma = Math.sqrt(var / d + eps), s = 0;
        for (int j = 0; j < d; j++) s += ((x[j] - mean) / sigma * g[j] + b[j]) * wu[id * d + j];
        return s;
    }

    @Test
    void checksPassOnTheDemoModelAgainstNumbersComputedHere() throws Exception {
        LoadedModel m = TestData.model(TestData.demoModel());
        Gpt2Model g = m.model();
        int d = g.config().nEmbd(), vocab = g.config().vocabSize(), heads = g.config().nHead();
        float[] wu = g.unembed().toFloatArray(), gamma = g.lnF().weight().toFloatArray(), beta = g.lnF().bias().toFloatArray();
        double eps = g.lnF().eps();

        // next token on "1 2 3 4": the whole softmax on the host
        long[] ids = m.tokenizer().encode("1 2 3 4");
        int five = (int) m.tokenizer().encode(" 5")[0], four = (int) m.tokenizer().encode(" 4")[0];
        float[] last;
        try (NDScope ignored = new NDScope()) {
            last = g.forward(g.manager().create(ids, new Shape(1, ids.length)), org.circuitbench.model.Hook.NONE)
                    .get(new NDIndex("0, -1")).toFloatArray();
        }
        double[] logits = new double[vocab];
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (int v = 0; v < vocab; v++) max = Math.max(max, logits[v] = logit(last, gamma, beta, eps, wu, v, d));
        for (double l : logits) z += Math.exp(l - max);
        var next = new Reproduce.NextToken("1 2 3 4", " 5", " 4", Math.exp(logits[five] - max) / z, logits[five], logits[four], "test");

        // per-head DLA on the BOS task: z at end times W_O, centred, over the real final scale, times γ, on the direction
        Map<Node.Head, Double> dla = new LinkedHashMap<>();
        double ld = 0;
        try (AblationTask task = AblationTask.prepare(m, Reproduce.dlaTask(1, 20)); NDScope ignored = new NDScope()) {
            int b = task.tokenized().cleanCount(), t = task.tokenized().maxLength(), dh = d / heads;
            List<float[]> zs = new ArrayList<>();
            float[] fin = g.forward(task.tokens(), (p, l, a) -> {
                if (p == HookPoint.Z) zs.add(a.toFloatArray()); // [b, t, head, dh]
                return a;
            }).toFloatArray();                                   // [b, t, d]
            double[][] per = new double[g.config().nLayer()][heads];
            for (int i = 0; i < b; i++) {
                int end = task.tokenized().end(i), c = (int) task.tokenized().correctId(i), w = (int) task.tokenized().incorrectId(i);
                float[] x = new float[d];
                System.arraycopy(fin, (i * t + end) * d, x, 0, d);
                ld += (logit(x, gamma, beta, eps, wu, c, d) - logit(x, gamma, beta, eps, wu, w, d)) / b;
                double mean = 0, var = 0;
                for (float v : x) mean += v;
                mean /= d;
                for (float v : x) var += (v - mean) * (v - mean);
                double sigma = Math.sqrt(var / d + eps);
                for (int l = 0; l < per.length; l++) {
                    float[] wo = g.blocks().get(l).attn().cProj().weight().toFloatArray(); // [d, head * dh]
                    for (int h = 0; h < heads; h++) {
                        double[] r = new double[d];
                        double rm = 0;
                        for (int j = 0; j < d; j++) {
                            for (int k = 0; k < dh; k++) r[j] += zs.get(l)[((i * t + end) * heads + h) * dh + k] * wo[j * heads * dh + h * dh + k];
                            rm += r[j] / d;
                        }
                        double s = 0;
                        for (int j = 0; j < d; j++) s += (r[j] - rm) / sigma * gamma[j] * (wu[c * d + j] - wu[w * d + j]);
                        per[l][h] += s / b;
                    }
                }
            }
            List<Node.Head> all = new ArrayList<>();
            for (int l = 0; l < per.length; l++) for (int h = 0; h < heads; h++) all.add(Node.head(l, h));
            all.sort(Comparator.comparingDouble(n -> -per[n.layer()][n.head()]));
            for (Node.Head h : all.subList(0, 5)) dla.put(h, per[h.layer()][h.head()]);
        }
        var headDla = new Reproduce.HeadDla(1, 20, dla, ld, "test");

        // OV of 0.1 on numerals 1..97, directly, as-run (the published numbers' definition) and layer1 (shown, not counted)
        Node.Head head = Node.head(0, 1);
        double[] ov, ovLayer1;
        try (AblationTask task = AblationTask.prepare(m, Reproduce.ovTask(1, 97))) {
            ov = OvScoresTest.direct(task, head, OvDefinition.AS_RUN);
            ovLayer1 = OvScoresTest.direct(task, head, OvDefinition.LAYER1);
        }
        assertTrue(ov[0] > 0 && ov[1] > 0, "a head that hits, so that the check means something");
        var ovCheck = new Reproduce.Ov(head, 1, 97, ov[0], ov[1], OvDefinition.AS_RUN, "test");

        // the seed check on the fixture task, with the independent implementation's prune and single-head score
        Path c = TestData.fixture("digits-seqcont-tiny");
        JsonNode e = TestData.expected(c);
        JsonNode bf = null;
        for (JsonNode p : e.get("prunes")) if (p.get("method").asText().equals("backward-forward")) bf = p;
        assertFalse(bf == null || bf.get("near_threshold").asBoolean(), "a backward-forward case that float rounding cannot flip");
        JsonNode one = e.get("scores").get("one");
        var seed = new Reproduce.Seed(SearchMethod.BACKWARD_FORWARD, bf.get("threshold").asDouble(), bf.get("circuit").size(),
                bf.get("score").asDouble(), (Node.Head) Node.parse(one.get("circuit").get(0).asText()), one.get("score").asDouble(), "fixture");

        List<Reproduce.Check> checks = new Reproduce(m, new Reproduce.Expectations(next, headDla, ovCheck, seed),
                TaskFiles.read(c.resolve("task.json"))).run(JobContext.silent());
        assertEquals(3 + 6 + 4 + 3, checks.size());
        List<Reproduce.Check> shown = checks.stream().filter(k -> !k.counted()).toList();
        assertEquals(2, shown.size(), "the other definition's OV, for comparison");
        assertTrue(shown.get(0).name().contains("next") && shown.get(0).name().contains("layer1"), shown.get(0).name());
        assertEquals(ovLayer1[0], shown.get(0).ours(), 1e-9);
        assertEquals(ovLayer1[1], shown.get(1).ours(), 1e-9);
        for (Reproduce.Check k : checks) {
            if (!k.counted()) continue;
            System.out.printf("%-60s published %12.6f ours %12.6f ± %s%n", k.name(), k.published(), k.ours(), k.toleranceNote());
            assertTrue(k.pass(), k.name() + ": expected " + k.published() + ", got " + k.ours());
            // and the same measurement fails against a value just outside the tolerance
            double off = k.published() + 2 * k.tolerance() + 1e-9 * Math.max(1, Math.abs(k.published())) + (k.tolerance() == 0 ? 1 : 0);
            assertFalse(new Reproduce.Check(k.name(), k.source(), off, k.ours(), k.tolerance(), k.toleranceNote()).pass(), k.name());
        }
    }
}
