package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The edge-level ablation rule of edges.md, written once and used by every edge evaluator and
 * by attribution: receiver r reads
 * <pre>in_r = resid_r + Σ over removed edges s->r of (μ_s − a_s)</pre>
 * where resid_r is the residual stream at r's point in this pass and a_s is what s wrote in this
 * same pass. So r sees the real output of senders whose edge is kept, and the mean of the others.
 */
final class EdgeAblation {
    private EdgeAblation() {
    }

    /**
     * The inputs of several receivers that read the same point of the stream.
     *
     * @param resid     the stream at that point, [batch, pos, d_model]
     * @param receivers receiver indices of {@code circuit}'s graph
     * @param delta     per sender index, μ_s − a_s in this pass, shaped like {@code resid}; null where it
     *                  is zero (a sender with no kept out-edge writes its mean)
     * @return [receivers, ...resid's shape]
     */
    static NDArray inputs(NDArray resid, int[] receivers, EdgeCircuit circuit, NDArray[] delta) {
        return inputs(resid, receivers, circuit, delta, null);
    }

    /**
     * The same, reading the deltas from {@code rows} when given: [senders, N], row s holding
     * sender s's delta flattened (a row may be stale where {@code delta[s]} is null; it is never
     * read). A prefix of rows is a view, so nothing is copied when most senders are read.
     */
    static NDArray inputs(NDArray resid, int[] receivers, EdgeCircuit circuit, NDArray[] delta, NDArray rows) {
        EdgeGraph g = circuit.graph();
        int senders = 0;
        for (int r : receivers) senders = Math.max(senders, g.sendersOf(r));
        List<Integer> cols = new ArrayList<>();            // senders with a removed edge into any of these receivers
        for (int s = 0; s < senders; s++) {
            if (delta[s] == null) continue;
            for (int r : receivers) {
                if (s < g.sendersOf(r) && !circuit.contains(s, r)) {
                    cols.add(s);
                    break;
                }
            }
        }
        Shape shape = resid.getShape();
        NDArray base = resid.expandDims(0);                                  // [1, ...]
        if (cols.isEmpty()) return base.broadcast(new Shape(receivers.length).addAll(shape)); // [receivers, ...]
        boolean prefix = rows != null && cols.size() * 4 >= senders;         // most senders: read the prefix view
        int width = prefix ? senders : cols.size();
        float[] removed = new float[receivers.length * width];               // [receivers, width]: 1 where s->r is removed
        for (int i = 0; i < receivers.length; i++) {
            for (int j = 0; j < cols.size(); j++) {
                int s = cols.get(j);
                if (s < g.sendersOf(receivers[i]) && !circuit.contains(s, receivers[i])) {
                    removed[i * width + (prefix ? s : j)] = 1f;
                }
            }
        }
        NDArray deltas;                                                      // [width, N]
        if (prefix) {
            deltas = rows.get(":{}", senders);
        } else if (rows != null) {
            deltas = rows.get(resid.getManager().create(cols.stream().mapToLong(Integer::longValue).toArray()));
        } else {
            NDList d = new NDList(cols.size());
            for (int s : cols) d.add(delta[s].reshape(1, -1));               // [..] -> [1, N]
            deltas = cols.size() == 1 ? d.get(0) : NDArrays.concat(d, 0);
        }
        NDArray mask = resid.getManager().create(removed, new Shape(receivers.length, width));
        NDArray mixed = mask.matMul(deltas)                                  // [receivers, width] @ [width, N] -> [receivers, N]
                .reshape(new Shape(receivers.length).addAll(shape));          // -> [receivers, ...]
        return base.add(mixed);
    }
}
