package org.circuitbench.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * For every head, the mean attention weight from each prompt's {@code end} to each position
 * label of the task ({@code values[label][layer][head]}, labels in {@link #labels()}, {@code end}
 * last), averaged over the prompts that have that label. {@code unlabelled[layer][head]} is the
 * mean weight on positions that carry no label and are not end, so that, when no two labels
 * share a position, the labels, end and the rest sum to 1.
 */
public record LabelAttention(List<String> labels, double[][][] values, double[][] unlabelled) {

    public LabelAttention {
        labels = List.copyOf(labels);
    }

    public record Entry(String head, String label, double value) {
    }

    public double value(String label, int layer, int head) {
        int i = labels.indexOf(label);
        if (i < 0) throw new IllegalArgumentException("No position label '" + label + "'; the task has " + labels + ".");
        return values[i][layer][head];
    }

    /** Head by head (0.0, 0.1, …), each with its labels in order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        int layers = unlabelled.length;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < unlabelled[l].length; h++) {
                for (int i = 0; i < labels.size(); i++) out.add(new Entry(l + "." + h, labels.get(i), values[i][l][h]));
            }
        }
        return out;
    }
}
