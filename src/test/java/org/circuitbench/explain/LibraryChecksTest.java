package org.circuitbench.explain;

import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationKind;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Metric;
import org.circuitbench.ablation.Normalisation;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.Hook;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.library.TaskLibrary;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * reproduce's task-library checks on the demo model, against the same quantities computed another
 * way here: the engine's own logit differences, and the probabilities from ln_f and W_U on the host.
 * (GPT-2's own numbers, 3.56, 99.3 % and 49 % on IOI, need GPT-2's weights, which are not here.)
 */
class LibraryChecksTest {
    static final String SOURCE = "this test";

    @Test
    void theChecksMeasureWhatTheySayOnTheDemoModel() throws Exception {
        LoadedModel m = TestData.model(TestData.demoModel());
        Gpt2Model g = m.model();
        TaskFile ioi = TaskLibrary.get("ioi").definition(2, 90).generate(m.tokenizer()::encode);
        double ld, above, prob;
        double[] lds;
        try (AblationTask task = AblationTask.prepare(m, ioi)) {
            float[] per = task.fullPerPrompt();
            lds = new double[per.length];
            for (int i = 0; i < per.length; i++) lds[i] = per[i];
            ld = java.util.Arrays.stream(lds).average().orElseThrow();
            above = 100.0 * java.util.Arrays.stream(lds).filter(x -> x > 0).count() / lds.length;
            // P(correct): the final residual at each prompt's end, then ln_f and the unembedding on the host
            int d = g.config().nEmbd(), vocab = g.config().vocabSize();
            float[] wu = g.unembed().toFloatArray(), gamma = g.lnF().weight().toFloatArray(), beta = g.lnF().bias().toFloatArray();
            double eps = g.lnF().eps(), sum = 0;
            int b = task.tokenized().cleanCount(), t = task.tokenized().maxLength();
            float[] fin;
            try (NDScope ignored = new NDScope()) {
                fin = g.forward(g.manager().create(task.tokenized().padded(true, 50256), new Shape(b, t)), Hook.NONE).toFloatArray(); // [b, t, d]
            }
            for (int i = 0; i < b; i++) {
                int end = task.tokenized().end(i);
                double mean = 0, var = 0;
                for (int j = 0; j < d; j++) mean += fin[(i * t + end) * d + j] / d;
                for (int j = 0; j < d; j++) var += Math.pow(fin[(i * t + end) * d + j] - mean, 2) / d;
                double sigma = Math.sqrt(var + eps), max = Double.NEGATIVE_INFINITY, z = 0;
                double[] logits = new double[vocab];
                for (int v = 0; v < vocab; v++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += ((fin[(i * t + end) * d + j] - mean) / sigma * gamma[j] + beta[j]) * wu[v * d + j];
                    logits[v] = s;
                    max = Math.max(max, s);
                }
                for (double l : logits) z += Math.exp(l - max);
                sum += 100 * Math.exp(logits[(int) task.tokenized().correctId(i)] - max) / z;
            }
            prob = sum / b;
        }
        List<Reproduce.LibraryFact> facts = List.of(
                new Reproduce.LibraryFact("ioi", 2, 90, LibraryChecks.Quantity.LOGIT_DIFF, ld, SOURCE),
                new Reproduce.LibraryFact("ioi", 2, 90, LibraryChecks.Quantity.CORRECT_ABOVE_INCORRECT, above, SOURCE),
                new Reproduce.LibraryFact("ioi", 2, 90, LibraryChecks.Quantity.CORRECT_PROBABILITY, prob, SOURCE));
        List<Reproduce.Check> checks = LibraryChecks.run(m, facts);
        assertEquals(3, checks.size());
        assertEquals(ld, checks.get(0).ours(), 1e-4, "the mean logit difference, as the engine computes it");
        assertEquals(above, checks.get(1).ours(), 1e-9);
        assertEquals(prob, checks.get(2).ours(), 1e-3 * Math.max(1, prob), "P(IO) in percent");
        for (Reproduce.Check c : checks) {
            assertTrue(c.pass(), c.toString());
            assertTrue(c.name().contains("on ioi (seed 2, 90 prompts)"), c.name());
            assertEquals("3 standard errors of our mean", c.toleranceNote());
        }
        // the tolerance is three standard errors of the 90 logit differences
        double var = 0;
        for (double x : lds) var += (x - ld) * (x - ld);
        assertEquals(3 * Math.sqrt(var / 89 / 90), checks.get(0).tolerance(), 1e-4);
        // a published number outside it fails
        var far = new Reproduce.LibraryFact("ioi", 2, 90, LibraryChecks.Quantity.LOGIT_DIFF, ld + 2 * checks.get(0).tolerance(), SOURCE);
        assertTrue(!LibraryChecks.run(m, List.of(far)).get(0).pass());
    }

