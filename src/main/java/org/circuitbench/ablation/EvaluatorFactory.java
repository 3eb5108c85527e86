package org.circuitbench.ablation;

import java.util.function.Function;

/**
 * Makes the evaluators of the app and the commands, batched as the task's device wants
 * ({@link DevicePolicy}); and says how far a prune on that device should speculate. One factory is
 * made at start and handed to the app and the commands, so they never disagree.
 */
public final class EvaluatorFactory {
    private final Function<AblationTask, DevicePolicy> policy;

    private EvaluatorFactory(Function<AblationTask, DevicePolicy> policy) {
        this.policy = policy;
    }

    /** Each task's policy from its model's device. */
    public static EvaluatorFactory standard() {
        return new EvaluatorFactory(t -> DevicePolicy.of(t.model().device()));
    }

    /** One policy whatever the device (tests, and measuring). */
    public static EvaluatorFactory fixed(DevicePolicy p) {
        return new EvaluatorFactory(t -> p);
    }

    public DevicePolicy policy(AblationTask task) {
        return policy.apply(task);
    }

    /** The fast evaluator, batched for the task's device. */
    public FastEvaluator fast(AblationTask task) {
        return new FastEvaluator(task, policy(task).maxBatch());
    }

    /** The fast evaluator, or the reference one (the seed's arithmetic, for checking). */
    public Evaluator create(AblationTask task, boolean reference) {
        return reference ? new ReferenceEvaluator(task) : fast(task);
    }

    /**
     * The exact edge evaluator, with its fast path, batched for the task's device: on a GPU several
     * candidates share a pass (as many as the prune's speculation), on a CPU one at a time.
     */
    public EdgeEvaluator edges(AblationTask task) {
        return new EdgeEvaluator(task, true, policy(task));
    }

    /** The same for a prune that speculates {@code speculation} candidates ahead (the command line's). */
    public EdgeEvaluator edges(AblationTask task, int speculation) {
        return new EdgeEvaluator(task, true, policy(task).withSpeculation(speculation));
    }

    /** How many candidates a prune on this task's device scores ahead. */
    public int speculation(AblationTask task) {
        return policy(task).speculation();
    }
}
