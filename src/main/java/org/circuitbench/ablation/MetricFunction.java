package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.task.TokenizedTask;

/**
 * A metric per clean prompt, from the final residual stream's end rows (docs/methods.md). It is
 * written with array-array ops only, so attribution can take its gradient (no scalar that the
 * backward pass would read after DJL freed it; docs/djl-scalar-lifetime.md).
 *
 * <p>Rows come as k copies of the prompts stacked on the batch axis, [k*batch, d_model], one copy
 * per candidate circuit; the answers are tiled to match.
 */
final class MetricFunction {
    private final Gpt2Model model;
    private final Metric metric;
    private final int batch;
    private final boolean sets;              // some prompt has an answer set
    private final NDArray correct;           // [batch] int64: the first correct answer
    private final NDArray incorrect;         // [batch] int64
    private final NDArray correctSet;        // [batch, K] int64, padded with the first answer
    private final NDArray correctMask;       // [batch, K] float32: 1 on an answer, 0 on padding
    private final NDArray correctMean;       // [batch, K] float32: 1/|set| on an answer (the set's mean logit)
    private final NDArray incorrectSet;      // [batch, K'] int64
    private final NDArray incorrectMask;
    private final NDArray incorrectMean;
    private final long[][] correctIds;       // for accuracy, read on the host
    private NDArray fullLogProbs;            // [batch, vocab]: the full model's log-probabilities, for kl
    private NDArray fullProbs;               // [batch, vocab]

    MetricFunction(Gpt2Model model, Metric metric, TokenizedTask task, NDManager manager, NDArray correct, NDArray incorrect) {
        this.model = model;
        this.metric = metric;
        this.batch = task.cleanCount();
        this.sets = task.hasAnswerSets();
        this.correct = correct;
        this.incorrect = incorrect;
        this.correctIds = new long[batch][];
        long[][] inc = new long[batch][];
        for (int i = 0; i < batch; i++) {
            correctIds[i] = task.correctIds(i);
            inc[i] = task.incorrectIds(i);
        }
        NDArray[] c = setTensors(manager, correctIds);
        NDArray[] w = setTensors(manager, inc);
        correctSet = c[0];
        correctMask = c[1];
        correctMean = c[2];
        incorrectSet = w[0];
        incorrectMask = w[1];
        incorrectMean = w[2];
    }

    /** Ids padded to the longest set [batch, K], the membership mask and the 1/|set| weights. */
    private static NDArray[] setTensors(NDManager manager, long[][] ids) {
        int k = 1;
        for (long[] s : ids) k = Math.max(k, s.length);
        int b = ids.length;
        long[] idx = new long[b * k];
        float[] mask = new float[b * k];
        float[] mean = new float[b * k];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                boolean in = j < ids[i].length;
                idx[i * k + j] = in ? ids[i][j] : ids[i][0];
                mask[i * k + j] = in ? 1f : 0f;
                mean[i * k + j] = in ? 1f / ids[i].length : 0f;
            }
        }
        Shape s = new Shape(b, k);
        return new NDArray[] {manager.create(idx, s), manager.create(mask, s), manager.create(mean, s)};
    }

    /** The full model's end rows, which kl compares with; what it keeps belongs to {@code owner}. */
    void setFull(NDArray fullEndRows, NDManager owner) {
        if (metric != Metric.KL) return;
        fullLogProbs = keep(model.logits(fullEndRows).logSoftmax(1), owner);      // [batch, vocab]
        fullProbs = keep(fullLogProbs.exp(), owner);
    }

    private static NDArray keep(NDArray a, NDManager owner) {
        ai.djl.ndarray.NDScope.unregister(a);
        a.attach(owner);
        return a;
    }

    NDArray fullLogProbs() {
        return fullLogProbs;
    }

    /** Per-prompt values: rows [k*batch, d_model] -> [k*batch]. */
    NDArray perPrompt(NDArray rows) {
        int k = Math.toIntExact(rows.getShape().get(0) / batch);
        return switch (metric) {
            case LOGIT_DIFF -> sets
                    ? setLogits(rows, correctSet, correctMean, k).sub(setLogits(rows, incorrectSet, incorrectMean, k))
                    : model.logitDiff(rows, tile(correct, k), tile(incorrect, k));
            case PROB -> setProbability(logProbs(rows), correctSet, correctMask, k);
            case PROB_DIFF -> {
                NDArray lp = logProbs(rows);
                yield setProbability(lp, correctSet, correctMask, k).sub(setProbability(lp, incorrectSet, incorrectMask, k));
            }
            case KL -> {
                NDArray lp = logProbs(rows);                                                       // [k*b, vocab]
                yield tile(fullProbs, k).mul(tile(fullLogProbs, k).sub(lp)).sum(new int[] {1});  // Σ p_full (log p_full − log p)
            }
            case ACCURACY -> {
                long[] top = model.top1(rows);
                float[] v = new float[top.length];
                for (int i = 0; i < top.length; i++) v[i] = inSet(top[i], correctIds[i % batch]) ? 100f : 0f;
                yield rows.getManager().create(v);
            }
        };
    }

    /** Per prompt, whether {@code top} (a top-1 token id per row, [batch]) is one of its correct answers. */
    boolean[] correctTop1(long[] top) {
        boolean[] out = new boolean[top.length];
        for (int i = 0; i < top.length; i++) out[i] = inSet(top[i], correctIds[i % batch]);
        return out;
    }

    private static boolean inSet(long id, long[] set) {
        for (long s : set) if (s == id) return true;
        return false;
    }

    /** log-softmax of the full-vocabulary logits: [k*b, d_model] -> [k*b, vocab]. */
    private NDArray logProbs(NDArray rows) {
        return model.logits(rows).logSoftmax(1);
    }

    /** Σ over the set of p: gather [k*b, K] from the log-probabilities, exp, mask the padding, sum. */
    private NDArray setProbability(NDArray logProbs, NDArray set, NDArray mask, int k) {
        return logProbs.gather(tile(set, k), 1).exp().mul(tile(mask, k)).sum(new int[] {1});
    }

    /** The weighted sum of the set's logits, reading only their unembedding rows: [k*b, d] -> [k*b]. */
    private NDArray setLogits(NDArray rows, NDArray set, NDArray weights, int k) {
        NDArray h = model.lnF().forward(rows).expandDims(1);                                    // [k*b, 1, d]
        NDArray ids = tile(set, k);                                                             // [k*b, K]
        NDArray w = ids.getNDArrayInternal().embedding(ids, model.unembed(), SparseFormat.DENSE).singletonOrThrow(); // [k*b, K, d]
        return h.mul(w).sum(new int[] {2}).mul(tile(weights, k)).sum(new int[] {1});            // [k*b, K] -> [k*b]
    }

    /** k copies of a per-prompt tensor stacked on the batch axis. */
    private static NDArray tile(NDArray a, int k) {
        if (k == 1) return a;
        long[] reps = new long[a.getShape().dimension()];
        java.util.Arrays.fill(reps, 1);
        reps[0] = k;
        return a.tile(reps);
    }
}
