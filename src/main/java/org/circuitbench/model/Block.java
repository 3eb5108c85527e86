package org.circuitbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * One transformer block: x + attn(ln_1(x)), then + mlp(ln_2(.)), with TransformerLens's hook
 * points. For a hook that uses them, each head's query, key and value read their own copy of the
 * stream through their own ln_1 ({@code hook_q_input} …, as {@code use_split_qkv_input} does), the
 * heads' outputs are summed from {@code attn.hook_result}, and the MLP reads {@code hook_mlp_in}.
 */
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

    /** x [batch, pos, d_model] -> [batch, pos, d_model]. */
    public NDArray forward(NDArray x, Hook hook) {
        x = hook.apply(HookPoint.RESID_PRE, layer, x);
        NDArray z = hook.apply(HookPoint.Z, layer, splitInputs(hook) ? splitZ(x, hook) : attn.z(ln1.forward(x))); // [b, pos, head, d_head]
        NDArray mid;
        if (hook.uses(HookPoint.RESULT)) {
            NDArray result = hook.apply(HookPoint.RESULT, layer, attn.result(z));  // [b, pos, head, d_model]
            mid = x.add(result.sum(new int[] {2})).add(attn.cProj.bias);
        } else {
            mid = x.add(attn.out(z));
        }
        NDArray in = hook.uses(HookPoint.MLP_IN) ? hook.apply(HookPoint.MLP_IN, layer, mid) : mid;
        return hook.apply(HookPoint.RESID_POST, layer, mid.add(mlpOut(in, hook)));
    }

    private static boolean splitInputs(Hook hook) {
        return hook.uses(HookPoint.Q_INPUT) || hook.uses(HookPoint.K_INPUT) || hook.uses(HookPoint.V_INPUT);
    }

    /** z when each head's q, k and v read their own copy of x through their own ln_1: [batch, pos, head, d_head]. */
    private NDArray splitZ(NDArray x, Hook hook) {
        Shape s = x.getShape();
        NDArray copies = x.expandDims(2).broadcast(s.get(0), s.get(1), attn.nHead, s.get(2)); // [b, pos, d] -> [b, pos, head, d]
        NDArray[] in = new NDArray[3];
        HookPoint[] points = {HookPoint.Q_INPUT, HookPoint.K_INPUT, HookPoint.V_INPUT};
        for (int i = 0; i < 3; i++) {
            NDArray own = copies.duplicate();                                                   // each input its own array, as in TransformerLens
            in[i] = ln1.forward(hook.uses(points[i]) ? hook.apply(points[i], layer, own) : own);
        }
        return attn.zSplit(in[0], in[1], in[2]);
    }

    /** The MLP's contribution given the stream it reads (hook_mlp_out applied). */
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
