package org.circuitbench.model;

import ai.djl.ndarray.NDArray;

/** One transformer block: x + attn(ln_1(x)), then + mlp(ln_2(.)). */
public final class Block {
    final LayerNorm ln1;
    final Attention attn;
    final LayerNorm ln2;
    final Mlp mlp;
    final int layer;

    Block(int layer, LayerNorm ln1, Attention attn, LayerNorm ln2, Mlp mlp) {
        this.layer = layer;
        this.ln1 = ln1;
        this.attn = attn;
        this.ln2 = ln2;
        this.mlp = mlp;
    }

    /** x [batch, pos, d_model] -> [batch, pos, d_model], with hooks on z and the MLP output. */
    public NDArray forward(NDArray x, Hook hook) {
        hook.apply(HookPoint.RESID_PRE, layer, x);
        NDArray z = hook.apply(HookPoint.Z, layer, attn.z(ln1.forward(x)));
        NDArray mid = x.add(attn.out(z));
        return mid.add(mlpOut(mid, hook));
    }

    /** The MLP's contribution given the residual after attention (hook_mlp_out applied). */
    public NDArray mlpOut(NDArray mid, Hook hook) {
        return hook.apply(HookPoint.MLP_OUT, layer, mlp.forward(ln2.forward(mid)));
    }

    public LayerNorm ln1() {
        return ln1;
    }

    public Attention attn() {
        return attn;
    }

    public LayerNorm ln2() {
        return ln2;
    }

    public Mlp mlp() {
        return mlp;
    }
}
