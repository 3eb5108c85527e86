package org.circuitbench.ablation;

/**
 * A node of the edge graph that writes to the residual stream (edges.md): the embeddings, a
 * head's result or an MLP's output. {@link #outputHook()} names the TransformerLens hook.
 */
public sealed interface Sender permits Sender.Embed, Node.Head, Node.Mlp {

    /** The layer of the sender; the embeddings come before layer 0. */
    int layer();

    String outputHook();

    Embed EMBED = new Embed();

    /** Token plus position embeddings ({@code hook_embed + hook_pos_embed}). */
    record Embed() implements Sender {
        @Override
        public int layer() {
            return -1;
        }

        @Override
        public String outputHook() {
            return "hook_embed + hook_pos_embed";
        }

        @Override
        public String toString() {
            return "embed";
        }
    }
}
