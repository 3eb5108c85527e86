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

    /** tokens [batch, pos] (int64) -> residual stream [batch, pos, d_model]. */
    public NDArray forward(NDArray tokens) {
        long t = tokens.getShape().get(1);
        NDArray tok = tokens.getNDArrayInternal().embedding(tokens, wte, SparseFormat.DENSE).singletonOrThrow();
        NDArray pos = wpe.get(new NDIndex(":{}", t)); // [pos, d_model], broadcast over batch
        return tok.add(pos);
    }

    public NDArray wte() {
        return wte;
    }
}
