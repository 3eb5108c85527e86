package org.circuitbench.explain;

/**
 * The measures of one pass, each null when it was not asked for. {@code scope} is what ran
 * ({@link Scope#label()}); {@code logitDiff} is that pass's mean logit difference and
 * {@code fullLogitDiff} the full model's. Plain data with per-head arrays, for a view model to hold
 * and a session to save; treat the arrays as read-only. A cancelled run holds the measures finished
 * before the cancel.
 */
public record Explanation(String scope, double logitDiff, double fullLogitDiff, DirectLogitAttribution dla, LogitLens lens,
                          LabelAttention attention, OvScores ov, HeadTypes heads, double seconds,
                          boolean cancelled) {

    /** 100 × logitDiff / fullLogitDiff, the pass's score. */
    public double score() {
        return 100.0 * logitDiff / fullLogitDiff;
    }
}
