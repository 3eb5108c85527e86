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
 * The activations of one edge-ablated pass over the clean prompts: what every sender wrote, its
 * delta μ_s − a_s, and the residual stream. A layer's heads are one block, so that a layer costs a
 * few tensor operations, not a few per head. A <i>buffered</i> pass (scoring) keeps every delta as
 * a row of one array, read by the rule as a view; an unbuffered one (autograd) keeps them apart.
 */
final class EdgePass implements AutoCloseable, EdgeAblation.Deltas {
    final EdgeCircuit circuit;
    NDArray embed;                  // [batch, pos, d_model]: hook_embed + hook_pos_embed (its mean if it writes nothing read)
    final NDArray[] heads;          // per layer [head, batch, pos, d_model]: each head's hook_result (mean if not read)
    final NDArray[] mlps;           // per layer [batch, pos, d_model]: hook_mlp_out
    final BitSet nonzero;           // senders whose delta is not zero
    final NDArray[] residPre;       // per layer: the stream entering it
    final NDArray[] residMid;       // per layer: the stream after its attention
    NDArray residFinal;
    final NDArray rows;             // buffered: [senders, N], row s = sender s's delta (stale where zero)
    final NDArray[] delta;          // unbuffered: per sender [batch, pos, d_model], null where zero
    NDArray logitDiff;              // [batch], when the logits were computed in this pass
    float[] perPrompt;
    NDManager manager;

    EdgePass(EdgeCircuit circuit, EdgePass from, NDArray rows) {
        EdgeGraph g = circuit.graph();
        this.circuit = circuit;
        this.heads = new NDArray[g.layers()];
        this.mlps = new NDArray[g.layers()];
        this.residPre = new NDArray[g.layers()];
        this.residMid = new NDArray[g.layers()];
        this.nonzero = from == null ? new BitSet() : (BitSet) from.nonzero.clone();
        this.rows = rows;
        this.delta = rows == null ? new NDArray[g.senderCount()] : null;
    }

    // ---- deltas ---------------------------------------------------------------------------------

    @Override
    public boolean isZero(int s) {
        return !nonzero.get(s);
    }

    @Override
    public NDArray prefix(int count) {
        return rows == null ? null : rows.get(":{}", count);
    }

    @Override
    public NDArray rows(int[] senders) {
        if (rows != null) return rows.get(rows.getManager().create(toLong(senders)));
        NDList d = new NDList(senders.length);
        for (int s : senders) d.add(delta[s].reshape(1, -1));                // [b, pos, d] -> [1, N]
        return senders.length == 1 ? d.get(0) : NDArrays.concat(d, 0);
    }

    /** Records sender s's delta [batch, pos, d_model]. */
    void setDelta(int s, NDArray d) {
        nonzero.set(s);
        if (rows != null) rows.set(new ai.djl.ndarray.index.NDIndex("{}", s), d.reshape(-1));
        else delta[s] = d;
    }

    /** Records the deltas of several senders at once: d [k, batch, pos, d_model] for senders s[0..k). */
    void setDeltas(int[] s, NDArray d) {
        for (int x : s) nonzero.set(x);
        if (rows != null) {
            boolean range = s[s.length - 1] - s[0] == s.length - 1;
            var index = range ? new ai.djl.ndarray.index.NDIndex("{}:{}", s[0], s[0] + s.length)
                    : new ai.djl.ndarray.index.NDIndex("{}", rows.getManager().create(toLong(s)));
            rows.set(index, d.reshape(s.length, -1));
        } else {
            for (int i = 0; i < s.length; i++) delta[s[i]] = d.get(i);
        }
    }

    /** Sender s writes its mean: its delta is zero. */
    void setZero(int s) {
        nonzero.clear(s);
        if (delta != null) delta[s] = null;
    }

    /** Every sender's delta as a row, zeros where zero, without gradient history: [count, N]. */
    NDArray detachedRows(int count, long n) {
        NDList d = new NDList(count);
        for (int s = 0; s < count; s++) {
            d.add(isZero(s) ? embed.getManager().zeros(new ai.djl.ndarray.types.Shape(1, n))
                    : rows != null ? rows.get("{}:{}", s, s + 1) : delta[s].stopGradient().reshape(1, -1));
        }
        return NDArrays.concat(d, 0);
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    // ---- ownership ------------------------------------------------------------------------------

    /** The arrays this pass holds, but not the evaluator's own (the means). */
    private List<NDArray> arrays(Set<NDArray> permanent) {
        List<NDArray> all = new ArrayList<>();
        all.add(embed);
        for (NDArray[] a : List.of(heads, mlps, residPre, residMid)) all.addAll(List.of(a));
        all.add(residFinal);
        if (rows != null) all.add(rows);
        if (delta != null) for (NDArray d : delta) if (d != null) all.add(d);
        all.removeIf(a -> a == null || permanent.contains(a));
        return all;
    }

    /** Takes ownership of the arrays this pass computed itself (not those reused from {@code from}). */
    void adopt(NDManager owner, EdgePass from, Set<NDArray> permanent) {
        manager = owner;
        Set<NDArray> reused = from == null ? Set.of() : identitySet(from.arrays(permanent));
        for (NDArray a : arrays(permanent)) {
            if (!reused.contains(a)) {
                NDScope.unregister(a);
                a.attach(owner);
            }
        }
    }

    /** Moves the arrays shared with {@code old} into this pass's manager, before {@code old} is closed. */
    void takeShared(EdgePass old, Set<NDArray> permanent) {
        Set<NDArray> mine = identitySet(arrays(permanent));
        for (NDArray a : old.arrays(permanent)) if (mine.contains(a)) a.attach(manager);
    }

    static Set<NDArray> identitySet(List<NDArray> arrays) {
        Map<NDArray, Boolean> m = new IdentityHashMap<>();
        for (NDArray a : arrays) m.put(a, Boolean.TRUE);
        return m.keySet();
    }

    @Override
    public void close() {
        manager.close();
    }
}
