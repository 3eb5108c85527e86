package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TokenizedTask;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The identities that pin the ablation kinds, metrics and normalisations down (issue 19), on
 * both fixture models, at the node level (fast and reference evaluators) and the edge level
 * (plain pass and fast path):
 * <ul>
 * <li>patch with every corrupt prompt equal to its clean prompt scores 100 for every circuit;</li>
 * <li>zero equals a zeroing of hook_z written here, independently of {@link NodeAblation};</li>
 * <li>mean-all equals mean on a one-template task;</li>
 * <li>faithfulness is 0 at the empty circuit and 100 at the full one;</li>
 * <li>kl is 0 for the full circuit;</li>
 * <li>each metric per prompt equals a direct computation from the full-vocabulary logits.</li>
 * </ul>
 */
class MethodIdentitiesTest {
    static final double SAME = 1e-3;       // points: the same numbers by two routes, float rounding only

    record Case(String name, LoadedModel model, TaskFile file) {
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Path c : TestData.fixtureCases()) {
            try {
                out.add(new Case(c.getFileName().toString(), TestData.model(TestData.modelOf(c)), TaskFiles.read(c.resolve("task.json"))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    static AblationTask prepare(Case c, TaskFile f, Method m) {
        try {
            return AblationTask.prepare(c.model(), f, m);
        } catch (Exception e) {
            throw new IllegalStateException(c.name() + ": " + e.getMessage(), e);
        }
    }

    /** none, all, and a few seeded random node circuits. */
    static List<Circuit> nodeCircuits(AblationTask t, int randoms) {
        var cfg = t.model().config();
        List<Circuit> out = new ArrayList<>(List.of(Circuit.none(cfg.nLayer(), cfg.nHead()), Circuit.all(cfg.nLayer(), cfg.nHead())));
        SplittableRandom rng = new SplittableRandom(19);
        for (int r = 0; r < randoms; r++) {
            List<Node> nodes = new ArrayList<>();
            for (int l = 0; l < cfg.nLayer(); l++) for (int h = 0; h < cfg.nHead(); h++) if (rng.nextBoolean()) nodes.add(Node.head(l, h));
            out.add(Circuit.of(cfg.nLayer(), cfg.nHead(), nodes));
        }
        return out;
    }

    /** none, all, and a few seeded random halves of the edges. */
    static List<EdgeCircuit> edgeCircuits(EdgeGraph g, int randoms) {
        List<EdgeCircuit> out = new ArrayList<>(List.of(EdgeCircuit.none(g), EdgeCircuit.all(g)));
        SplittableRandom rng = new SplittableRandom(18);
        for (int r = 0; r < randoms; r++) {
            BitSet ids = new BitSet();
            for (int i = 0; i < g.edgeCount(); i++) if (rng.nextBoolean()) ids.set(i);
            out.add(EdgeCircuit.ofIds(g, ids));
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> patchingEachPromptWithItselfScores100ForEveryCircuit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                List<Prompt> same = c.file().clean().stream().map(p -> Prompt.corrupt(p.text(), p.template())).toList();
                TaskFile f = new TaskFile(c.name(), c.file().clean(), same, c.file().keep());
                try (AblationTask t = prepare(c, f, new Method(AblationKind.PATCH, Metric.LOGIT_DIFF, Normalisation.RATIO));
                     FastEvaluator fast = new FastEvaluator(t);
                     EdgeEvaluator plain = new EdgeEvaluator(t, false); EdgeEvaluator edges = new EdgeEvaluator(t)) {
                    ReferenceEvaluator ref = new ReferenceEvaluator(t);
                    for (Circuit circuit : nodeCircuits(t, 3)) {
                        assertEquals(100, fast.score(circuit), SAME, "fast " + circuit);
                        assertEquals(100, ref.score(circuit), SAME, "reference " + circuit);
                    }
                    for (EdgeCircuit e : edgeCircuits(plain.graph(), 2)) {
                        assertEquals(100, plain.score(e), SAME, "edges, " + e.size());
                        assertEquals(100, edges.score(e), SAME, "edges (fast path), " + e.size());
                    }
                }
                try (AblationTask t = prepare(c, f, new Method(AblationKind.PATCH, Metric.KL, Normalisation.NONE));
                     EdgeEvaluator plain = new EdgeEvaluator(t, false)) {
                    var cfg = t.model().config();
                    assertEquals(0, new ReferenceEvaluator(t).score(Circuit.none(cfg.nLayer(), cfg.nHead())), 1e-5, "kl, no heads");
                    assertEquals(0, plain.score(EdgeCircuit.none(plain.graph())), 1e-5, "kl, no edges");
                }
            }));
        }
        return tests;
    }

    /**
     * Zero ablation of hook_z as a plain multiplication: a head keeps its z where it is in the
     * circuit and the position is kept, and is 0 elsewhere. Written here from the task's keep
     * flags, not through NodeAblation.
     */
    static Hook handZeroing(AblationTask t, Circuit circuit) {
        TokenizedTask tok = t.tokenized();
        int b = tok.cleanCount(), pos = tok.maxLength(), heads = circuit.heads();
        return (point, layer, act) -> {
            if (point != HookPoint.Z) return act;
            float[] keep = new float[b * pos * heads];
            for (int i = 0; i < b; i++) {
                for (int p = 0; p < pos; p++) {
                    for (int h = 0; h < heads; h++) {
                        keep[(i * pos + p) * heads + h] = circuit.containsHead(layer, h) && tok.kept(i, p) ? 1f : 0f;
                    }
                }
            }
            return act.mul(act.getManager().create(keep, new Shape(b, pos, heads, 1)));
        };
    }

    /** The end rows [batch, d_model] of a hooked pass over the clean prompts, picked here by index. */
    static NDArray endRows(AblationTask t, Hook hook) {
        NDArray resid = t.model().forward(t.tokens(), hook);                             // [b, pos, d]
        int b = t.tokenized().cleanCount(), pos = t.tokenized().maxLength();
        int d = (int) resid.getShape().get(2);
        float[] all = resid.toFloatArray();
        float[] rows = new float[b * d];
        for (int i = 0; i < b; i++) System.arraycopy(all, (i * pos + t.tokenized().end(i)) * d, rows, i * d, d);
        return resid.getManager().create(rows, new Shape(b, d));
    }

    /** Mean logit difference computed from full-vocabulary logits of end rows, in double. */
    static double logitDiff(AblationTask t, NDArray rows) {
        double[] per = Direct.perPrompt(Metric.LOGIT_DIFF, t, logits(t, rows), null);
        double s = 0;
        for (double v : per) s += v;
        return s / per.length;
    }

    static float[][] logits(AblationTask t, NDArray rows) {
        NDArray l = t.model().logits(rows);
        int b = (int) l.getShape().get(0), v = (int) l.getShape().get(1);
        float[] flat = l.toFloatArray();
        float[][] out = new float[b][v];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * v, out[i], 0, v);
        return out;
    }

