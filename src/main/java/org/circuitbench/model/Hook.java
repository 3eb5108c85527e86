package org.circuitbench.model;

import ai.djl.ndarray.NDArray;

/**
 * Reads or replaces an activation during the forward pass; return the activation to keep it.
 * {@code layer} is the block's, or −1 outside the blocks.
 */
@FunctionalInterface
public interface Hook {
    Hook NONE = (point, layer, activation) -> activation;

    NDArray apply(HookPoint point, int layer, NDArray activation);

    /** Whether the pass should compute an {@link HookPoint#optional() optional} site for this hook. */
    default boolean uses(HookPoint point) {
        return false;
    }
}
