package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The activations of one plain edge-ablated pass over the clean prompts (the reference, attribution,
 * explanations): what every sender wrote, its delta μ_s − a_s, and the residual stream. A layer's
 * heads are one block, so that a layer costs a few tensor operations, not a few per head. The fast
 * pass for scores keeps its own state ({@link FastEdgePass}).
 */
final class EdgePass implements EdgeAblation.Deltas {
    final EdgeCircuit circuit;
    NDArray embed;                  // [batch, pos, d_model]: hook_embed + hook_pos_embed (its mean if it writes nothing read)
    final NDArray[] heads;          // per layer [head, batch, pos, d_model]: each head's hook_result (mean if not read)
    final NDArray[] mlps;           // per layer [batch, pos, d_model]: hook_mlp_out
    final BitSet nonzero;           // senders whose delta is not zero
    final NDArray[] residPre;       // per layer: the stream entering it
    final NDArray[] residMid;       // per layer: the stream after its attention
    NDArray residFinal;
    final NDArray[] delta;          // per sender [batch, pos, d_model], null where zero
    NDArray logitDiff;              // [batch], when the logits were computed in this pass
    float[] perPrompt;

    EdgePass(EdgeCircuit circuit) {
        EdgeGraph g = circuit.graph();
        this.circuit = circuit;
        this.heads = new NDArray[g.layers()];
        this.mlps = new NDArray[g.layers()];
        this.residPre = new NDArray[g.layers()];
        this.residMid = new NDArray[g.layers()];
        this.nonzero = new BitSet();
        this.delta = new NDArray[g.senderCount()];
    }

    // ---- deltas ---------------------------------------------------------------------------------

    @Override
    public boolean isZero(int s) {
        return !nonzero.get(s);
    }

    @Override
    public NDArray prefix(int count) {
        return null;
    }

    @Override
    public NDArray rows(int[] senders) {
        NDList d = new NDList(senders.length);
        for (int s : senders) d.add(delta[s].reshape(1, -1));                // [b, pos, d] -> [1, N]
        return senders.length == 1 ? d.get(0) : NDArrays.concat(d, 0);
    }

    /** Records sender s's delta [batch, pos, d_model]. */
    void setDelta(int s, NDArray d) {
        nonzero.set(s);
        delta[s] = d;
    }

    /** Records the deltas of several senders at once: d [k, batch, pos, d_model] for senders s[0..k). */
    void setDeltas(int[] s, NDArray d) {
        for (int x : s) nonzero.set(x);
        for (int i = 0; i < s.length; i++) delta[s[i]] = d.get(i);
    }

    /** Sender s writes its mean: its delta is zero. */
    void setZero(int s) {
        nonzero.clear(s);
        delta[s] = null;
    }

    /** Every sender's delta as a row, zeros where zero, without gradient history: [count, N]. */
    NDArray detachedRows(int count) {
        long n = embed.size();
        NDList d = new NDList(count);
        for (int s = 0; s < count; s++) {
            d.add(isZero(s) ? embed.getManager().zeros(new ai.djl.ndarray.types.Shape(1, n)) : delta[s].stopGradient().reshape(1, -1));
        }
        return NDArrays.concat(d, 0);
    }

    // ---- helpers --------------------------------------------------------------------------------

    static Set<NDArray> identitySet(List<NDArray> arrays) {
        Map<NDArray, Boolean> m = new IdentityHashMap<>();
        for (NDArray a : arrays) m.put(a, Boolean.TRUE);
        return m.keySet();
    }
}
