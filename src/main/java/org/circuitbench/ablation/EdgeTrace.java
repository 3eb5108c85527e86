package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;

/**
 * One edge-ablated pass laid open, for explanations (direct logit attribution, the logit lens,
 * attention patterns): what every sender wrote, what every receiver read, the residual stream.
 * Every array is [batch, pos, d_model] unless said otherwise, and lives in the NDScope of the
 * caller of {@link EdgeEvaluator#trace}.
 */
public final class EdgeTrace {
    private final EdgeForward f;
    private final EdgePass p;

    EdgeTrace(EdgeForward f, EdgePass p) {
        this.f = f;
        this.p = p;
    }

    public EdgeCircuit circuit() {
        return p.circuit;
    }

    /**
     * What the sender wrote in this pass (hook_embed + hook_pos_embed, hook_result without b_O,
     * hook_mlp_out). A sender with no kept out-edge is not computed: it writes its mean.
     */
    public NDArray output(Sender s) {
        return switch (s) {
            case Sender.Embed e -> p.embed;
            case Node.Head h -> p.heads[h.layer()].get(h.head());
            case Node.Mlp m -> p.mlps[m.layer()];
        };
    }

    /** The sender's template mean, what a removed edge carries instead. */
    public NDArray mean(Sender s) {
        return f.mean(f.graph.senderIndex(s));
    }

    /** What receiver r reads from sender s: its output when the edge is kept, its mean when removed. */
    public NDArray readBy(Sender s, Receiver r) {
        return p.circuit.contains(f.graph.senderIndex(s), f.graph.receiverIndex(r)) ? output(s) : mean(s);
    }

    /** Receiver r's input by the rule of {@link EdgeAblation}. */
    public NDArray input(Receiver r) {
        NDArray at = switch (r) {
            case Receiver.HeadInput in -> p.residPre[in.layer()];
            case Node.Mlp m -> p.residMid[m.layer()];
            case Receiver.Logits l -> p.residFinal;
        };
        return EdgeAblation.inputs(at, new int[] {f.graph.receiverIndex(r)}, p.circuit, p).get(0);
    }

    /** The stream entering layer l, in this pass. */
    public NDArray residPre(int layer) {
        return p.residPre[layer];
    }

    /** The stream after layer l's attention (before its MLP), in this pass. */
    public NDArray residMid(int layer) {
        return p.residMid[layer];
    }

    /** The stream after the last block (what the logits read when no edge into them is removed). */
    public NDArray residFinal() {
        return p.residFinal;
    }

    /** Layer l's attention probabilities, each head from its own q and k inputs: [head, batch, query_pos, key_pos]. */
    public NDArray pattern(int layer) {
        int[] receivers = new int[3 * f.heads];
        for (int h = 0; h < f.heads; h++) {
            for (Receiver.Channel ch : Receiver.Channel.values()) {
                receivers[3 * h + ch.ordinal()] = f.graph.receiverIndex(Node.head(layer, h).input(ch));
            }
        }
        NDArray in = EdgeAblation.inputs(p.residPre[layer], receivers, p.circuit, p);
        return f.weights[layer].pattern(f.blocks.get(layer).ln1().forward(in));
    }

    /** Per-prompt logit differences of the pass. */
    public float[] perPrompt() {
        return p.perPrompt.clone();
    }
}
