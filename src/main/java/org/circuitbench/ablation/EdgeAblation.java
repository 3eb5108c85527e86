package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
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

    /** Where a pass keeps each sender's μ_s − a_s. */
    interface Deltas {
        /** Whether μ_s − a_s is zero (a sender with no kept out-edge writes its mean). */
        boolean isZero(int s);

        /** Senders 0..count−1 as rows [count, N] in one view, or null when the deltas are kept apart. Zero senders' rows are never read. */
        NDArray prefix(int count);

        /** These senders' deltas as rows [senders.length, N]. */
        NDArray rows(int[] senders);
    }

    /** Whether any of these receivers has a removed edge from a sender whose delta is not zero. */
    static boolean anyRemoved(int[] receivers, EdgeCircuit circuit, Deltas deltas) {
        EdgeGraph g = circuit.graph();
        for (int r : receivers) {
            for (int s = 0; s < g.sendersOf(r); s++) {
                if (!deltas.isZero(s) && !circuit.contains(s, r)) return true;
            }
        }
        return false;
    }

    /**
     * The inputs of several receivers that read the same point of the stream.
     *
     * @param resid     the stream at that point, [batch, pos, d_model]
     * @param receivers receiver indices of {@code circuit}'s graph
     * @return [receivers, batch, pos, d_model]
     */
    static NDArray inputs(NDArray resid, int[] receivers, EdgeCircuit circuit, Deltas deltas) {
        EdgeGraph g = circuit.graph();
        int senders = 0;
        for (int r : receivers) senders = Math.max(senders, g.sendersOf(r));
        List<Integer> cols = new ArrayList<>();            // senders with a removed edge into any of these receivers
        for (int s = 0; s < senders; s++) {
            if (deltas.isZero(s)) continue;
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
        NDArray rows = cols.size() * 4 >= senders ? deltas.prefix(senders) : null; // most senders: read one view
        boolean prefix = rows != null;
        int width = prefix ? senders : cols.size();
        if (!prefix) rows = deltas.rows(cols.stream().mapToInt(Integer::intValue).toArray());
        float[] removed = new float[receivers.length * width];               // [receivers, width]: 1 where s->r is removed
        for (int i = 0; i < receivers.length; i++) {
            for (int j = 0; j < cols.size(); j++) {
                int s = cols.get(j);
                if (s < g.sendersOf(receivers[i]) && !circuit.contains(s, receivers[i])) {
                    removed[i * width + (prefix ? s : j)] = 1f;
                }
            }
        }
        NDArray mask = resid.getManager().create(removed, new Shape(receivers.length, width));
        NDArray mixed = mask.matMul(rows)                                    // [receivers, width] @ [width, N] -> [receivers, N]
                .reshape(new Shape(receivers.length).addAll(shape));          // -> [receivers, ...]
        return base.add(mixed);
    }
}
