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

    /**
     * The vector-Jacobian product of this LayerNorm at x: given g = ∂L/∂forward(x), returns ∂L/∂x.
     * With x̂ = (x − mean) / σ and ĝ = g ⊙ γ: (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) / σ, means over d_model.
     * x and g broadcast against each other: [..., d_model].
     */
    public NDArray vjp(NDArray x, NDArray g) {
        return vjpScaled(x, g.mul(weight));
    }

    /**
     * {@link #vjp} given ĝ = g ⊙ γ, which it overwrites (pass an array of its own). Where γ can be
     * folded into the matrix product that makes ĝ, this saves passes over the largest array: the
     * attribution's q/k/v probes spend most of their time here.
     */
    public NDArray vjpScaled(NDArray x, NDArray gHat) {
        NDArray centred = x.sub(x.mean(new int[] {-1}, true));
        NDArray inv = centred.pow(2f).mean(new int[] {-1}, true).add(eps).pow(-0.5f); // 1 / σ, biased variance as forward uses
        NDArray xHat = centred.muli(inv);
        NDArray byXHat = gHat.mul(xHat).mean(new int[] {-1}, true);
        NDArray mean = gHat.mean(new int[] {-1}, true);
        return gHat.subi(mean).subi(xHat.mul(byXHat)).muli(inv);
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
