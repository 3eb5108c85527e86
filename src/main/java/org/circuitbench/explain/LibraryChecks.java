package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.model.Hook;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TokenizedTask;
import org.circuitbench.task.library.TaskLibrary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reproduce checks of the task library's tasks (docs/task-library.md): a number published for
 * the full model on a task, against ours on the library's task made with a fixed seed and count.
 * Ours is a mean over sampled prompts, so the tolerance is three standard errors of that mean.
 */
public final class LibraryChecks {
    /** What a fact measures, per clean prompt, from the full model's logits at the prompt's end. */
    public enum Quantity {
        LOGIT_DIFF("mean logit difference"),
        CORRECT_ABOVE_INCORRECT("% of prompts whose correct answer's logit is above the incorrect one's"),
        CORRECT_PROBABILITY("mean probability of the correct answer (%)"),
        /** Σ p(correct set) − Σ p(incorrect set), in percent: greater-than's probability difference. */
        PROBABILITY_DIFFERENCE("mean probability difference, correct set - incorrect set (%)");

        final String words;

        Quantity(String words) {
            this.words = words;
        }
    }

    /** Prompts per forward pass: [64, vocab] logits are about 13 MB. */
    private static final int CHUNK = 64;
    static final double STANDARD_ERRORS = 3;

    private LibraryChecks() {
    }

    static List<Reproduce.Check> run(LoadedModel model, List<Reproduce.LibraryFact> facts) throws TaskException {
        List<Reproduce.Check> out = new ArrayList<>();
        for (Reproduce.LibraryFact f : facts) {
            TaskFile file = TaskLibrary.get(f.task()).definition(f.seed(), f.count()).generate(model.tokenizer()::encode);
            TokenizedTask task = TokenizedTask.build(file, model.tokenizer()::encode, model.config().nPositions());
            double[] v = perPrompt(model, task, f.quantity());
            double mean = Arrays.stream(v).average().orElse(Double.NaN);
            double var = 0;
            for (double x : v) var += (x - mean) * (x - mean);
            double se = Math.sqrt(var / (v.length - 1) / v.length);
            out.add(new Reproduce.Check(f.quantity().words + " on " + f.task() + " (seed " + f.seed() + ", " + v.length + " prompts)",
                    f.source(), f.published(), mean, STANDARD_ERRORS * se, "3 standard errors of our mean"));
        }
        return out;
    }

    /** The quantity for each clean prompt, from the full model. */
    static double[] perPrompt(LoadedModel model, TokenizedTask task, Quantity q) {
        int n = task.cleanCount();
        double[] out = new double[n];
        for (int from = 0; from < n; from += CHUNK) {
            int b = Math.min(CHUNK, n - from), t = 0;
            for (int i = from; i < from + b; i++) t = Math.max(t, task.cleanTokens(i).length);
            long[] ids = new long[b * t];
            Arrays.fill(ids, 50256); // padding on the right: causal attention never lets a real token see it
            for (int i = 0; i < b; i++) System.arraycopy(task.cleanTokens(from + i), 0, ids, i * t, task.cleanTokens(from + i).length);
            try (NDScope ignored = new NDScope()) {
                NDArray resid = model.model().forward(model.model().manager().create(ids, new Shape(b, t)), Hook.NONE); // [b, t, d]
                for (int i = 0; i < b; i++) {
                    float[] logits = model.model().logits(resid.get(new NDIndex(i + ", " + task.end(from + i)))).toFloatArray(); // [vocab]
                    out[from + i] = value(logits, task.correctIds(from + i), task.incorrectIds(from + i), q);
                }
            }
        }
        return out;
    }

    /** One prompt's quantity; the logit-difference ones read the first answer of each side, as a task of single answers has. */
    private static double value(float[] logits, long[] correct, long[] incorrect, Quantity q) {
        double ld = logits[(int) correct[0]] - logits[(int) incorrect[0]];
        return switch (q) {
            case LOGIT_DIFF -> ld;
            case CORRECT_ABOVE_INCORRECT -> ld > 0 ? 100 : 0;
            case CORRECT_PROBABILITY -> 100 * probability(logits, new long[] {correct[0]});
            case PROBABILITY_DIFFERENCE -> 100 * (probability(logits, correct) - probability(logits, incorrect));
        };
    }

    /** Σ softmax(logits)[id] over {@code ids}, the softmax over the whole vocabulary. */
    private static double probability(float[] logits, long[] ids) {
        double max = Double.NEGATIVE_INFINITY, z = 0, p = 0;
        for (float l : logits) max = Math.max(max, l);
        for (float l : logits) z += Math.exp(l - max);
        for (long id : ids) p += Math.exp(logits[(int) id] - max);
        return p / z;
    }
}
