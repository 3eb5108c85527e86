package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * The plain way: one full hooked forward pass per circuit, as the seed does it. It is the
 * yardstick for the fast evaluator. {@code fullVocabulary} also computes every logit at every
 * position as the seed does; {@code recomputeMeans} redoes the means pass per call, as ARENA's
 * {@code add_mean_ablation_hook} does (the "seed-style" way of the benchmark).
 */
public final class ReferenceEvaluator implements Evaluator {
    private final AblationTask task;
    private final boolean fullVocabulary;
    private final boolean recomputeMeans;
    private long flops;

    public ReferenceEvaluator(AblationTask task) {
        this(task, false, false);
    }

    public ReferenceEvaluator(AblationTask task, boolean fullVocabulary, boolean recomputeMeans) {
        this.task = task;
        this.fullVocabulary = fullVocabulary;
        this.recomputeMeans = recomputeMeans;
    }

    /** The benchmark's "seed-style": means pass plus full hooked pass with full logits, per circuit. */
    public static ReferenceEvaluator seedStyle(AblationTask task) {
        return new ReferenceEvaluator(task, true, true);
    }

    /** The benchmark's "naive": the seed's hooked pass with full logits, means taken once. */
    public static ReferenceEvaluator naive(AblationTask task) {
        return new ReferenceEvaluator(task, true, false);
    }

    @Override
    public AblationTask task() {
        return task;
    }

    @Override
    public long flops() {
        return flops;
    }

    /** Matrix-product FLOPs of one forward pass over n prompts of t tokens, with or without full logits. */
    public static long forwardFlops(org.circuitbench.model.Gpt2Config c, long n, long t, boolean logits) {
        long rows = n * t, d = c.nEmbd();
        long perLayer = 2 * rows * d * 3 * d + 4 * n * c.nHead() * t * t * c.dHead() + 2 * rows * d * d
                + 2 * rows * d * 2L * c.nInner();
        return c.nLayer() * perLayer + (logits ? 2 * rows * d * c.vocabSize() : 0);
    }

    @Override
    public double score(Circuit circuit) {
        task.checkShape(circuit);
        var cfg = task.model().config();
        long t = task.tokenized().maxLength();
        flops += forwardFlops(cfg, task.tokenized().cleanCount(), t, fullVocabulary)
                + (recomputeMeans ? forwardFlops(cfg, task.tokenized().corruptCount(), t, false) : 0);
        try (NDScope ignored = new NDScope()) {
            Means means = recomputeMeans ? task.computeMeans() : task.means();
            try {
                NDArray resid = task.model().forward(task.tokens(), task.ablation(circuit, means));
                float[] perPrompt;
                if (fullVocabulary && task.method().metric() == Metric.LOGIT_DIFF && !task.tokenized().hasAnswerSets()) {
                    NDArray logits = task.model().logits(resid);                          // [batch, pos, vocab]
                    NDArray endLogits = task.atEnd(logits);                               // [batch, vocab]
                    NDArray c = endLogits.gather(task.correct().reshape(-1, 1), 1);       // [batch, 1]
                    NDArray i = endLogits.gather(task.incorrect().reshape(-1, 1), 1);
                    perPrompt = c.sub(i).reshape(-1).toFloatArray();
                } else {
                    perPrompt = task.metric(resid).toFloatArray();
                }
                return task.score(perPrompt);
            } finally {
                if (recomputeMeans) means.close();
            }
        }
    }
}
