package org.circuitbench.ablation;

import ai.djl.Device;

/**
 * How hard to batch on a device. On a CPU, batched candidates spill the caches and run slower than
 * one at a time, and scoring candidates ahead of a prune's decision only costs (measured in
 * docs/performance.md); a GPU wants both. The one place these numbers live.
 *
 * @param maxBatch      how many circuits one forward pass may carry ({@link FastEvaluator}; an
 *                      {@link EdgeEvaluator} carries at most {@code min(maxBatch, speculation)})
 * @param speculation   how many candidates a prune may score ahead in one batch (1: none)
 * @param chunkElements how many values the largest temporary of an edge pass may hold: its
 *                      receivers are computed a few prompts at a time within it. On a CPU small
 *                      chunks keep freed memory in use instead of fresh pages; a GPU takes the
 *                      whole batch at once
 */
public record DevicePolicy(int maxBatch, int speculation, long chunkElements) {
    public static final DevicePolicy CPU = new DevicePolicy(1, 1, 1_500_000);
    public static final DevicePolicy GPU = new DevicePolicy(16, 8, Long.MAX_VALUE);

    public DevicePolicy {
        if (maxBatch < 1 || speculation < 1) throw new IllegalArgumentException("maxBatch and speculation must be at least 1.");
        if (chunkElements < 1) throw new IllegalArgumentException("chunkElements must be at least 1.");
    }

    public DevicePolicy(int maxBatch, int speculation) {
        this(maxBatch, speculation, CPU.chunkElements);
    }

    /**
     * The policy for a device; {@code -Dcircuitbench.maxBatch=N} overrides the batch and
     * {@code -Dcircuitbench.chunkElements=N} the chunk (for measuring).
     */
    public static DevicePolicy of(Device device) {
        DevicePolicy p = device != null && device.isGpu() ? GPU : CPU;
        Integer batch = Integer.getInteger("circuitbench.maxBatch");
        Long chunk = Long.getLong("circuitbench.chunkElements");
        return new DevicePolicy(batch == null ? p.maxBatch() : Math.max(1, batch), p.speculation(),
                chunk == null ? p.chunkElements() : Math.max(1, chunk));
    }

    public DevicePolicy withSpeculation(int s) {
        return new DevicePolicy(maxBatch, s, chunkElements);
    }

    /** How many edge circuits one pass carries: the prune's window, within the batch. */
    public int edgeSlots() {
        return Math.min(maxBatch, speculation);
    }
}
