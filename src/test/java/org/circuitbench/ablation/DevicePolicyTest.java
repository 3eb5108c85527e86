package org.circuitbench.ablation;

import ai.djl.Device;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One device policy for the app and the commands: one at a time on a CPU, batches and speculation on a GPU. */
class DevicePolicyTest {
    @Test
    void aCpuScoresOneAtATimeAndAGpuBatchesAndSpeculates() {
        assertEquals(new DevicePolicy(1, 1, 1_500_000), DevicePolicy.of(Device.cpu()));
        assertEquals(new DevicePolicy(16, 8, Long.MAX_VALUE), DevicePolicy.of(Device.gpu(0)));
        assertEquals(1, DevicePolicy.CPU.edgeSlots());
        assertEquals(8, DevicePolicy.GPU.edgeSlots(), "an edge pass carries the prune's window");
        assertThrows(IllegalArgumentException.class, () -> new DevicePolicy(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DevicePolicy(1, 1, 0));
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        assertEquals(1, EvaluatorFactory.standard().speculation(task), "the test model is on the CPU");
        assertEquals(3, EvaluatorFactory.fixed(new DevicePolicy(4, 3)).speculation(task));
        try (Evaluator ref = EvaluatorFactory.standard().create(task, true); FastEvaluator fast = EvaluatorFactory.fixed(new DevicePolicy(4, 3)).fast(task)) {
            assertEquals(ReferenceEvaluator.class, ref.getClass());
            var circuits = FastEvaluatorTest.randomCircuits(task, 6, 21, false);
            double[] batched = fast.scores(circuits);
            for (int i = 0; i < circuits.size(); i++) assertEquals(ref.score(circuits.get(i)), batched[i], FastEvaluatorTest.TOL);
        }
    }
}
