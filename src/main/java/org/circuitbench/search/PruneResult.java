package org.circuitbench.search;

import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Element;
import org.circuitbench.ablation.Method;

import java.util.List;

/**
 * What a search found, at either level: the final circuit and its own score (not the last
 * candidate's, which is what the seed's functions return), every removal in order with the score
 * after it, and how many candidates were scored (not counting the final score). A cancelled run
 * keeps its removals so far.
 *
 * @param curve              the faithfulness curve of a search by attribution: the exact score of
 *                           every top-n circuit it tried, by n (empty for a greedy prune)
 * @param attributionSeconds the attribution pass of a search by attribution (0 otherwise)
 * @param speculativeWaste   candidates scored ahead and then dropped because an earlier one was removed
 * @param scoring            the method that made the scores (docs/methods.md)
 */
public record PruneResult<E extends Element, C extends CircuitOf<E, C>>(
        PruneSettings<C> settings,
        C circuit,
        double score,
        List<Removal<E>> removals,
        List<Point> curve,
        long evaluations,
        int passes,
        double seconds,
        double attributionSeconds,
        boolean cancelled,
        long speculativeWaste,
        Method scoring) {

    /** One point of a faithfulness curve: a top-n circuit's size and its exact score. */
    public record Point(int size, double score) {
    }

    public PruneResult {
        removals = List.copyOf(removals);
        curve = List.copyOf(curve);
        if (scoring == null) scoring = Method.DEFAULT;
    }

    /** A greedy prune's result (no curve). */
    public PruneResult(PruneSettings<C> settings, C circuit, double score, List<Removal<E>> removals, long evaluations, int passes,
                       double seconds, boolean cancelled, long speculativeWaste, Method scoring) {
        this(settings, circuit, score, removals, List.of(), evaluations, passes, seconds, 0, cancelled, speculativeWaste, scoring);
    }

    public C start() {
        return settings.start();
    }

    /**
     * Whether the final circuit reaches 100 − T, or a KL of at most T on KL's own scale (a search by
     * attribution whose start does not reports the start unchanged).
     */
    public boolean reached() {
        return scoring.loss(score) <= settings.threshold();
    }
}
