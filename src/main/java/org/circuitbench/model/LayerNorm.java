package org.circuitbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** LayerNorm over the last dimension: ln_1, ln_2 and ln_f. */
public final class LayerNorm {
    final NDArray weight; // [d_model]
    final NDArray bias;   // [d_model]
    private final float eps;

    LayerNorm(NDArray weight, NDArray bias, double eps) {
        this.weight = weight;
        this.bias = bias;
        this.eps = (float) eps;
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().layerNorm(x, weight.getShape(), weight, bias, eps).singletonOrThrow();
    }

    Shape shape() {
        return weight.getShape();
    }

    /** The scale γ [d_model], for a LayerNorm applied by hand (direct logit attribution). */
    public NDArray weight() {
        return weight;
    }

    /** The shift β [d_model]. */
    public NDArray bias() {
        return bias;
    }

    public float eps() {
        return eps;
    }
}
