package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;

import java.util.List;

/**
 * What a prune found: the final circuit and its own score (not the last candidate's, which is
 * what the seed's functions return), every removal in order with the score after it, and how
 * many candidates were scored. A cancelled run keeps its removals so far.
 */
public record PruneResult(
        PruneSettings settings,
        Circuit circuit,
        double score,
        List<Removal> removals,
        long evaluations,
        int passes,
        double seconds,
        boolean cancelled) {

    public PruneResult {
        removals = List.copyOf(removals);
    }
}
