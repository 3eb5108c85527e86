package org.circuitbench.model;

import ai.djl.ndarray.NDArray;

/** The MLP: c_fc, the activation (gelu_new for GPT-2), c_proj. */
public final class Mlp {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    final Linear cFc;   // mlp.c_fc:   [d_model] -> [d_mlp]
    final Linear cProj; // mlp.c_proj: [d_mlp] -> [d_model]
    private final String activation;

    Mlp(Linear cFc, Linear cProj, String activation) {
        this.cFc = cFc;
        this.cProj = cProj;
        this.activation = activation;
    }

    /** x [..., d_model] (after ln_2) -> [..., d_model] (hook_mlp_out). */
    public NDArray forward(NDArray x) {
        return cProj.forward(act(cFc.forward(x)));
    }

    private NDArray act(NDArray x) {
        return switch (activation) {
            case "gelu" -> x.getNDArrayInternal().gelu();
            case "relu" -> x.maximum(0f);
            // gelu_new / gelu_pytorch_tanh / gelu_fast: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            default -> {
                // no in-place ops: autograd (attribution) needs the outputs of pow and tanh
                NDArray inner = x.pow(3f).mul(0.044715f).add(x).mul((float) SQRT_2_OVER_PI);
                yield x.mul(inner.tanh().add(1f)).mul(0.5f);
            }
        };
    }
}
