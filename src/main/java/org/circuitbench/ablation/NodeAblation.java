package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * The node-level ablation rule, written once and used by every node evaluator (ARENA's
 * {@code add_mean_ablation_hook}): a node keeps its own activation at a kept position when it is
 * in the circuit; everywhere else the activation is its template mean. For a head the activation
 * is z ({@code blocks.L.attn.hook_z}); for an MLP node, {@code blocks.L.hook_mlp_out}. When MLPs
 * are not nodes of the circuit, they always keep their own output.
 */
final class NodeAblation {

    /** What the rule does to an MLP's output in one circuit. */
    enum MlpRule {
        /** MLPs are not nodes of the circuit: the output is never ablated. */
        OWN,
        /** An MLP node in the circuit: its own output at kept positions, the mean elsewhere. */
        KEPT_POSITIONS,
        /** An MLP node outside the circuit: the mean everywhere. */
        MEAN
    }

    private NodeAblation() {
    }

    /** The rule's choice for the MLP of {@code layer}. */
    static MlpRule mlpRule(Circuit c, int layer) {
        if (!c.hasMlpNodes()) return MlpRule.OWN;
        return c.keepsMlp(layer) ? MlpRule.KEPT_POSITIONS : MlpRule.MEAN;
    }

    /**
     * Which z entries keep their own value: a kept position AND a head in the circuit.
     * keptRows [rows, pos, 1] bool (every position, or only the end rows) -> [rows, pos, head, 1].
     */
    static NDArray zKeepMask(NDArray keptRows, Circuit c, int layer) {
        boolean[] inCircuit = new boolean[c.heads()];
        for (int h : c.headsInLayer(layer)) inCircuit[h] = true;
        return zKeepMask(keptRows, inCircuit);
    }

    /** The same for heads flagged in {@code inCircuit} (a slice of a layer's heads). */
    static NDArray zKeepMask(NDArray keptRows, boolean[] inCircuit) {
        NDArray headMask = keptRows.getManager().create(inCircuit, new Shape(1, 1, inCircuit.length)); // [1, 1, head]
        return keptRows.logicalAnd(headMask).expandDims(3);                                         // [rows, pos, head] -> [.., 1]
    }

    /** k circuits' masks stacked on the batch axis, one copy of the prompts per circuit: [k*rows, pos, head, 1]. */
    static NDArray zKeepMask(NDArray keptRows, List<Circuit> circuits, int layer) {
        return stacked(circuits, c -> zKeepMask(keptRows, c, layer));
    }

    /** Where an MLP's output stays its own: keptRows [rows, pos, 1] -> [rows, pos, 1] bool. */
    static NDArray mlpKeepMask(NDArray keptRows, Circuit c, int layer) {
        return switch (mlpRule(c, layer)) {
            case OWN -> keptRows.onesLike();
            case KEPT_POSITIONS -> keptRows;
            case MEAN -> keptRows.zerosLike();
        };
    }

    /** k circuits' MLP masks stacked on the batch axis: [k*rows, pos, 1]. */
    static NDArray mlpKeepMask(NDArray keptRows, List<Circuit> circuits, int layer) {
        return stacked(circuits, c -> mlpKeepMask(keptRows, c, layer));
    }

    private static NDArray stacked(List<Circuit> circuits, java.util.function.Function<Circuit, NDArray> mask) {
        if (circuits.size() == 1) return mask.apply(circuits.get(0));
        NDList masks = new NDList(circuits.size());
        for (Circuit c : circuits) masks.add(mask.apply(c));
        return NDArrays.concat(masks, 0);
    }

    /** The rule itself: the activation where {@code keep} holds, the mean elsewhere. */
    static NDArray apply(NDArray activation, NDArray keep, NDArray mean) {
        return NDArrays.where(keep.broadcast(activation.getShape()), activation, mean);
    }
}
