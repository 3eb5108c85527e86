package org.circuitbench.ablation;

import org.circuitbench.util.Texts;

/**
 * A node of a node circuit: an attention head {@code L.H} or the MLP of a layer {@code L.mlp}.
 * Nodes sort by layer; within a layer the heads come first, then the MLP. Each names the
 * TransformerLens hook that the node-level rule ablates.
 */
public sealed interface Node extends Element, Comparable<Node> permits Node.Head, Node.Mlp {

    int layer();

    /** The TransformerLens hook whose activation the node-level ablation replaces. */
    String hookName();

    static Head head(int layer, int head) {
        return new Head(layer, head);
    }

    static Mlp mlp(int layer) {
        return new Mlp(layer);
    }

    /** Parses {@code 9.1} or {@code 3.mlp}; bounds are checked by the circuit. */
    static Node parse(String s) {
        String t = s.trim();
        int dot = t.indexOf('.');
        try {
            if (dot > 0) {
                int layer = Integer.parseInt(t.substring(0, dot));
                String rest = t.substring(dot + 1);
                if (layer >= 0 && rest.equalsIgnoreCase("mlp")) return mlp(layer);
                int head = Integer.parseInt(rest);
                if (layer >= 0 && head >= 0) return head(layer, head);
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("Cannot read " + Texts.quoted(s) + " as a head: write L.H with layer and head counted from 0, "
                + "such as 9.1, or L.mlp for an MLP.");
    }

    @Override
    default int compareTo(Node o) {
        if (layer() != o.layer()) return Integer.compare(layer(), o.layer());
        return Integer.compare(indexInLayer(this), indexInLayer(o));
    }

    private static int indexInLayer(Node n) {
        return switch (n) {
            case Head h -> h.head();
            case Mlp m -> Integer.MAX_VALUE;
        };
    }

    /** Head {@code head} of layer {@code layer}; as a sender it writes its hook_result (z · W_O, no bias). */
    record Head(int layer, int head) implements Node, Sender {
        @Override
        public String hookName() {
            return "blocks." + layer + ".attn.hook_z";
        }

        @Override
        public String outputHook() {
            return "blocks." + layer + ".attn.hook_result";
        }

        /** One of this head's three receivers: the stream its query, key or value reads. */
        public Receiver.HeadInput input(Receiver.Channel channel) {
            return new Receiver.HeadInput(this, channel);
        }

        @Override
        public String toString() {
            return layer + "." + head;
        }
    }

    /** The MLP of a layer: a node, a sender (hook_mlp_out) and a receiver (hook_mlp_in). */
    record Mlp(int layer) implements Node, Sender, Receiver {
        @Override
        public String hookName() {
            return "blocks." + layer + ".hook_mlp_out";
        }

        @Override
        public String outputHook() {
            return hookName();
        }

        @Override
        public String inputHook() {
            return "blocks." + layer + ".hook_mlp_in";
        }

        @Override
        public String toString() {
            return layer + ".mlp";
        }
    }
}
