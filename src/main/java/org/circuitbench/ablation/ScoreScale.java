package org.circuitbench.ablation;

/**
 * How a metric value becomes a score at one level (docs/methods.md): the method, the full model's
 * metric M(full), and for faithfulness the empty circuit's M(empty) at that level (no heads at the
 * node level, no edges at the edge level; NaN when not used).
 */
public record ScoreScale(Method method, double full, double empty) {

    /** The score of a circuit whose metric (mean over the clean prompts) is {@code m}. */
    public double score(double m) {
        return switch (method.normalisation()) {
            case RATIO -> 100.0 * m / full;
            case FAITHFULNESS -> 100.0 * (m - empty) / (full - empty);
            case NONE -> m;
        };
    }

    /** d score / d M: what turns a metric gradient into score points (attribution). */
    public double slope() {
        return switch (method.normalisation()) {
            case RATIO -> 100.0 / full;
            case FAITHFULNESS -> 100.0 / (full - empty);
            case NONE -> 1.0;
        };
    }
}
