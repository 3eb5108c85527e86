package org.circuitbench.ui.common;

import javafx.beans.value.ObservableBooleanValue;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;

import java.util.List;
import java.util.Map;

/**
 * The grid's overlays as the rooms that compute them fill them: the importance sweep and the
 * comparison (the analyses), and the estimated drops (the Heads view, which computes them while
 * the grid asks for them). The grid implements it; the others see no more of the grid than this.
 */
public interface GridOverlays {
    /** How many circuits the compare overlay can tell apart (one colour each). */
    int MAX_COMPARED = Cells.COMPARE.length;

    /** A circuit the compare overlay shows, under the name its legend gives it. */
    record Compared(String name, Circuit circuit) {
    }

    /** A sweep of {@code of} (null: unknown): each node's score without it, and the circuit's score. */
    void showImportance(Map<Node, Double> scoreWithout, double circuitScore, Circuit of);

    /** Colours the cells by membership of 2 to {@link #MAX_COMPARED} circuits. */
    void showComparison(List<Compared> circuits);

    /** Whether the grid shows estimated drops now, so that the working circuit's estimate is wanted. */
    ObservableBooleanValue estimateWanted();

    /** The circuit whose estimate the grid shows (null: none). */
    Circuit estimateShownFor();

    /** The estimated drop of each node at {@code at} (nodes without one are left out). */
    void showEstimate(Map<Node, Double> drops, Circuit at);
}
