package org.circuitbench.ablation;

/**
 * A node of a circuit: attention head {@code L.H}, or the MLP of a layer, {@code L.mlp}.
 * Nodes sort by layer; within a layer the heads come first, then the MLP.
 */
public record Node(int layer, int head) implements Comparable<Node> {
    public static final int MLP = -1;

    public static Node head(int layer, int head) {
        return new Node(layer, head);
    }

    public static Node mlp(int layer) {
        return new Node(layer, MLP);
    }

    public boolean isMlp() {
        return head == MLP;
    }

    /** Parses {@code 9.1} or {@code 3.mlp}; bounds are checked by the circuit. */
    public static Node parse(String s) {
        String t = s.trim();
        int dot = t.indexOf('.');
        try {
            if (dot > 0) {
                int layer = Integer.parseInt(t.substring(0, dot));
                String rest = t.substring(dot + 1);
                if (rest.equalsIgnoreCase("mlp")) return mlp(layer);
                int head = Integer.parseInt(rest);
                if (layer >= 0 && head >= 0) return head(layer, head);
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("Cannot read '" + s + "' as a head: write L.H with layer and head counted from 0, "
                + "such as 9.1, or L.mlp for an MLP.");
    }

    @Override
    public int compareTo(Node o) {
        if (layer != o.layer) return Integer.compare(layer, o.layer);
        int a = isMlp() ? Integer.MAX_VALUE : head, b = o.isMlp() ? Integer.MAX_VALUE : o.head;
        return Integer.compare(a, b);
    }

    @Override
    public String toString() {
        return isMlp() ? layer + ".mlp" : layer + "." + head;
    }
}
