package org.circuitbench.explain;

/**
 * Each head's OV "next" and "copy" scores ({@code next[l][h]}, {@code copy[l][h]}, in percent of
 * {@code pairs} (prompt, label) pairs), as seqcont_circuits defines them (docs/explain.md), under
 * {@code definition}. {@code pairsWithSuccessor} counts the pairs whose token has a successor; the
 * others can only hit "copy".
 */
public record OvScores(double[][] next, double[][] copy, int pairs, int pairsWithSuccessor, OvDefinition definition) {

    public double next(int layer, int head) {
        return next[layer][head];
    }

    public double copy(int layer, int head) {
        return copy[layer][head];
    }
}
