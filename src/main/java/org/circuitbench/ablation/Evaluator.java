package org.circuitbench.ablation;

/**
 * Scores node circuits on one prepared task. Implementations differ in speed only: every one
 * applies the node-level rule of {@link NodeAblation}.
 */
public interface Evaluator extends Scorer<Circuit>, AutoCloseable {
    AblationTask task();

    @Override
    default Method method() {
        return task().method();
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
