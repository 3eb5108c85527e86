package org.circuitbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.SparseFormat;

/** Token plus position embeddings: wte and wpe. */
public final class Embedding {
    final NDArray wte; // [vocab, d_model]; also the tied unembedding
    final NDArray wpe; // [n_positions, d_model]

    Embedding(NDArray wte, NDArray wpe) {
        this.wte = wte;
        this.wpe = wpe;
    }

    /** tokens [batch, pos] (int64) -> residual stream [batch, pos, d_model]: hook_embed + hook_pos_embed. */
    public NDArray forward(NDArray tokens) {
        return tokens(tokens).add(positions(tokens));
    }

    /** The token embeddings (hook_embed): tokens [batch, pos] -> [batch, pos, d_model]. */
    public NDArray tokens(NDArray tokens) {
        return tokens.getNDArrayInternal().embedding(tokens, wte, SparseFormat.DENSE).singletonOrThrow();
    }

    /** The position embeddings (hook_pos_embed) of a batch's positions: [pos, d_model], broadcast over the batch. */
    public NDArray positions(NDArray tokens) {
        return wpe.get(new NDIndex(":{}", tokens.getShape().get(1)));
    }

    public NDArray wte() {
        return wte;
    }
}
