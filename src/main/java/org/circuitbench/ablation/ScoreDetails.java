package org.circuitbench.ablation;

/**
 * A circuit's score with what a researcher checks next to it: the method that made it, the
 * per-prompt metric values beside the full model's, which prompts the circuit gets wrong, and
 * how many prompts the full and the ablated model get right (top-1 is a correct answer).
 *
 * <p>"Wrong" depends on the metric: a logit or probability difference ≤ 0 (the circuit prefers an
 * incorrect answer); for prob and accuracy, a top-1 token that is not a correct answer; for kl, a
 * top-1 token that differs from the full model's.
 *
 * @param circuit the node circuit, or null for an edge circuit
 */
public record ScoreDetails(
        Circuit circuit,
        Method method,
        double score,
        double circuitMetric,
        double fullMetric,
        float[] circuitPerPrompt,
        float[] fullPerPrompt,
        boolean[] wrong,
        int fullCorrect,
        int circuitCorrect,
        int prompts) {

    /** Share of clean prompts whose top-1 token is a correct answer, unablated. */
    public double fullAccuracy() {
        return prompts == 0 ? 0 : (double) fullCorrect / prompts;
    }

    public double circuitAccuracy() {
        return prompts == 0 ? 0 : (double) circuitCorrect / prompts;
    }

    /** How many prompts the circuit gets wrong (see the class comment). */
    public int wrongCount() {
        int n = 0;
        for (boolean w : wrong) if (w) n++;
        return n;
    }
}
