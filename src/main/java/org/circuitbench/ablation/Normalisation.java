package org.circuitbench.ablation;

import java.util.Locale;

/** How a circuit's metric M(circuit) becomes its score (docs/methods.md). */
public enum Normalisation {
    /** The seed's: 100 × M(circuit) / M(full). */
    RATIO("ratio"),
    /** EAP-IG's and MIB's normalised faithfulness: 100 × (M(circuit) − M(empty)) / (M(full) − M(empty)). */
    FAITHFULNESS("faithfulness"),
    /** The metric on its own scale (KL's: 0 for the full model, lower is better). */
    NONE("none");

    public final String id;

    Normalisation(String id) {
        this.id = id;
    }

    public static Normalisation parse(String id) {
        for (Normalisation n : values()) if (n.id.equals(id.trim().toLowerCase(Locale.ROOT))) return n;
        throw new IllegalArgumentException("--normalisation takes ratio, faithfulness or none, not '"
                + org.circuitbench.util.Texts.cap(id) + "'.");
    }

    @Override
    public String toString() {
        return id;
    }
}
