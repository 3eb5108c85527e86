package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;

/**
 * Per-template means over the corrupt prompts, already laid out per clean prompt:
 * {@code z[l]} is [batch, pos, head, d_head] (blocks.l.attn.hook_z) and {@code mlp[l]} is
 * [batch, pos, d_model] (blocks.l.hook_mlp_out).
 */
public record Means(NDArray[] z, NDArray[] mlp) implements AutoCloseable {
    @Override
    public void close() {
        for (NDArray a : z) a.close();
        for (NDArray a : mlp) a.close();
    }
}
