package org.circuitbench.ui.runs;

/** A row of a run's log: its step, the node or edge removed (or a point of a curve), the score after it, seconds since the start. */
public record LogRow(int step, String element, double score, double seconds) {
}
