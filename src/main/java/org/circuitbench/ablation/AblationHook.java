package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;

/**
 * ARENA's {@code add_mean_ablation_hook}: a head in the circuit keeps its own z at the kept
 * positions; everywhere else, and for every head outside the circuit, z becomes the template mean.
 * MLP nodes, when the circuit has them, follow the same rule on hook_mlp_out.
 */
final class AblationHook implements Hook {
    private final AblationTask task;
    private final Circuit circuit;
    private final Means means;

    AblationHook(AblationTask task, Circuit circuit, Means means) {
        this.task = task;
        this.circuit = circuit;
        this.means = means;
    }

    @Override
    public NDArray apply(HookPoint point, int layer, NDArray act) {
        if (point == HookPoint.Z) {
            NDArray keep = zKeepMask(task, circuit, layer);                     // [batch, pos, head, 1]
            return NDArrays.where(keep.broadcast(act.getShape()), act, means.z()[layer]);
        }
        if (point == HookPoint.MLP_OUT && circuit.hasMlpNodes()) {
            if (!circuit.keepsMlp(layer)) return means.mlp()[layer].duplicate();
            return NDArrays.where(task.keptPos().broadcast(act.getShape()), act, means.mlp()[layer]);
        }
        return act;
    }

    /** Which z entries of a layer keep their own value: kept position AND head in circuit. */
    static NDArray zKeepMask(AblationTask task, Circuit circuit, int layer) {
        int heads = circuit.heads();
        boolean[] inCircuit = new boolean[heads];
        for (int h : circuit.headsInLayer(layer)) inCircuit[h] = true;
        NDArray headMask = task.manager().create(inCircuit, new Shape(1, 1, heads)); // [1, 1, head]
        return task.keptPos().logicalAnd(headMask).expandDims(3);                     // [batch, pos, head] -> [.., 1]
    }
}
