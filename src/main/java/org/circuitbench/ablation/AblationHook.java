package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;

/**
 * ARENA's {@code add_mean_ablation_hook} as a hook on the plain forward pass: the node-level rule
 * ({@link NodeAblation}) on {@code hook_z}, and on {@code hook_mlp_out} when MLPs are nodes.
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
        return switch (point) {
            case Z -> NodeAblation.apply(act, NodeAblation.zKeepMask(task.keptPos(), circuit, layer), means.z()[layer]);
            case MLP_OUT -> NodeAblation.mlpRule(circuit, layer) == NodeAblation.MlpRule.OWN ? act
                    : NodeAblation.apply(act, NodeAblation.mlpKeepMask(task.keptPos(), circuit, layer), means.mlp()[layer]);
            default -> act;
        };
    }
}
