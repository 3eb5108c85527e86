package org.circuitbench.search;

import org.circuitbench.ablation.Element;

/** A node or edge removed by a search, the circuit's score right after, and when (seconds since start). */
public record Removal<E extends Element>(E element, double score, double elapsedSeconds, int pass) {
}
