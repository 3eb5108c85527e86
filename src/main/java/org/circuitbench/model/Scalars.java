package org.circuitbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * Scalars for ops that autograd records. DJL 0.36's {@code mul(Number)}, {@code pow(Number)},
 * {@code maximum(Number)} and the like wrap the number in a 4-byte buffer without a copy and free it
 * right after the op; autograd keeps that scalar for the backward pass, which then reads freed memory
 * once a GC has run (docs/djl-scalar-lifetime.md). A scalar made here lives as long as its manager
 * (the model's), so use the array-array op with it instead.
 */
public final class Scalars {
    private Scalars() {
    }

    /** A 0-d float32 array holding {@code v}, attached to {@code manager} and to no NDScope. */
    public static NDArray of(NDManager manager, float v) {
        NDArray a = manager.create(v);
        NDScope.unregister(a);
        return a;
    }

    /** A 0-d float64 array holding {@code v}, as {@code mul(double)} would have made it. */
    public static NDArray of(NDManager manager, double v) {
        NDArray a = manager.create(v);
        NDScope.unregister(a);
        return a;
    }
}
