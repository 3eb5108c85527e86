package org.circuitbench.search;

import org.circuitbench.ablation.Element;

/**
 * One evaluation done: how many so far (and of how many, −1 if unknown), the node or edge just
 * tried, its candidate score, and the best score so far (for a prune, the current circuit's score).
 */
public record Progress(long done, long total, Element candidate, double candidateScore, double bestScore,
                       int circuitSize, String message) {
    public double fraction() {
        return total > 0 ? Math.min(1.0, (double) done / total) : -1;
    }
}
