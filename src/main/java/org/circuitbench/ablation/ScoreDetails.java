package org.circuitbench.ablation;

/**
 * A circuit's score with what a researcher checks next to it: per-prompt logit differences,
 * the full model's top-1 accuracy, and how many prompts the ablated model still gets right.
 */
public record ScoreDetails(
        Circuit circuit,
        double score,
        double circuitLogitDiff,
        double fullLogitDiff,
        float[] circuitPerPrompt,
        float[] fullPerPrompt,
        int fullCorrect,
        int circuitCorrect,
        int prompts) {

    /** Share of clean prompts whose top-1 token is the correct answer, unablated. */
    public double fullAccuracy() {
        return prompts == 0 ? 0 : (double) fullCorrect / prompts;
    }

    public double circuitAccuracy() {
        return prompts == 0 ? 0 : (double) circuitCorrect / prompts;
    }
}
