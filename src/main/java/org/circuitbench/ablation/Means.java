package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;

/**
 * Per-template means over the corrupt prompts, already laid out per clean prompt:
 * {@code embed} is [batch, pos, d_model] (hook_embed + hook_pos_embed, for the edge level),
 * {@code z[l]} is [batch, pos, head, d_head] (blocks.l.attn.hook_z) and {@code mlp[l]} is
 * [batch, pos, d_model] (blocks.l.hook_mlp_out).
 */
public record Means(NDArray embed, NDArray[] z, NDArray[] mlp) implements AutoCloseable {
    @Override
    public void close() {
        embed.close();
        for (NDArray a : z) a.close();
        for (NDArray a : mlp) a.close();
    }
}