    @TestFactory
    List<DynamicTest> zeroAblationEqualsAHandWrittenZeroingOfHookZ() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                try (AblationTask t = prepare(c, c.file(), new Method(AblationKind.ZERO, Metric.LOGIT_DIFF, Normalisation.RATIO));
                     FastEvaluator fast = new FastEvaluator(t); EdgeEvaluator plain = new EdgeEvaluator(t, false);
                     EdgeEvaluator edges = new EdgeEvaluator(t)) {
                    ReferenceEvaluator ref = new ReferenceEvaluator(t);
                    for (Circuit circuit : nodeCircuits(t, 3)) {
                        double want;
                        try (NDScope ignored = new NDScope()) {
                            want = 100.0 * logitDiff(t, endRows(t, handZeroing(t, circuit))) / t.fullLogitDiff();
                        }
                        assertEquals(want, fast.score(circuit), SAME, "fast " + circuit);
                        assertEquals(want, ref.score(circuit), SAME, "reference " + circuit);
                        // the edges induced by a node circuit read zero from every head outside it: the same zeroing
                        EdgeCircuit induced = EdgeCircuit.induced(plain.graph(), circuit);
                        assertEquals(want, plain.score(induced), SAME, "edges induced by " + circuit);
                        assertEquals(want, edges.score(induced), SAME, "edges induced by " + circuit + " (fast path)");
                    }
                    // no edges under zero: the logits read only the attention biases b_O, which no edge carries
                    double want;
                    try (NDScope ignored = new NDScope()) {
                        Gpt2Model model = t.model();
                        NDArray biases = model.blocks().get(0).attn().cProj().bias();
                        for (int l = 1; l < model.config().nLayer(); l++) biases = biases.add(model.blocks().get(l).attn().cProj().bias());
                        NDArray rows = biases.expandDims(0).repeat(0, t.tokenized().cleanCount());   // [d] -> [b, d]
                        want = 100.0 * logitDiff(t, rows) / t.fullLogitDiff();
                    }
                    assertEquals(want, plain.score(EdgeCircuit.none(plain.graph())), SAME, "no edges");
                }
            }));
        }
        return tests;
    }

    /** The case's prompts of one template only (the first clean prompt's). */
    static TaskFile oneTemplate(TaskFile f) {
        String tpl = f.clean().get(0).template();
        return new TaskFile(f.name(), f.clean().stream().filter(p -> p.template().equals(tpl)).toList(),
                f.corrupt().stream().filter(p -> p.template().equals(tpl)).toList(), f.keep());
    }

    @TestFactory
    List<DynamicTest> meanAllEqualsMeanOnAOneTemplateTask() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                TaskFile f = oneTemplate(c.file());
                try (AblationTask mean = prepare(c, f, Method.DEFAULT);
                     AblationTask all = prepare(c, f, new Method(AblationKind.MEAN_ALL, Metric.LOGIT_DIFF, Normalisation.RATIO));
                     FastEvaluator a = new FastEvaluator(mean); FastEvaluator b = new FastEvaluator(all);
                     EdgeEvaluator ea = new EdgeEvaluator(mean, false); EdgeEvaluator eb = new EdgeEvaluator(all, false)) {
                    for (Circuit circuit : nodeCircuits(mean, 3)) assertEquals(a.score(circuit), b.score(circuit), 1e-4, circuit.toString());
                    for (EdgeCircuit e : edgeCircuits(ea.graph(), 2)) assertEquals(ea.score(e), eb.score(e), 1e-4, e.size() + " edges");
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> faithfulnessIsZeroAtTheEmptyCircuitAndHundredAtTheFull() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (Metric metric : List.of(Metric.LOGIT_DIFF, Metric.PROB, Metric.KL)) {
                for (AblationKind kind : List.of(AblationKind.MEAN, AblationKind.ZERO)) {
                    tests.add(DynamicTest.dynamicTest(c.name() + ", " + metric + ", " + kind, () -> {
                        try (AblationTask t = prepare(c, c.file(), new Method(kind, metric, Normalisation.FAITHFULNESS));
                             FastEvaluator fast = new FastEvaluator(t); EdgeEvaluator plain = new EdgeEvaluator(t, false)) {
                            var cfg = t.model().config();
                            assertEquals(0, fast.score(Circuit.none(cfg.nLayer(), cfg.nHead())), SAME, "no heads");
                            assertEquals(100, fast.score(Circuit.all(cfg.nLayer(), cfg.nHead())), SAME, "every head");
                            assertEquals(0, new ReferenceEvaluator(t).score(Circuit.none(cfg.nLayer(), cfg.nHead())), SAME, "no heads (reference)");
                            assertEquals(0, plain.score(EdgeCircuit.none(plain.graph())), SAME, "no edges");
                            assertEquals(100, plain.score(EdgeCircuit.all(plain.graph())), SAME, "every edge");
                        }
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> klIsZeroForTheFullCircuit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                try (AblationTask t = prepare(c, c.file(), new Method(AblationKind.MEAN, Metric.KL, Normalisation.NONE));
                     FastEvaluator fast = new FastEvaluator(t); EdgeEvaluator plain = new EdgeEvaluator(t, false);
                     EdgeEvaluator edges = new EdgeEvaluator(t)) {
                    var cfg = t.model().config();
                    assertEquals(0, t.fullMetric(), 0);
                    assertEquals(0, fast.score(Circuit.all(cfg.nLayer(), cfg.nHead())), 1e-5);
                    assertEquals(0, new ReferenceEvaluator(t).score(Circuit.allWithMlps(cfg.nLayer(), cfg.nHead())), 1e-5);
                    assertEquals(0, plain.score(EdgeCircuit.all(plain.graph())), 1e-5);
                    assertEquals(0, edges.score(EdgeCircuit.all(edges.graph())), 1e-5);
                    assertTrue(fast.score(Circuit.none(cfg.nLayer(), cfg.nHead())) > 0.01, "ablating every head moves the distribution");
                }
            }));
        }
        return tests;
    }

    /**
     * The case with answer sets: each clean prompt's correct set adds the next prompt's correct
     * answer, its incorrect set the next-but-one prompt's incorrect answer, where they differ.
     */
    static TaskFile withSets(TaskFile f) {
        List<Prompt> clean = new ArrayList<>();
        int n = f.clean().size();
        for (int i = 0; i < n; i++) {
            Prompt p = f.clean().get(i);
            List<String> c = new ArrayList<>(p.correct()), w = new ArrayList<>(p.incorrect());
            String more = f.clean().get((i + 1) % n).firstCorrect(), less = f.clean().get((i + 2) % n).firstIncorrect();
            if (!c.contains(more) && !w.contains(more)) c.add(more);
            if (!w.contains(less) && !c.contains(less)) w.add(less);
            clean.add(new Prompt(p.text(), c, w, p.template(), p.positions(), null));
        }
        return new TaskFile(f.name(), clean, f.corrupt(), f.keep());
    }

    @TestFactory
    List<DynamicTest> everyMetricEqualsADirectComputationFromTheLogits() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (boolean sets : new boolean[] {false, true}) {
                for (Metric metric : Metric.values()) {
                    tests.add(DynamicTest.dynamicTest(c.name() + ", " + metric + (sets ? ", answer sets" : ""), () -> {
                        TaskFile f = sets ? withSets(c.file()) : c.file();
                        Method m = new Method(AblationKind.MEAN, metric, null);
                        try (AblationTask t = prepare(c, f, m); FastEvaluator fast = new FastEvaluator(t)) {
                            if (sets) assertTrue(t.tokenized().hasAnswerSets());
                            float[][] full;
                            try (NDScope ignored = new NDScope()) {
                                full = logits(t, endRows(t, Hook.NONE));
                            }
                            double[] wantFull = Direct.perPrompt(metric, t, full, full);
                            float[] gotFull = t.fullMetricPerPrompt();
                            for (int i = 0; i < gotFull.length; i++) assertEquals(wantFull[i], gotFull[i], tol(wantFull[i]), "full, prompt " + i);
                            for (Circuit circuit : nodeCircuits(t, 2)) {
                                double[] want;
                                try (NDScope ignored = new NDScope()) {
                                    want = Direct.perPrompt(metric, t, logits(t, endRows(t, t.ablation(circuit))), full);
                                }
                                ScoreDetails d = t.details(circuit);
                                double mean = 0;
                                for (int i = 0; i < want.length; i++) {
                                    assertEquals(want[i], d.circuitPerPrompt()[i], tol(want[i]), circuit + ", prompt " + i);
                                    mean += want[i] / want.length;
                                }
                                double score = metric == Metric.KL ? mean : 100.0 * mean / t.fullMetric();
                                assertEquals(score, d.score(), metric == Metric.KL ? 1e-4 : SAME, circuit + " (details)");
                                assertEquals(score, fast.score(circuit), metric == Metric.KL ? 1e-4 : SAME, circuit + " (fast)");
                            }
                        }
                    }));
                }
            }
        }
        return tests;
    }

    static double tol(double v) {
        return 1e-4 * Math.max(1, Math.abs(v));
    }

    /** The metrics written out from their definitions (docs/methods.md), in double, on full-vocabulary logits. */
    static final class Direct {
        static double[] perPrompt(Metric metric, AblationTask t, float[][] logits, float[][] fullLogits) {
            TokenizedTask tok = t.tokenized();
            double[] out = new double[logits.length];
            for (int i = 0; i < logits.length; i++) {
                long[] c = tok.correctIds(i), w = tok.incorrectIds(i);
                double[] lp = logSoftmax(logits[i]);
                out[i] = switch (metric) {
                    case LOGIT_DIFF -> meanAt(logits[i], c) - meanAt(logits[i], w);
                    case PROB -> probOf(lp, c);
                    case PROB_DIFF -> probOf(lp, c) - probOf(lp, w);
                    case KL -> {
                        double[] lf = logSoftmax(fullLogits[i]);
                        double kl = 0;
                        for (int v = 0; v < lf.length; v++) kl += Math.exp(lf[v]) * (lf[v] - lp[v]);
                        yield kl;
                    }
                    case ACCURACY -> {
                        int top = 0;
                        for (int v = 1; v < logits[i].length; v++) if (logits[i][v] > logits[i][top]) top = v;
                        boolean right = false;
                        for (long id : c) right |= id == top;
                        yield right ? 100 : 0;
                    }
                };
            }
            return out;
        }

        static double meanAt(float[] l, long[] ids) {
            double s = 0;
            for (long id : ids) s += l[(int) id];
            return s / ids.length;
        }

        static double probOf(double[] lp, long[] ids) {
            double s = 0;
            for (long id : ids) s += Math.exp(lp[(int) id]);
            return s;
        }

        static double[] logSoftmax(float[] l) {
            double max = Double.NEGATIVE_INFINITY;
            for (float x : l) max = Math.max(max, x);
            double sum = 0;
            for (float x : l) sum += Math.exp(x - max);
            double log = max + Math.log(sum);
            double[] out = new double[l.length];
            for (int v = 0; v < l.length; v++) out[v] = l[v] - log;
            return out;
        }
    }
}