    /** Greater-than's probability difference against the engine's prob-diff metric (issue 19), which reads the same answer sets. */
    @Test
    void theProbabilityDifferenceIsTheEnginesProbDiff() throws Exception {
        LoadedModel m = TestData.model(TestData.demoModel());
        TaskFile gt = TaskLibrary.get("greater-than").definition(3, 97).generate(m.tokenizer()::encode);
        double expected;
        try (AblationTask task = AblationTask.prepare(m, gt, new Method(AblationKind.MEAN, Metric.PROB_DIFF, Normalisation.FAITHFULNESS))) {
            float[] per = task.fullMetricPerPrompt();
            double sum = 0;
            for (float x : per) sum += x;
            expected = 100 * sum / per.length;
        }
        Reproduce.Check c = LibraryChecks.run(m, List.of(new Reproduce.LibraryFact("greater-than", 3, 97,
                LibraryChecks.Quantity.PROBABILITY_DIFFERENCE, expected, SOURCE))).get(0);
        assertEquals(expected, c.ours(), 1e-4);
        assertTrue(c.pass(), c.toString());
        // the demo model gives the year tokens almost no probability, so the same on sets it does predict: numbers after "1 2 3 4"
        TaskFile sets = org.circuitbench.task.TaskFiles.parse("""
                {"clean": [{"text": "1 2 3 4", "correct": ["5", "6", "7"], "incorrect": ["1", "2"]},
                           {"text": "7 8 9 10", "correct": ["11", "12"], "incorrect": ["7", "9", "10"]}],
                 "corrupt": [{"text": "1 1 1 1"}]}""", "sets.json");
        double[] engine = new double[2];
        try (AblationTask task = AblationTask.prepare(m, sets, new Method(AblationKind.MEAN, Metric.PROB_DIFF, Normalisation.FAITHFULNESS))) {
            float[] per = task.fullMetricPerPrompt();
            for (int i = 0; i < 2; i++) engine[i] = 100 * per[i];
            double[] ours = LibraryChecks.perPrompt(m, task.tokenized(), LibraryChecks.Quantity.PROBABILITY_DIFFERENCE);
            for (int i = 0; i < 2; i++) assertEquals(engine[i], ours[i], 1e-3, "prompt " + i);
        }
        assertTrue(Math.abs(engine[0]) > 1 && Math.abs(engine[1]) > 1, "probability differences of some size: " + java.util.Arrays.toString(engine));
    }

    @Test
    void gpt2SmallsListHasThePublishedNumbers() {
        List<Reproduce.LibraryFact> l = Reproduce.GPT2_SMALL.library();
        assertEquals(List.of(3.56, 99.3, 49.0, 81.7), l.stream().map(Reproduce.LibraryFact::published).toList());
        assertTrue(l.subList(0, 3).stream().allMatch(f -> f.task().equals("ioi") && f.source().contains("Wang et al.")));
        assertEquals("greater-than", l.get(3).task());
        assertTrue(l.get(3).source().contains("Hanna et al."));
    }
}
