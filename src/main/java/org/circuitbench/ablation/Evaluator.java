package org.circuitbench.ablation;

import java.util.List;

/**
 * Scores circuits on one prepared task: score = 100 × circuit logit difference / full logit
 * difference. Implementations differ in speed only; the search code sees just this interface.
 * An evaluator is used by one thread at a time.
 */
public interface Evaluator extends AutoCloseable {
    AblationTask task();

    double score(Circuit circuit);

    /** Several circuits at once; an implementation may batch them in one forward pass. */
    default double[] scores(List<Circuit> circuits) {
        double[] out = new double[circuits.size()];
        for (int i = 0; i < out.length; i++) out[i] = score(circuits.get(i));
        return out;
    }

    /**
     * A hint: most circuits scored next will be this one with a node or two changed (the current
     * circuit of a prune, the grid of the app). An evaluator that caches activations keys them on it.
     */
    default void setBase(Circuit circuit) {
    }

    /** Floating-point operations spent so far in matrix products (for the benchmark's GFLOP/s). */
    default long flops() {
        return 0;
    }

    default ScoreDetails details(Circuit circuit) {
        return task().details(circuit);
    }

    @Override
    default void close() {
    }
}
