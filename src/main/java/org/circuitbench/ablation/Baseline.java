package org.circuitbench.ablation;

import org.circuitbench.task.TaskException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rules for the numbers a score divides by (docs/methods.md, "When percentages mean nothing"),
 * written once for both levels:
 * <ul>
 * <li>ratio: M(full) must be above 0, or the task is refused (a worse circuit could score more);</li>
 * <li>faithfulness: M(full) − M(empty) must not be 0; a full metric ≤ 0, or an empty circuit that
 * does better than the full model, gets a warning;</li>
 * <li>a divisor within noise of 0 gets a warning: |mean| < 2 standard errors of its per-prompt
 * values, the standard error being the sample standard deviation / √n (n ≥ 2).</li>
 * </ul>
 */
public final class Baseline {
    private Baseline() {
    }

    /** A scale and the warnings that go with it. */
    public record Checked(ScoreScale scale, List<String> warnings) {
    }

    /**
     * @param full     the full model's per-prompt metric values
     * @param empty    the empty circuit's per-prompt values at this level (faithfulness only; else null)
     * @param level    "node" or "edge", for messages
     * @param model    the model's name, for messages
     * @throws TaskException when the scale is undefined or meaningless
     */
    public static Checked check(Method method, float[] full, float[] empty, String level, String model) throws TaskException {
        double f = mean(full);
        String what = "The full model's " + method.metric().label();
        if (!Double.isFinite(f)) {
            throw new TaskException(what + " is " + f + " on this task: " + model
                    + " computes NaN or infinite values, so its weights are damaged. Download or convert the model again.");
        }
        List<String> warnings = new ArrayList<>();
        switch (method.normalisation()) {
            case NONE -> {
                return new Checked(new ScoreScale(method, f, Double.NaN), warnings);
            }
            case RATIO -> {
                if (f == 0) {
                    throw new TaskException(what + " is 0 on this task, so scores, which divide by it, are undefined. "
                            + "Check that the correct and incorrect answers differ, and that " + model + "'s weights are not all zero.");
                }
                if (f < 0) {
                    throw new TaskException(what + " is " + fmt(f) + " on this task, below 0, so 100 × circuit / full means nothing "
                            + "(a worse circuit can score higher). Check the answers, or score with the faithfulness normalisation.");
                }
                String noise = noise(full, f);
                if (noise != null) {
                    warnings.add(what + " is " + fmt(f) + ", within noise of 0 (" + noise + "), so percentages of it are mostly "
                            + "noise: a worse circuit can score above 100 %.");
                }
                return new Checked(new ScoreScale(method, f, Double.NaN), warnings);
            }
            case FAITHFULNESS -> {
                double e = mean(empty);
                if (!Double.isFinite(e)) {
                    throw new TaskException("The empty " + level + " circuit's " + method.metric().label() + " is " + e
                            + " on this task, so faithfulness, which measures from it, is undefined.");
                }
                if (f == e) {
                    throw new TaskException(what + " equals the empty " + level + " circuit's (" + fmt(f) + "), so faithfulness, "
                            + "which divides by their difference, is undefined.");
                }
                if (method.metric().higherIsBetter() && f <= 0) {
                    warnings.add(what + " is " + fmt(f) + ", not above 0: the model does not do the task, so faithfulness "
                            + "(measured from the empty circuit's " + fmt(e) + ") says little.");
                }
                if (method.metric().higherIsBetter() ? e > f : e < f) {
                    warnings.add("The empty " + level + " circuit does better than the full model (" + fmt(e) + " against " + fmt(f)
                            + "), so faithfulness runs backwards: 100 is the full model, 0 the better empty circuit.");
                }
                float[] diff = new float[full.length];
                for (int i = 0; i < diff.length; i++) diff[i] = full[i] - empty[i];
                String noise = noise(diff, f - e);
                if (noise != null) {
                    warnings.add("The full model's and the empty " + level + " circuit's " + method.metric().label() + " differ by "
                            + fmt(f - e) + ", within noise of 0 (" + noise + "), so faithfulness percentages are mostly noise.");
                }
                return new Checked(new ScoreScale(method, f, e), warnings);
            }
        }
        throw new IllegalStateException(method.normalisation().toString());
    }

    /** "± 2 × 0.031 over 40 prompts" when |mean| < 2 standard errors, else null. */
    static String noise(float[] values, double mean) {
        int n = values.length;
        if (n < 2) return null;
        double ss = 0;
        for (float v : values) ss += (v - mean) * (v - mean);
        double se = Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
        if (Math.abs(mean) >= 2 * se) return null;
        return String.format(Locale.ROOT, "|mean| < 2 standard errors, 2 × %.3g over %d prompts", se, n);
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
