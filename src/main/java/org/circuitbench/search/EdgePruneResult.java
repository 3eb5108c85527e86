package org.circuitbench.search;

import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;

import java.util.List;

/**
 * What an edge prune found (edges.md): the kept edges and their own score, every removal in order
 * with the score after it, and how many candidates were scored (not counting the final score).
 */
public record EdgePruneResult(
        String startSpec,
        EdgeCircuit start,
        double threshold,
        EdgeCircuit circuit,
        double score,
        List<Removal<Edge>> removals,
        long evaluations,
        double seconds,
        boolean cancelled,
        long speculativeWaste,
        Method scoring) {

    public EdgePruneResult {
        removals = List.copyOf(removals);
        if (scoring == null) scoring = Method.DEFAULT;
    }
}
