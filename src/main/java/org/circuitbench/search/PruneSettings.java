package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Method;

/**
 * A prune at either level: the method, the threshold T (remove an element when 100 − score < T;
 * in nats for KL: when KL < T), the start circuit and how it was given ({@code startSpec}: a spec
 * such as {@code induced:0.1,4.4}, or a label such as "the graph (453 edges)"), and for
 * {@code random} the seed and the number of picks. The evaluator's {@link Method} checks T on its
 * scale ({@link Pruner}).
 */
public record PruneSettings<C extends CircuitOf<?, C>>(SearchMethod method, double threshold, C start, String startSpec, long seed,
                                                      int iterations) {
    public static final int DEFAULT_ITERATIONS = 200;

    public PruneSettings {
        if (method == null) throw new IllegalArgumentException("No method given; use forward, backward, forward-backward, backward-forward or random.");
        if (!(threshold >= 0 && threshold < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("Threshold " + threshold + " is not a number of at least 0.");
        }
        if (start == null || start.isEmpty()) {
            throw new IllegalArgumentException(start != null && start.level() == org.circuitbench.ablation.Level.EDGES
                    ? "The start circuit has no edges; a prune needs edges to remove."
                    : "The start circuit is empty; a prune needs heads to remove. Start from 'all' or list heads.");
        }
        if (method.level != start.level()) {
            throw new IllegalArgumentException("The method " + method.id + " prunes " + method.level + ", but the start circuit is "
                    + start.level().circuitNoun() + ".");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("--iterations must be at least 1, got " + iterations + ".");
        }
        if (startSpec == null) startSpec = start.toSpec();
    }

    /** A node prune; the start is named by its spec. */
    public PruneSettings(SearchMethod method, double threshold, C start, long seed, int iterations) {
        this(method, threshold, start, null, seed, iterations);
    }

    /** T is a percentage of the full model's score, in [0, 100] (the default method's scale). */
    public static void checkThreshold(double threshold) {
        Method.DEFAULT.checkThreshold(threshold);
    }

    /** T on {@code method}'s scale: a percentage in [0, 100], or a KL of at least 0 nats. */
    public static void checkThreshold(double threshold, Method method) {
        method.checkThreshold(threshold);
    }

    public static PruneSettings<Circuit> of(SearchMethod method, double threshold, Circuit start) {
        return new PruneSettings<>(method, threshold, start, null, 0, DEFAULT_ITERATIONS);
    }

    /** A prune of {@code start} named {@code startSpec}, with no seed of its own. */
    public static <C extends CircuitOf<?, C>> PruneSettings<C> of(SearchMethod method, double threshold, C start, String startSpec) {
        return new PruneSettings<>(method, threshold, start, startSpec, 0, DEFAULT_ITERATIONS);
    }
}
