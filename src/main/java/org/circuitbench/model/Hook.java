package org.circuitbench.model;

import ai.djl.ndarray.NDArray;

/** Reads or replaces an activation during the forward pass; return the activation to keep it. */
@FunctionalInterface
public interface Hook {
    Hook NONE = (point, layer, activation) -> activation;

    NDArray apply(HookPoint point, int layer, NDArray activation);
}
