package org.circuitbench.search;

import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;

import java.util.List;

/**
 * What a node prune found: the final circuit and its own score (not the last candidate's, which
 * is what the seed's functions return), every removal in order with the score after it, and how
 * many candidates were scored. A cancelled run keeps its removals so far. {@code speculativeWaste}
 * counts candidates scored ahead and then dropped because an earlier one was removed.
 * {@code scoring} is the method that made the scores (docs/methods.md).
 */
public record PruneResult(
        PruneSettings settings,
        Circuit circuit,
        double score,
        List<Removal<Node>> removals,
        long evaluations,
        int passes,
        double seconds,
        boolean cancelled,
        long speculativeWaste,
        Method scoring) {

    public PruneResult {
        removals = List.copyOf(removals);
        if (scoring == null) scoring = Method.DEFAULT;
    }
}
