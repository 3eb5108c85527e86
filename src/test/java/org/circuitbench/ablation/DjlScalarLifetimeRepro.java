package org.circuitbench.ablation;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.Arrays;

/**
 * The minimal reproduction of docs/djl-scalar-lifetime.md, plain DJL on one thread: the gradient of
 * sum(x · 0.5) is 0.5 everywhere, but with {@code mul(Number)} and a garbage collection between the
 * forward and the backward pass it is not. The same product with the scalar as an array that outlives
 * the backward pass is always right. Not a test: it shows DJL's behaviour, for an upstream report.
 * <pre>
 *   mvn -q -B -o test-compile dependency:copy-dependencies@copy-runtime-libs
 *   java --enable-native-access=ALL-UNNAMED -cp "target/classes:target/test-classes:target/lib/*" \
 *       org.circuitbench.ablation.DjlScalarLifetimeRepro 60
 * </pre>
 */
public final class DjlScalarLifetimeRepro {
    private DjlScalarLifetimeRepro() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int wrongNumber = 0, wrongArray = 0;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray half = m.create(0.5f); // lives as long as m
            for (int i = 0; i < n; i++) {
                if (!gradientIsHalf(m, null)) wrongNumber++;
                if (!gradientIsHalf(m, half)) wrongArray++;
            }
        }
        System.out.println("x.mul(0.5f), GC before backward: " + wrongNumber + " of " + n + " gradients wrong");
        System.out.println("x.mul(half) with half alive:     " + wrongArray + " of " + n + " gradients wrong");
        System.exit(0);
    }

    /** d/dx sum(x · 0.5) for x = [1, 2, 3, 4], with a GC between the passes; scalar null: mul(Number). */
    private static boolean gradientIsHalf(NDManager m, NDArray scalar) throws InterruptedException {
        try (NDManager sub = m.newSubManager()) {
            NDArray x = sub.create(new float[] {1, 2, 3, 4});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = (scalar == null ? x.mul(0.5f) : x.mul(scalar)).sum();
                System.gc();
                Thread.sleep(20); // let the Cleaner free the scalar's buffer
                byte[][] churn = new byte[64][];
                for (int k = 0; k < churn.length; k++) churn[k] = new byte[16]; // and let the heap move on
                java.nio.ByteBuffer.allocateDirect(4).putFloat(0, 1e30f);      // malloc may hand the freed bytes out again
                gc.backward(y);
            }
            float[] g = x.getGradient().toFloatArray();
            boolean ok = Arrays.equals(g, new float[] {0.5f, 0.5f, 0.5f, 0.5f});
            if (!ok && scalar == null) System.out.println("  gradient " + Arrays.toString(g));
            return ok;
        }
    }
}
