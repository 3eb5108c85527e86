package org.circuitbench.model;

import ai.djl.ndarray.NDArray;

/**
 * Hugging Face's GPT-2 {@code Conv1D}: y = x W + b with W stored [in, out].
 * We keep its parameter names but hold W transposed, [out, in], so one fused
 * {@code linear} (addmm) does the work.
 */
public final class Linear {
    final NDArray weight; // [out, in]
    final NDArray bias;   // [out]

    Linear(NDArray weightOutIn, NDArray bias) {
        this.weight = weightOutIn;
        this.bias = bias;
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow(); // [..., in] -> [..., out]
    }

    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }
}
