package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Method;

/**
 * A prune: the method, the threshold T in percent (remove a node when 100 − score < T; in nats
 * for KL: when KL < T), the start circuit, and for {@code random} the seed and the number of picks.
 * The evaluator's {@link Method} checks T on its scale ({@link Pruner}).
 */
public record PruneSettings(SearchMethod method, double threshold, Circuit start, long seed, int iterations) {
    public static final int DEFAULT_ITERATIONS = 200;

    public PruneSettings {
        if (method == null) throw new IllegalArgumentException("No method given; use forward, backward, forward-backward, backward-forward or random.");
        if (!(threshold >= 0 && threshold < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("Threshold " + threshold + " is not a number of at least 0.");
        }
        if (start == null || start.isEmpty()) {
            throw new IllegalArgumentException("The start circuit is empty; a prune needs heads to remove. Start from 'all' or list heads.");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("--iterations must be at least 1, got " + iterations + ".");
        }
    }

    /** T is a percentage of the full model's score, in [0, 100] (the default method's scale). */
    public static void checkThreshold(double threshold) {
        Method.DEFAULT.checkThreshold(threshold);
    }

    /** T on {@code method}'s scale: a percentage in [0, 100], or a KL of at least 0 nats. */
    public static void checkThreshold(double threshold, Method method) {
        method.checkThreshold(threshold);
    }

    public static PruneSettings of(SearchMethod method, double threshold, Circuit start) {
        return new PruneSettings(method, threshold, start, 0, DEFAULT_ITERATIONS);
    }
}
