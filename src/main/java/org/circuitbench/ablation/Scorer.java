package org.circuitbench.ablation;

import java.util.List;

/**
 * Scores circuits of one kind (node circuits, edge circuits) on a prepared task, by its
 * {@link Method} (the seed's: 100 × circuit logit difference / full logit difference). The search
 * code sees only this. Used by one thread at a time.
 */
public interface Scorer<C> {
    double score(C circuit);

    /** Which ablation, metric and normalisation make the scores; the prune rule follows it. */
    default Method method() {
        return Method.DEFAULT;
    }

    /** Several circuits at once; an implementation may batch them in one forward pass. */
    default double[] scores(List<C> circuits) {
        double[] out = new double[circuits.size()];
        for (int i = 0; i < out.length; i++) out[i] = score(circuits.get(i));
        return out;
    }

    /**
     * A hint: most circuits scored next will be this one with an element or two changed (the
     * current circuit of a prune, the app's grid). An implementation that caches activations keys
     * them on it.
     */
    default void setBase(C circuit) {
    }
}
