package org.circuitbench.search;

import org.circuitbench.ablation.Node;

/** A node removed by a search, the circuit's score right after, and when (seconds since start). */
public record Removal(Node node, double score, double elapsedSeconds, int pass) {
}
