package org.circuitbench.model;

import ai.djl.ndarray.NDArray;

/**
 * The MLP: c_fc, the activation (gelu_new for GPT-2), c_proj.
 *
 * <p>The activation's constants are arrays owned by the model, never DJL's {@code (Number)}
 * overloads: those wrap a buffer that is freed right after the op, while autograd (attribution)
 * keeps the scalar of x · c for the backward pass (docs/djl-scalar-lifetime.md).
 */
public final class Mlp {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    final Linear cFc;   // mlp.c_fc:   [d_model] -> [d_mlp]
    final Linear cProj; // mlp.c_proj: [d_mlp] -> [d_model]
    private final String activation;
    private final NDArray cubic, sqrt2OverPi, one, half, zero; // 0-d float32, as the (Number) overloads made them

    Mlp(Linear cFc, Linear cProj, String activation) {
        this.cFc = cFc;
        this.cProj = cProj;
        this.activation = activation;
        var m = cFc.weight.getManager();
        cubic = Scalars.of(m, 0.044715f);
        sqrt2OverPi = Scalars.of(m, (float) SQRT_2_OVER_PI);
        one = Scalars.of(m, 1f);
        half = Scalars.of(m, 0.5f);
        zero = Scalars.of(m, 0f);
    }

    /** x [..., d_model] (after ln_2) -> [..., d_model] (hook_mlp_out). */
    public NDArray forward(NDArray x) {
        return cProj.forward(act(cFc.forward(x)));
    }

    private NDArray act(NDArray x) {
        return switch (activation) {
            case "gelu" -> x.getNDArrayInternal().gelu();
            case "relu" -> x.maximum(zero);
            // gelu_new / gelu_pytorch_tanh / gelu_fast: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            default -> {
                // no in-place ops: autograd (attribution) needs the inputs and outputs of each op.
                // x³ as (x · x) · x, which is what torch.pow(x, 3.0) computes (TransformerLens's
                // gelu_new); pow with an array exponent runs the general pow, about 6x slower.
                NDArray inner = x.mul(x).mul(x).mul(cubic).add(x).mul(sqrt2OverPi);
                yield x.mul(inner.tanh().add(one)).mul(half);
            }
        };
    }
}
