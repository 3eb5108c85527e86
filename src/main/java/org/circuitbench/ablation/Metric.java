package org.circuitbench.ablation;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a circuit is measured by, per clean prompt at its end position (docs/methods.md); the
 * task's value is the mean over the clean prompts.
 */
public enum Metric {
    /** logit[correct] − logit[incorrect]; with answer sets, the mean logit of each set (auto-circuit's). */
    LOGIT_DIFF("logit-diff", true, true),
    /** The probability of the correct answer; of a set, the sum over it. */
    PROB("prob", true, true),
    /** Σ p over the correct answers − Σ p over the incorrect ones: the greater-than task's probability difference. */
    PROB_DIFF("prob-diff", true, true),
    /** KL(full ‖ circuit) of the next-token distribution, in nats: ACDC's. Lower is better. */
    KL("kl", false, true),
    /** Top-1 accuracy in percent: the top token is (one of) the correct answer(s). */
    ACCURACY("accuracy", true, false);

    public final String id;
    private final boolean higherIsBetter;
    private final boolean differentiable;

    Metric(String id, boolean higherIsBetter, boolean differentiable) {
        this.id = id;
        this.higherIsBetter = higherIsBetter;
        this.differentiable = differentiable;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** Whether attribution can take its gradient (accuracy is a count). */
    public boolean differentiable() {
        return differentiable;
    }

    /** Whether a prompt's value needs the full next-token distribution, not only the answers' logits. */
    boolean readsVocabulary() {
        return this != LOGIT_DIFF;
    }

    public static Metric parse(String id) {
        for (Metric m : values()) if (m.id.equals(id.trim().toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException("--metric takes " + ids() + ", not '" + org.circuitbench.util.Texts.cap(id) + "'.");
    }

    static String ids() {
        return Arrays.stream(values()).map(m -> m.id).collect(Collectors.joining(", "));
    }

    /** How the metric is named in sentences: "logit difference", "KL divergence". */
    public String label() {
        return switch (this) {
            case LOGIT_DIFF -> "logit difference";
            case PROB -> "probability of the correct answer";
            case PROB_DIFF -> "probability difference";
            case KL -> "KL divergence";
            case ACCURACY -> "top-1 accuracy";
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
