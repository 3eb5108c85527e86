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

    /** The CSV header of {@link #perPromptCsv}. */
    public static final String CSV_HEADER = "prompt,text,correct,incorrect,full,circuit,wrong";

    /**
     * The per-prompt table as RFC 4180 CSV: a header, then one row per clean prompt (its index,
     * text and answers, quoted, an answer set joined with " | "; the full model's and the circuit's
     * metric; whether the circuit gets it wrong). {@code clean} is the task's clean prompts.
     */
    public String perPromptCsv(java.util.List<org.circuitbench.task.Prompt> clean) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (int i = 0; i < prompts; i++) {
            var p = clean.get(i);
            sb.append(i).append(',').append(quote(p.text())).append(',')
                    .append(quote(org.circuitbench.task.Prompt.joined(p.correct()))).append(',')
                    .append(quote(org.circuitbench.task.Prompt.joined(p.incorrect()))).append(',')
                    .append(fullPerPrompt[i]).append(',').append(circuitPerPrompt[i]).append(',').append(wrong[i]).append('\n');
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return "\"" + (s == null ? "" : s).replace("\"", "\"\"") + "\"";
    }

    /** How many prompts the circuit gets wrong (see the class comment). */
    public int wrongCount() {
        int n = 0;
        for (boolean w : wrong) if (w) n++;
        return n;
    }
}
