package org.circuitbench.ablation;

/**
 * Which ablation, metric and normalisation made a score (docs/methods.md). Every result carries
 * it. {@link #DEFAULT} is the seed's: mean ablation per template and position, the logit
 * difference, and 100 × M(circuit) / M(full).
 *
 * <p>The prune rule follows the scale: a percentage score removes an element when
 * 100 − score(candidate) < T, as the seed does; KL on its own scale removes it when
 * KL(candidate) < T (nats), the same rule read as "the loss against the full model is below T".
 */
public record Method(AblationKind ablation, Metric metric, Normalisation normalisation) {
    public static final Method DEFAULT = new Method(AblationKind.MEAN, Metric.LOGIT_DIFF, Normalisation.RATIO);

    public Method {
        if (ablation == null) ablation = AblationKind.MEAN;
        if (metric == null) metric = Metric.LOGIT_DIFF;
        if (normalisation == null) normalisation = defaultNormalisation(metric);
        if (metric == Metric.KL && normalisation == Normalisation.RATIO) {
            throw new IllegalArgumentException("KL is 0 for the full model, so a ratio to it is undefined: use --normalisation none "
                    + "(KL in nats, kl's default) or faithfulness.");
        }
        if (metric != Metric.KL && normalisation == Normalisation.NONE) {
            throw new IllegalArgumentException("--normalisation none is for kl (KL in nats); " + metric.id
                    + " takes ratio or faithfulness.");
        }
    }

    /** The method named by command-line words; null or empty words take the defaults. */
    public static Method parse(String ablation, String metric, String normalisation) {
        Metric m = blank(metric) ? Metric.LOGIT_DIFF : Metric.parse(metric);
        return new Method(blank(ablation) ? AblationKind.MEAN : AblationKind.parse(ablation), m,
                blank(normalisation) ? defaultNormalisation(m) : Normalisation.parse(normalisation));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** ratio, except for kl, which is reported on its own scale. */
    public static Normalisation defaultNormalisation(Metric m) {
        return m == Metric.KL ? Normalisation.NONE : Normalisation.RATIO;
    }

    public Method withAblation(AblationKind k) {
        return new Method(k, metric, normalisation);
    }

    /** Whether scores are percentages of the full model (100 = the full model). */
    public boolean percent() {
        return normalisation != Normalisation.NONE;
    }

    /** Whether a higher score is a better circuit. */
    public boolean higherIsBetter() {
        return percent() || metric.higherIsBetter();
    }

    /** The full model's score: 100 for a percentage, the metric's own value otherwise (KL: 0). */
    public double fullScore() {
        return percent() ? 100.0 : 0.0;
    }

    /** The prune rule: whether a candidate scoring {@code score} may be removed at threshold {@code t}. */
    public boolean removes(double score, double t) {
        return percent() ? 100.0 - score < t : score < t;
    }

    /** How far a score is from the full model's, in the threshold's units (the loss the rule compares with T). */
    public double loss(double score) {
        return percent() ? 100.0 - score : score;
    }

    /** Checks a prune threshold: a percentage in [0, 100], or a KL of at least 0 nats. */
    public void checkThreshold(double t) {
        if (percent()) {
            if (!(t >= 0 && t <= 100)) {
                throw new IllegalArgumentException("Threshold " + t + " is outside [0, 100]; it is a percentage of the full model's score.");
            }
        } else if (!(t >= 0 && t < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("Threshold " + t + " is not a KL divergence; give a number of nats of at least 0 (e.g. 0.1).");
        }
    }

    /** The score's unit for messages and tables: "%" or " nats". */
    public String unit() {
        return percent() ? " %" : " nats";
    }

    /** "patch · kl · none" */
    public String describe() {
        return ablation.id + " · " + metric.id + " · " + normalisation.id;
    }

    public boolean isDefault() {
        return equals(DEFAULT);
    }
}
