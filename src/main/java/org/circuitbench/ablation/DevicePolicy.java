package org.circuitbench.ablation;

import ai.djl.Device;

/**
 * How hard to batch on a device. On a CPU, batched candidates spill the caches and run slower than
 * one at a time, and scoring candidates ahead of a prune's decision only costs (measured in
 * docs/performance.md); a GPU wants both. The one place these numbers live.
 *
 * @param maxBatch    how many circuits one forward pass of {@link FastEvaluator} may carry
 * @param speculation how many candidates a prune may score ahead in one batch (1: none)
 */
public record DevicePolicy(int maxBatch, int speculation) {
    public static final DevicePolicy CPU = new DevicePolicy(1, 1);
    public static final DevicePolicy GPU = new DevicePolicy(16, 8);

    public DevicePolicy {
        if (maxBatch < 1 || speculation < 1) throw new IllegalArgumentException("maxBatch and speculation must be at least 1.");
    }

    /** The policy for a device; {@code -Dcircuitbench.maxBatch=N} overrides the batch (for measuring). */
    public static DevicePolicy of(Device device) {
        DevicePolicy p = device != null && device.isGpu() ? GPU : CPU;
        Integer batch = Integer.getInteger("circuitbench.maxBatch");
        return batch == null ? p : new DevicePolicy(Math.max(1, batch), p.speculation());
    }

    public DevicePolicy withSpeculation(int s) {
        return new DevicePolicy(maxBatch, s);
    }
}
